"""Clients with their extranet accounts, contracts and quittances in the intranet."""

import datetime
import html
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

from django.contrib.auth import authenticate, get_user_model
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import reverse

from contracts.models import Beneficiary, Contract, ExtranetAccess, Quittance
from documents.models import Document
from intranet.admin_contracts import BENEFICIARY_INLINE_MAX
from products.models import BeneficiaryKind
from tests import factories

User = get_user_model()
PASSWORD = "Un-mot-de-passe-solide-2026"


def url(name, *args):
    return reverse(f"intranet:{name}", args=args)


def rows(page: str, css_class: str) -> list[str]:
    """Texts of the cells of one column of a list (``<td class="field-...">``)."""
    cells = re.findall(rf'<t[hd] class="{css_class}"[^>]*>(.*?)</t[hd]>', page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


class _FormReader(HTMLParser):
    """Reads the fields of a page's main form as a browser would post them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and name and "__prefix__" not in name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            # A browser drops the newline right after <textarea>.
            text = self.data[self._textarea]
            self.data[self._textarea] = text + (data if text else data.lstrip("\n"))


def changeform_data(response) -> dict:
    """What the browser posts back from a change page left as it is shown."""
    page = response.content.decode()
    form = re.search(r'<form [^>]*id="\w+_form".*?</form>', page, re.S).group(0)
    reader = _FormReader()
    reader.feed(form)
    return reader.data


# --- extranet accounts -------------------------------------------------------------------


def test_add_an_extranet_account_with_email_password_and_client(client, superuser, client_a):
    client.force_login(superuser)

    page = client.get(url("auth_user_add")).content.decode()
    assert "Ajouter un compte extranet" in page
    response = client.post(
        url("auth_user_add"),
        {
            "email": " Paul@Dupont.fr ",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "client": client_a.pk,
        },
    )

    user = User.objects.get(email="paul@dupont.fr")
    assert response.status_code == 302
    assert response["Location"] == url("auth_user_change", user.pk)
    assert (user.username, user.is_staff, user.is_superuser) == ("paul@dupont.fr", False, False)
    assert list(ExtranetAccess.objects.filter(user=user).values_list("client", flat=True)) == [
        client_a.pk
    ]
    request = RequestFactory().post("/extranet/connexion/")
    assert authenticate(request, username="paul@dupont.fr", password=PASSWORD) == user
    # Its page lists the clients it reaches.
    assert "Transports Dupont SAS" in client.get(response["Location"]).content.decode()


def test_an_account_without_a_client_is_fine(client, superuser):
    client.force_login(superuser)

    response = client.post(
        url("auth_user_add"),
        {"email": "marc@exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert not ExtranetAccess.objects.filter(user__email="marc@exemple.fr").exists()


def test_an_email_already_used_is_refused(client, superuser, client_a_user):
    client.force_login(superuser)

    response = client.post(
        url("auth_user_add"),
        {"email": "Charlie@Dupont.fr", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse e-mail." in response.content.decode()
    assert User.objects.filter(email__iexact="charlie@dupont.fr").count() == 1


def test_a_weak_or_mistyped_password_is_refused(client, superuser):
    client.force_login(superuser)

    for password1, password2 in (("12345678", "12345678"), (PASSWORD, PASSWORD + "x")):
        response = client.post(
            url("auth_user_add"),
            {"email": "jean@exemple.fr", "password1": password1, "password2": password2},
        )

        assert response.status_code == 200
        assert response.context["adminform"].form.errors
    assert not User.objects.filter(email="jean@exemple.fr").exists()


def test_user_list_filters_extranet_accounts_and_staff(
    client, staff_user, other_staff, client_a_user, client_b_user
):
    client.force_login(staff_user)
    changelist = url("auth_user_changelist")

    extranet = rows(client.get(f"{changelist}?compte=extranet").content.decode(), "field-email")
    staff = rows(client.get(f"{changelist}?compte=personnel").content.decode(), "field-email")

    assert sorted(extranet) == ["charlie@dupont.fr", "diane@leroy.fr"]
    assert sorted(staff) == ["alice@cabinet.fr", "bob@cabinet.fr"]


def test_client_page_gives_access_to_an_account_by_autocomplete(
    client, staff_user, client_a, client_b_user
):
    """The account field searches non-staff accounts only, and refuses a staff id."""
    client.force_login(staff_user)
    search = url("autocomplete") + (
        "?app_label=contracts&model_name=extranetaccess&field_name=user&term="
    )

    found = [r["text"] for r in json.loads(client.get(search).content)["results"]]

    assert found == ["diane@leroy.fr"]
    change_url = url("contracts_client_change", client_a.pk)
    data = changeform_data(client.get(change_url))
    data.update(
        {
            "extranet_accesses-TOTAL_FORMS": "1",
            "extranet_accesses-0-client": str(client_a.pk),
            "extranet_accesses-0-user": str(staff_user.pk),
        }
    )
    assert client.post(change_url, data).status_code == 200
    assert not ExtranetAccess.objects.filter(client=client_a).exists()

    data["extranet_accesses-0-user"] = str(client_b_user.pk)
    assert client.post(change_url, data).status_code == 302
    assert ExtranetAccess.objects.get(client=client_a).user == client_b_user


def test_client_list_counts_contracts_and_links_to_them(client, staff_user, client_a, client_b):
    factories.ContractFactory.create_batch(3, client=client_a)
    factories.ContractFactory(client=client_b, numero="LEROY-1")
    client.force_login(staff_user)

    page = client.get(url("contracts_client_changelist")).content.decode()

    assert rows(page, "field-contract_count") == ["1", "3"]  # ordered by name: Leroy, Dupont
    link = re.search(rf'href="([^"]*\?client={client_a.pk})"', page).group(1)
    contracts = rows(client.get(html.unescape(link)).content.decode(), "field-numero")
    assert len(contracts) == 3
    assert "LEROY-1" not in contracts


# --- contracts ---------------------------------------------------------------------------


def test_contract_list_search_and_filters(client, staff_user, other_staff, client_a):
    flotte = factories.ProductFactory(name="Flotte automobile")
    rc = factories.ProductFactory(name="RC Pro", beneficiary_kind="")
    factories.ContractFactory(numero="FL-1", client=client_a, product=flotte)
    factories.ContractFactory(
        numero="RC-1",
        client=client_a,
        product=rc,
        assureur="Allianz IARD",
        status=Contract.Status.RESILIE,
    )
    leroy = factories.ClientFactory(nom="Boulangerie Leroy", account_manager=other_staff)
    factories.ContractFactory(numero="FL-2", client=leroy, product=flotte)
    client.force_login(staff_user)
    changelist = url("contracts_contract_changelist")

    def numeros(query):
        return sorted(rows(client.get(changelist + query).content.decode(), "field-numero"))

    assert numeros("") == ["FL-1", "FL-2", "RC-1"]
    assert numeros("?q=leroy") == ["FL-2"]
    assert numeros("?q=allianz") == ["RC-1"]
    assert numeros("?q=FL-") == ["FL-1", "FL-2"]
    assert numeros("?status__exact=resilie") == ["RC-1"]
    assert numeros(f"?product__id__exact={flotte.pk}") == ["FL-1", "FL-2"]
    assert numeros("?assureur=Allianz+IARD") == ["RC-1"]
    assert numeros(f"?client__account_manager__id__exact={other_staff.pk}") == ["FL-2"]
    assert numeros(f"?client={leroy.pk}") == ["FL-2"]


def test_contract_page_shows_quittances_and_documents(client, staff_user, client_a):
    contract = factories.ContractFactory(numero="FL-77", client=client_a)
    vehicle = factories.VehicleFactory(contract=contract, immatriculation="GH-456-JK")
    paid = factories.paid_quittance(contract, numero="Q-PAYEE")
    due = factories.QuittanceFactory(
        contract=contract,
        numero="Q-DUE",
        periode_debut=datetime.date(2025, 1, 1),
        periode_fin=datetime.date(2025, 12, 31),
        prime_ttc=Decimal("1200.00"),
    )
    factories.PaymentFactory(quittance=due, montant=Decimal("200.00"))
    Document.objects.create(
        contract=contract,
        beneficiary=vehicle,
        title="Attestation véhicule",
        numero="ATT-2026-000001",
        pdf_file=ContentFile(b"%PDF-1.4", name="attestation-gh456.pdf"),
        shared_on_extranet=True,
    )
    client.force_login(staff_user)

    page = client.get(url("contracts_contract_change", contract.pk)).content.decode()

    assert f'href="{url("contracts_quittance_change", paid.pk)}">Q-PAYEE</a>' in page
    assert f'href="{url("contracts_quittance_change", due.pk)}">Q-DUE</a>' in page
    assert rows(page, "field-restant") == ["0,00\u00a0€", "1\u202f000,00\u00a0€"]
    assert "du 01/01/2025 au 31/12/2025" in page
    assert "ATT-2026-000001" in page
    assert "attestation-gh456.pdf" in page
    document = Document.objects.get()
    assert document.pdf_file.name not in page  # the private path never reaches the page
    assert 'value="GH-456-JK"' in page  # beneficiaries are edited inline


def test_contract_page_saves_with_its_read_only_summaries(client, staff_user, client_a):
    """The quittances and documents tables post nothing, and saving the contract works."""
    contract = factories.ContractFactory(numero="FL-78", client=client_a)
    factories.GuaranteeFactory(contract=contract, nom="Bris de glace")
    factories.paid_quittance(contract)
    Document.objects.create(contract=contract, title="Conditions particulières")
    client.force_login(staff_user)
    change_url = url("contracts_contract_change", contract.pk)
    data = changeform_data(client.get(change_url))
    assert not [key for key in data if key.startswith(("quittances-", "documents-"))]

    data.update({"assureur": "Generali IARD", "guarantees-0-plafond": "2000000"})
    response = client.post(change_url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    contract.refresh_from_db()
    assert contract.assureur == "Generali IARD"
    assert contract.guarantees.get().plafond == Decimal("2000000")
    assert contract.quittances.count() == 1
    assert contract.documents.count() == 1


def test_beneficiary_columns_follow_the_product(client, staff_user, client_a):
    sante = factories.ProductFactory(name="Santé collective", beneficiary_kind="personne")
    contract = factories.ContractFactory(client=client_a, product=sante)
    factories.PersonFactory(contract=contract)
    client.force_login(staff_user)

    page = client.get(url("contracts_contract_change", contract.pk)).content.decode()

    assert 'name="beneficiaries-0-date_naissance"' in page
    assert 'name="beneficiaries-0-immatriculation"' not in page


def test_a_big_fleet_links_to_its_beneficiaries_instead_of_editing_them_inline(
    client, staff_user, client_a
):
    contract = factories.ContractFactory(numero="FLOTTE-XL", client=client_a)
    Beneficiary.objects.bulk_create(
        Beneficiary(
            contract=contract,
            kind=BeneficiaryKind.VEHICULE,
            immatriculation=f"XL-{i:03d}-AA",
            date_entree=datetime.date(2025, 1, 1),
        )
        for i in range(BENEFICIARY_INLINE_MAX + 1)
    )
    client.force_login(staff_user)

    page = client.get(url("contracts_contract_change", contract.pk)).content.decode()

    assert "beneficiaries-TOTAL_FORMS" not in page
    link = url("contracts_beneficiary_changelist") + f"?contract={contract.pk}"
    assert f'href="{link}"' in page
    listed = rows(client.get(link).content.decode(), "field-__str__")
    assert len(listed) == BENEFICIARY_INLINE_MAX + 1


def test_contract_page_shows_the_most_recent_quittances_only(client, staff_user, client_a):
    contract = factories.ContractFactory(client=client_a)
    start = datetime.date(2020, 1, 1)
    Quittance.objects.bulk_create(
        Quittance(
            contract=contract,
            numero=f"M-{i:03d}",
            periode_debut=start + datetime.timedelta(days=31 * i),
            periode_fin=start + datetime.timedelta(days=31 * i + 30),
            prime_ht=Decimal("100"),
            prime_ttc=Decimal("120"),
        )
        for i in range(60)
    )
    client.force_login(staff_user)

    page = client.get(url("contracts_contract_change", contract.pk)).content.decode()

    shown = rows(page, "field-numero_link")
    assert len(shown) == 50
    assert shown[0] == "M-059"
    assert "Seules les 50 premières lignes sont affichées." in page
    assert url("contracts_quittance_changelist") + f"?contract__id__exact={contract.pk}" in page


# --- quittances --------------------------------------------------------------------------


def test_quittance_list_shows_what_is_due_and_filters_it(client, staff_user, client_a):
    contract = factories.ContractFactory(numero="FL-9", client=client_a)
    factories.paid_quittance(contract, numero="Q-PAYEE")
    due = factories.QuittanceFactory(contract=contract, numero="Q-DUE")
    factories.PaymentFactory(quittance=due, montant=Decimal("1000.00"))
    factories.QuittanceFactory(
        contract=contract, numero="Q-ANNULEE", status=Quittance.Status.ANNULEE
    )
    client.force_login(staff_user)
    changelist = url("contracts_quittance_changelist")

    page = client.get(changelist + "?o=1").content.decode()  # by numéro (0: the checkbox)

    assert rows(page, "field-numero") == ["Q-ANNULEE", "Q-DUE", "Q-PAYEE"]
    assert rows(page, "field-restant") == ["1\u202f200,00\u00a0€", "200,00\u00a0€", "0,00\u00a0€"]
    soldee = re.findall(r'class="field-soldee"><img src="[^"]*icon-(\w+)\.svg', page)
    assert soldee == ["unknown", "no", "yes"]
    assert rows(page, "field-client") == ["Transports Dupont SAS"] * 3

    def numeros(query):
        return sorted(rows(client.get(changelist + query).content.decode(), "field-numero"))

    assert numeros("?soldee=oui") == ["Q-PAYEE"]
    assert numeros("?soldee=non") == ["Q-DUE"]
    assert numeros("?q=FL-9") == ["Q-ANNULEE", "Q-DUE", "Q-PAYEE"]
    assert numeros("?q=dupont&status__exact=annulee") == ["Q-ANNULEE"]
    assert numeros(f"?contract__id__exact={contract.pk}") == ["Q-ANNULEE", "Q-DUE", "Q-PAYEE"]
    by_balance = client.get(changelist + "?o=7").content.decode()  # restant dû, ascending
    assert rows(by_balance, "field-numero") == ["Q-PAYEE", "Q-DUE", "Q-ANNULEE"]


def test_record_a_payment_on_a_quittance(client, staff_user, client_a):
    quittance = factories.QuittanceFactory(contract=factories.ContractFactory(client=client_a))
    client.force_login(staff_user)
    change_url = url("contracts_quittance_change", quittance.pk)
    response = client.get(change_url)
    readonly = re.findall(r'<div class="readonly">([^<]*)</div>', response.content.decode())
    assert readonly == ["0,00\u00a0€", "1\u202f200,00\u00a0€"]  # montant réglé, restant dû
    data = changeform_data(response)
    data.update(
        {
            "payments-TOTAL_FORMS": "1",
            "payments-0-date": "15/03/2026",
            "payments-0-montant": "1200.00",
            "payments-0-mode": "virement",
        }
    )

    response = client.post(change_url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert quittance.payments.get().date == datetime.date(2026, 3, 15)
    page = client.get(url("contracts_quittance_changelist")).content.decode()
    assert rows(page, "field-restant") == ["0,00\u00a0€"]


def test_add_a_quittance_from_the_contract_page(client, staff_user, client_a):
    contract = factories.ContractFactory(numero="FL-10", client=client_a)
    client.force_login(staff_user)

    page = client.get(url("contracts_contract_change", contract.pk)).content.decode()
    add_link = html.unescape(re.search(r'href="([^"]*quittance/add/\?[^"]*)"', page).group(1))
    response = client.get(add_link)

    assert response.status_code == 200
    assert response.context["adminform"].form.initial["contract"] == str(contract.pk)
