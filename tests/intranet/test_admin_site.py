"""The intranet site: French, titled with the cabinet's name, staff only; every page answers."""

import datetime
import io
from decimal import Decimal

import docx
import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Cabinet
from documents.models import Document, DocumentTemplate, ProductAttestationModel
from intranet.sites import site
from tests import factories

LOGIN_URL = reverse("intranet:login")
INDEX_URL = reverse("intranet:index")
PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory


def test_login_page_is_in_french(client, db):
    Cabinet.objects.create(nom="Courtage Martin & Fils")

    response = client.get(LOGIN_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr"' in page
    assert "Nom d’utilisateur" in page
    assert "Mot de passe" in page
    assert 'value="Connexion"' in page
    assert "Courtage Martin &amp; Fils" in page


def test_anonymous_is_sent_to_login(client, db):
    for url in (INDEX_URL, reverse("intranet:contracts_contract_changelist")):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def test_staff_logs_in(client, staff_user):
    # The login form carries next=/intranet/ in a hidden field; post it as a browser does.
    assert f'name="next" value="{INDEX_URL}"' in client.get(LOGIN_URL).content.decode()
    form = {"username": "alice", "password": PASSWORD, "next": INDEX_URL}

    response = client.post(LOGIN_URL, form)

    assert response.status_code == 302
    assert response["Location"] == INDEX_URL
    assert client.get(INDEX_URL).status_code == 200


def test_extranet_account_cannot_log_in(client, client_a_user):
    for username in ("charlie@dupont.fr", "CHARLIE@dupont.fr"):
        response = client.post(LOGIN_URL, {"username": username, "password": PASSWORD})

        assert response.status_code == 200
        assert "compte autorisé" in response.content.decode()  # the admin's French refusal
        assert "_auth_user_id" not in client.session
    assert client.get(INDEX_URL).status_code == 302


def test_extranet_account_with_a_session_still_gets_nothing(client, client_a_user, client_a):
    """Logged in on the extranet, the intranet is still closed: every page sends to login."""
    contract = factories.ContractFactory(client=client_a)
    client.force_login(client_a_user)

    urls = [
        INDEX_URL,
        reverse("intranet:contracts_contract_changelist"),
        reverse("intranet:contracts_contract_change", args=[contract.pk]),
        reverse("intranet:auth_user_changelist"),
        reverse("intranet:autocomplete") + "?app_label=contracts&model_name=contract"
        "&field_name=client&term=",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(LOGIN_URL)


def test_header_and_title_show_the_cabinet_name_for_one_query(client, staff_user):
    Cabinet.objects.create(nom="Assurances Dubois")
    client.force_login(staff_user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("intranet:contracts_contract_changelist"))

    page = response.content.decode()
    assert '<a href="/intranet/">Assurances Dubois</a>' in page
    assert "| Assurances Dubois</title>" in page
    cabinet_queries = [q for q in queries if "contracts_cabinet" in q["sql"]]
    assert len(cabinet_queries) == 1


def test_cabinet_is_one_editable_row(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("intranet:contracts_cabinet_changelist"))

    change_url = reverse("intranet:contracts_cabinet_change", args=[1])
    assert response.status_code == 302
    assert response["Location"] == change_url
    assert client.get(reverse("intranet:contracts_cabinet_add")).status_code == 403
    assert client.get(reverse("intranet:contracts_cabinet_delete", args=[1])).status_code == 403

    response = client.post(
        change_url,
        {
            "nom": "Cabinet Moreau",
            "orias": "07012345",
            "adresse": "3 rue Nationale",
            "code_postal": "59000",
            "ville": "Lille",
            "telephone": "03 20 00 00 00",
            "email": "contact@moreau.fr",
        },
    )

    assert response.status_code == 302
    cabinet = Cabinet.objects.get()
    assert (cabinet.pk, cabinet.nom, cabinet.orias) == (1, "Cabinet Moreau", "07012345")
    assert "Cabinet Moreau" in client.get(INDEX_URL).content.decode()


def _docx() -> ContentFile:
    document = docx.Document()
    document.add_paragraph("Attestation {{ contrat.numero }} {{ motif }}")
    buffer = io.BytesIO()
    document.save(buffer)
    return ContentFile(buffer.getvalue(), name="modele.docx")


@pytest.fixture
def one_of_everything(client_a, client_a_user, other_staff):
    """A row of every registered model, so change pages have something to show."""
    contract = factories.ContractFactory(client=client_a)
    factories.GuaranteeFactory(contract=contract)
    vehicle = factories.VehicleFactory(contract=contract)
    factories.paid_quittance(contract)
    template = DocumentTemplate.objects.create(name="Attestation", file=_docx())
    ProductAttestationModel.objects.create(product=contract.product, template=template)
    Document.objects.create(
        contract=contract,
        beneficiary=vehicle,
        title="Attestation d'assurance",
        pdf_file=ContentFile(b"%PDF-1.4", name="attestation.pdf"),
    )
    Group.objects.get_or_create(name="Gestionnaires")
    return contract


def test_every_registered_page_answers_for_staff(client, superuser, one_of_everything):
    """A cheap guard against a broken admin configuration, including the other modules'."""
    client.force_login(superuser)
    request = RequestFactory().get("/")
    request.user = superuser

    for model, model_admin in site._registry.items():
        info = (site.name, model._meta.app_label, model._meta.model_name)
        response = client.get(reverse("{}:{}_{}_changelist".format(*info)), follow=True)
        assert response.status_code == 200, model

        if model_admin.has_add_permission(request):
            response = client.get(reverse("{}:{}_{}_add".format(*info)))
            assert response.status_code == 200, model

        obj = model._default_manager.first()
        if obj is not None:
            response = client.get(reverse("{}:{}_{}_change".format(*info), args=[obj.pk]))
            assert response.status_code == 200, model


def test_the_intranet_registers_the_pages_staff_need(db):
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in site._registry}

    assert {
        "contracts.cabinet",
        "contracts.client",
        "contracts.contract",
        "contracts.quittance",
        "contracts.beneficiary",
        "products.product",
        "auth.user",
        "auth.group",
    } <= registered


def test_amounts_and_dates_are_french_on_lists(client, staff_user, client_a):
    quittance = factories.QuittanceFactory(
        contract=factories.ContractFactory(client=client_a),
        periode_debut=datetime.date(2026, 1, 1),
        periode_fin=datetime.date(2026, 12, 31),
        prime_ttc=Decimal("1500.00"),
    )
    factories.PaymentFactory(quittance=quittance, montant=Decimal("500.00"))
    client.force_login(staff_user)

    page = client.get(reverse("intranet:contracts_quittance_changelist")).content.decode()

    assert "du 01/01/2026 au 31/12/2026" in page
    assert "1\u202f500,00\u00a0€" in page
    assert "1\u202f000,00\u00a0€" in page
