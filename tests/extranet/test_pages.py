"""« Mes contrats » and the contract page's tabs, as a client reads them."""

import datetime
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import Beneficiary, Contract
from documents.models import Document
from products.models import BeneficiaryKind
from tests import factories
from tests.extranet.conftest import days_ago, make_document
from tests.helpers import page_text

# --- « Mes contrats » ----------------------------------------------------------------------


def test_home_lists_the_contracts_with_product_insurer_status_and_beneficiaries(
    as_a, contract_a, contract_b
):
    factories.VehicleFactory.create_batch(3, contract=contract_a)
    factories.VehicleFactory(contract=contract_a, date_sortie=days_ago(1))  # gone yesterday
    factories.VehicleFactory(contract=contract_a, date_sortie=timezone.localdate())  # last day
    factories.VehicleFactory(  # enters next week
        contract=contract_a, date_entree=timezone.localdate() + datetime.timedelta(days=7)
    )
    factories.ContractFactory(
        numero="RC-77", client=contract_a.client, status=Contract.Status.RESILIE,
        product=factories.ProductFactory(name="RC Pro", beneficiary_kind=""),
        assureur="Hiscox",
    )  # fmt: skip

    response = as_a.get(reverse("extranet:home"))

    page = page_text(response)
    assert "Mes contrats" in page
    assert "FL-2026-0001 Flotte automobile AXA France IARD En cours 4" in page
    assert "RC-77 RC Pro Hiscox Résilié —" in page
    assert "FL-2026-0002" not in page  # client B's
    html = response.content.decode()
    assert '<span class="badge badge--resilie">Résilié</span>' in html
    assert f'href="{reverse("extranet:contract", args=[contract_a.pk])}"' in html


def test_home_groups_contracts_by_client_when_the_account_reaches_several(
    as_a, client_a_user, contract_a, contract_b
):
    factories.ExtranetAccessFactory(user=client_a_user, client=contract_b.client)
    empty_client = factories.ClientFactory(nom="Filiale Sans Contrat")
    factories.ExtranetAccessFactory(user=client_a_user, client=empty_client)

    page = page_text(as_a.get(reverse("extranet:home")))

    # Clients in name order, each followed by its own contracts.
    boulangerie = page.index("Boulangerie Leroy SARL")
    filiale = page.index("Filiale Sans Contrat")
    transports = page.index("Transports Dupont SAS")
    assert boulangerie < page.index("FL-2026-0002") < filiale < transports
    assert filiale < page.index("Aucun contrat pour le moment.") < transports
    assert transports < page.index("FL-2026-0001")


def test_home_with_no_contract_says_so(as_a):
    assert "Aucun contrat pour le moment." in page_text(as_a.get(reverse("extranet:home")))


def _bulk_contracts(client, product, n, *, start=0):
    contracts = Contract.objects.bulk_create(
        Contract(
            numero=f"BULK-{client.pk}-{i:04d}", client=client, product=product,
            assureur="Generali", date_effet=days_ago(100),
        )
        for i in range(start, start + n)
    )  # fmt: skip
    Beneficiary.objects.bulk_create(
        Beneficiary(
            contract=contract, kind=BeneficiaryKind.VEHICULE,
            immatriculation=f"AA-{i:03d}-{j}", date_entree=days_ago(10),
        )
        for i, contract in enumerate(contracts)
        for j in range(2)
    )  # fmt: skip
    return contracts


def _queries(http, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert http.get(url).status_code == 200
    return len(captured)


def test_home_query_budget_with_200_contracts(
    as_a, client_a, client_b, fleet_product, django_assert_max_num_queries
):
    url = reverse("extranet:home")
    _bulk_contracts(client_a, fleet_product, 1)
    with_one = _queries(as_a, url)

    _bulk_contracts(client_a, fleet_product, 199, start=1)
    _bulk_contracts(client_b, fleet_product, 50)  # another client's: never fetched
    # 1 session, 2 user, 3 clients of the account (client_required), 4 contracts with product
    # and beneficiary count (one subquery), 5 cabinet name for the header.
    with django_assert_max_num_queries(5):
        response = as_a.get(url)
    page = page_text(response)
    assert page.count("BULK-") == 200
    assert "Generali En cours 2" in page
    assert _queries(as_a, url) == with_one


# --- Contract page --------------------------------------------------------------------------


def test_information_tab_shows_dates_status_and_guarantees(as_a, contract_a):
    Contract.objects.filter(pk=contract_a.pk).update(
        date_effet=datetime.date(2025, 3, 1), echeance_principale="01/03"
    )
    factories.GuaranteeFactory(
        contract=contract_a, nom="Responsabilité civile", plafond=Decimal("1500000"),
        franchise=Decimal("500"), position=1,
    )  # fmt: skip
    factories.GuaranteeFactory(
        contract=contract_a, nom="Bris de glace", plafond=None, franchise=Decimal("150.5"),
        position=2,
    )  # fmt: skip

    response = as_a.get(reverse("extranet:contract", args=[contract_a.pk]))

    page = page_text(response)
    assert "Contrat FL-2026-0001" in page
    assert "Date d'effet 01/03/2025" in page
    assert "Échéance principale 01/03" in page
    assert "Statut En cours" in page
    assert "Responsabilité civile 1\u202f500\u202f000,00\u00a0€ 500,00\u00a0€" in page
    assert "Bris de glace — 150,50\u00a0€" in page
    assert page.index("Responsabilité civile") < page.index("Bris de glace")
    html = response.content.decode()
    tabs = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
    assert "Informations" in tabs and "Bénéficiaires" in tabs and "Documents" in tabs
    assert 'aria-current="page">Informations' in tabs


def test_terminated_contract_shows_its_termination(as_a, contract_a):
    Contract.objects.filter(pk=contract_a.pk).update(
        status=Contract.Status.RESILIE, date_resiliation=datetime.date(2026, 1, 31),
        motif_resiliation="Vente du véhicule",
    )  # fmt: skip
    page = page_text(as_a.get(reverse("extranet:contract", args=[contract_a.pk])))
    assert "Date de résiliation 31/01/2026" in page
    assert "Motif de résiliation Vente du véhicule" in page


def test_beneficiaries_tab_lists_current_ones_only(as_a, contract_a):
    factories.VehicleFactory(
        contract=contract_a, immatriculation="GH-123-JK", marque="Peugeot", modele="208"
    )
    factories.VehicleFactory(
        contract=contract_a, immatriculation="ZZ-999-ZZ", date_sortie=days_ago(3)
    )
    page = page_text(as_a.get(reverse("extranet:contract_beneficiaries", args=[contract_a.pk])))
    assert "GH-123-JK Peugeot 208" in page
    assert "ZZ-999-ZZ" not in page


def test_beneficiaries_tab_is_hidden_when_the_product_has_none(as_a, client_a):
    rc = factories.ContractFactory(
        client=client_a, product=factories.ProductFactory(name="RC Pro", beneficiary_kind="")
    )
    html = as_a.get(reverse("extranet:contract", args=[rc.pk])).content.decode()
    assert reverse("extranet:contract_beneficiaries", args=[rc.pk]) not in html
    assert reverse("extranet:contract_documents", args=[rc.pk]) in html


def test_documents_tab_lists_shared_documents_newest_first(as_a, contract_a, contract_b):
    now = timezone.now()
    make_document(contract_a, title="Attestation flotte", numero="ATT-2026-000010",
                  created_at=now - datetime.timedelta(days=40))  # fmt: skip
    make_document(contract_a, title="Attestation véhicule", numero="ATT-2026-000011",
                  created_at=now - datetime.timedelta(days=1))  # fmt: skip
    pending = make_document(contract_a, title="Attestation à valider", shared=False)
    make_document(contract_b, title="Attestation de B")
    make_document(contract_a, title="Sans fichier", pdf=None)

    response = as_a.get(reverse("extranet:contract_documents", args=[contract_a.pk]))

    page = page_text(response)
    assert page.index("Attestation véhicule") < page.index("Attestation flotte")
    expected_date = timezone.localtime(now - datetime.timedelta(days=40)).strftime("%d/%m/%Y")
    assert f"Attestation flotte ATT-2026-000010 {expected_date} Télécharger" in page
    for absent in ("Attestation à valider", "Attestation de B", "Sans fichier"):
        assert absent not in page
    html = response.content.decode()
    assert html.count("/telecharger/") == 2
    assert reverse("extranet:document_download", args=[pending.pk]) not in html
    assert 'aria-current="page">Documents' in html


def test_documents_tab_empty_state(as_a, contract_a, pending_document_a):
    page = page_text(as_a.get(reverse("extranet:contract_documents", args=[contract_a.pk])))
    assert "Aucun document n'est encore disponible pour ce contrat." in page


def _bulk_documents(contract, n):
    now = timezone.now()
    Document.objects.bulk_create(
        Document(
            contract=contract, title=f"Attestation n° {i:04d}", shared_on_extranet=True,
            pdf_file=f"documents/x/{i}.pdf", created_at=now - datetime.timedelta(minutes=i),
        )
        for i in range(n)
    )  # fmt: skip


def test_documents_tab_query_budget_with_1000_documents(
    as_a, contract_a, django_assert_max_num_queries
):
    url = reverse("extranet:contract_documents", args=[contract_a.pk])
    _bulk_documents(contract_a, 1)
    with_one = _queries(as_a, url)

    Document.objects.all().delete()
    _bulk_documents(contract_a, 1000)
    # 1 session, 2 user, 3 clients of the account (client_required), 4 the contract with
    # product and client, 5 count of shared documents (paginator), 6 the page of documents,
    # 7 the product's attestation models (the « Demander une attestation » button; none
    # here), 8 cabinet name for the header.
    with django_assert_max_num_queries(8):
        response = as_a.get(url)
    page = page_text(response)
    assert page.count("Attestation n° ") == 50
    assert "Attestation n° 0000" in page and "Attestation n° 0050" not in page
    assert "Page 1 sur 20" in page
    assert _queries(as_a, url) == with_one

    last = page_text(as_a.get(url + "?page=20"))
    assert "Attestation n° 0999" in last and "Page 20 sur 20" in last
