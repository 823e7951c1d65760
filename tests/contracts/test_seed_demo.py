"""`manage.py seed_demo` builds the demo cabinet, idempotently, in the states it promises."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from contracts.demo import DEMO_PASSWORD, seed_demo
from contracts.models import (
    Beneficiary,
    Cabinet,
    Client,
    Contract,
    ExtranetAccess,
    Guarantee,
    Payment,
    Quittance,
)
from contracts.selectors import contract_eligibility, contracts_eligibility
from products.models import Product

pytestmark = pytest.mark.django_db

NOT_PAID = "La quittance couvrant la date du jour n'est pas entièrement réglée."
NOT_INVOICED = (
    "Aucune quittance ne couvre la date du jour : "
    "le contrat n'a pas encore été facturé pour cette période."
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def snapshot() -> dict[str, list]:
    """Every row the seed writes, with every column: equal snapshots mean nothing changed."""
    User = get_user_model()
    models = [
        Cabinet, User, Group, Product, Client, ExtranetAccess, Contract,
        Guarantee, Beneficiary, Quittance, Payment,
    ]  # fmt: skip
    rows = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    for row in rows["User"]:
        row.pop("last_login")
    rows["group_permissions"] = list(
        Group.permissions.through.objects.order_by("pk").values_list("group_id", "permission_id")
    )
    rows["user_groups"] = list(
        User.groups.through.objects.order_by("pk").values_list("user_id", "group_id")
    )
    return rows


def test_running_it_twice_changes_nothing():
    call_command("seed_demo", "--force", stdout=StringIO())
    first = snapshot()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert snapshot() == first
    assert len(first["Contract"]) == 9
    assert len(first["User"]) == 6


def test_running_it_on_another_day_keeps_the_row_counts():
    seed_demo(today=date(2026, 3, 31))
    before = {name: len(rows) for name, rows in snapshot().items()}
    seed_demo(today=date(2026, 4, 1))
    assert {name: len(rows) for name, rows in snapshot().items()} == before


# Quarter and year boundaries, a leap day: the states hold whatever the day.
@pytest.mark.parametrize(
    "today",
    [date(2026, 1, 1), date(2026, 3, 31), date(2026, 5, 15), date(2028, 2, 29), date(2026, 12, 31)],
)
def test_contracts_are_in_the_promised_states(today):
    seed_demo(today=today)
    contracts = Contract.objects.all()
    result = {
        Contract.objects.get(pk=pk).numero: (e.eligible, e.reason)
        for pk, e in contracts_eligibility(contracts=contracts, today=today).items()
    }
    assert result == {
        "FL-24-0001": (True, ""),  # fleet, in force and paid
        "MRI-23-0107": (True, ""),  # property of the sister company, paid
        "RCP-24-0189": (True, ""),  # RC Pro of the private person, paid
        "FL-25-0077": (False, NOT_PAID),  # today's quittance partly paid
        "SC-24-0311": (False, NOT_INVOICED),  # not yet invoiced for today
        "FL-25-0042": (False, "Votre contrat est suspendu."),
        "MRI-21-0056": (False, "Votre contrat est résilié."),
        "RCP-26-0004": (False, "Votre contrat n'est pas en cours."),  # devis
        "MRI-25-0093": (False, "Votre contrat n'est pas en cours."),  # sans effet
    }


def test_the_command_uses_today():
    call_command("seed_demo", "--force", stdout=StringIO())
    paid = Contract.objects.get(numero="FL-24-0001")
    assert contract_eligibility(contract=paid).eligible
    unpaid = contract_eligibility(contract=Contract.objects.get(numero="FL-25-0077"))
    assert unpaid.reason == NOT_PAID
    assert unpaid.quittance.restant_du == Decimal("945.60")


def test_the_demo_cabinet_is_realistic():
    seed_demo(today=date(2026, 5, 15))
    cabinet = Cabinet.objects.get()
    assert (cabinet.nom, cabinet.ville) == ("Cabinet Durand Courtage", "Lyon")
    cabinet.full_clean()  # ORIAS on 8 digits
    for client in Client.objects.all():
        client.full_clean()
    for contract in Contract.objects.all():
        contract.full_clean()
    for beneficiary in Beneficiary.objects.all():
        beneficiary.full_clean()  # VIN on 17 characters, ...

    fleet = Contract.objects.get(numero="FL-24-0001")
    in_fleet = fleet.beneficiaries.filter(date_sortie__isnull=True)
    assert in_fleet.count() == 4
    assert fleet.guarantees.filter(plafond__isnull=False, franchise__isnull=False).exists()
    property_ = Contract.objects.get(numero="MRI-23-0107")
    assert property_.beneficiaries.filter(kind="immeuble").count() == 2
    assert property_.client.nom == "Dupont Logistique SAS"
    health = Contract.objects.get(product__name="Santé collective")
    assert health.beneficiaries.filter(kind="personne").count() >= 4
    rc_pro = Contract.objects.get(numero="RCP-24-0189")
    assert rc_pro.product.beneficiary_kind == ""
    assert not rc_pro.beneficiaries.exists()
    resilie = Contract.objects.get(status=Contract.Status.RESILIE)
    assert resilie.date_resiliation < date(2026, 5, 15)
    assert resilie.motif_resiliation
    assert {p.name for p in Product.objects.all()} == {
        "Flotte automobile", "Multirisque immeuble", "RC Professionnelle", "Santé collective",
    }  # fmt: skip
    assert Contract.objects.values("assureur").distinct().count() >= 5


def test_extranet_accounts_reach_their_clients():
    seed_demo(today=date(2026, 5, 15))
    User = get_user_model()

    def clients_of(username: str) -> set[str]:
        user = User.objects.get(username=username)
        assert not user.is_staff
        assert user.email == username
        assert user.check_password(DEMO_PASSWORD)
        return {a.client.nom for a in ExtranetAccess.objects.filter(user=user)}

    assert clients_of("contact@transports-dupont.fr") == {
        "Transports Dupont SAS",
        "Dupont Logistique SAS",
    }
    assert clients_of("rh@boulangerie-leroy.fr") == {"Boulangerie Leroy SARL"}
    assert clients_of("claire.martin@example.fr") == {"Martin Claire"}
    assert Client.objects.get(nom="Martin Claire").kind == Client.Kind.PHYSIQUE


@pytest.mark.parametrize("username", ["direction", "gestionnaire", "assistante"])
def test_staff_log_in_to_the_intranet(client, username):
    seed_demo(today=date(2026, 5, 15))
    response = client.post(
        "/intranet/login/", {"username": username, "password": DEMO_PASSWORD, "next": "/intranet/"}
    )
    assert response.status_code == 302, "login refused"
    assert client.get("/intranet/").status_code == 200


def test_staff_groups_and_permissions():
    seed_demo(today=date(2026, 5, 15))
    User = get_user_model()
    direction = User.objects.get(username="direction")
    assert direction.is_superuser
    assert direction.groups.filter(name="Direction").exists()
    gestionnaire = User.objects.get(username="gestionnaire")
    assert not gestionnaire.is_superuser
    assert gestionnaire.groups.filter(name="Gestionnaires").exists()
    assert gestionnaire.has_perm("contracts.change_contract")
    assert gestionnaire.has_perm("contracts.add_payment")
    assert gestionnaire.has_perm("products.view_product")
    assert not gestionnaire.has_perm("products.change_product")
    assert not gestionnaire.has_perm("contracts.delete_contract")
    assert not gestionnaire.has_perm("contracts.change_cabinet")
    assert not gestionnaire.has_perm("auth.change_user")  # would let them make anyone superuser
    assert (
        Group.objects.get(name="Direction").permissions.filter(codename="change_product").exists()
    )


def test_demo_logins_prints_the_urls_and_the_accounts():
    call_command("seed_demo", "--force", stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", "--url", "http://demo.example:9000/", stdout=out)
    text = out.getvalue()
    assert "http://demo.example:9000/intranet/" in text
    assert "http://demo.example:9000/extranet/" in text
    assert DEMO_PASSWORD in text
    for username in [
        "direction", "gestionnaire", "assistante", "contact@transports-dupont.fr",
        "rh@boulangerie-leroy.fr", "claire.martin@example.fr",
    ]:  # fmt: skip
        assert username in text
    assert "Transports Dupont SAS, Dupont Logistique SAS" in text
    assert "seed_demo" not in text  # every account exists


def test_demo_logins_defaults_to_site_url_and_says_when_accounts_are_missing(settings):
    settings.SITE_URL = "https://attestations.cabinet.fr"
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "https://attestations.cabinet.fr/intranet/" in text
    assert "python manage.py seed_demo" in text


# --- Never in production by accident -------------------------------------------------------


@pytest.mark.parametrize("command", ["seed_demo", "seed_demo_documents"])
def test_refused_when_debug_is_off_unless_forced(settings, command):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG est désactivé.*--force"):
        call_command(command, stdout=StringIO())
    assert not get_user_model().objects.exists()
    assert not Contract.objects.exists()


def test_forced_it_runs_with_debug_off(settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", stdout=StringIO())
    call_command("seed_demo_documents", "--force", stdout=StringIO())
    assert Contract.objects.count() == 9


def test_runs_without_force_when_debug_is_on(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    assert Contract.objects.count() == 9


def test_a_changed_demo_password_survives_another_run():
    call_command("seed_demo", "--force", stdout=StringIO())
    direction = get_user_model().objects.get(username="direction")
    direction.set_password("Un-vrai-secret-2026")
    direction.save()
    call_command("seed_demo", "--force", stdout=StringIO())
    direction.refresh_from_db()
    assert direction.check_password("Un-vrai-secret-2026")
    assert not direction.check_password(DEMO_PASSWORD)


def test_an_unusable_password_gets_the_demo_one():
    call_command("seed_demo", "--force", stdout=StringIO())
    User = get_user_model()
    gestionnaire = User.objects.get(username="gestionnaire")
    gestionnaire.set_unusable_password()
    gestionnaire.save()
    call_command("seed_demo", "--force", stdout=StringIO())
    assert User.objects.get(username="gestionnaire").check_password(DEMO_PASSWORD)
