"""The demo cabinet built by ``manage.py seed_demo``: deterministic and idempotent.

Every row is keyed on a natural key (username, client name, product name, contract and
quittance number, plate, ...) and written with ``update_or_create``, so running the command
twice changes nothing. The content lives in ``contracts.demo.data``.
"""

from datetime import date
from decimal import Decimal
from fnmatch import fnmatch

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from products.models import BeneficiaryKind, Product

from ..models import (
    Beneficiary,
    Cabinet,
    Client,
    Contract,
    ExtranetAccess,
    Guarantee,
    Payment,
    Quittance,
)
from .data import (
    CABINET,
    CLIENTS,
    DAY,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    GROUP_PERMISSIONS,
    PRODUCTS,
    ContractSpec,
    DemoLogin,
    QuittanceSpec,
    demo_contracts,
)

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DemoLogin",
    "demo_contracts",
    "demo_group_seed",
    "seed_demo",
]


@transaction.atomic
def seed_demo(*, today: date | None = None) -> None:
    """Creates or brings up to date the demo cabinet; safe to run any number of times."""
    today = today or timezone.localdate()
    Cabinet.objects.update_or_create(pk=1, defaults=CABINET)
    for name in GROUP_PERMISSIONS:
        demo_group_seed(name)
    users = {login.username: _seed_user(login) for login in DEMO_LOGINS}
    products = {
        name: Product.objects.update_or_create(name=name, defaults={"beneficiary_kind": kind})[0]
        for name, kind in PRODUCTS.items()
    }
    clients = {}
    for nom, (kind, adresse, cp, ville, email, siren, manager) in CLIENTS.items():
        clients[nom] = Client.objects.update_or_create(
            nom=nom,
            defaults={
                "kind": kind, "adresse": adresse, "code_postal": cp, "ville": ville,
                "email": email, "siren": siren, "account_manager": users[manager],
            },
        )[0]  # fmt: skip
    for login in DEMO_LOGINS:
        for nom in login.clients:
            ExtranetAccess.objects.get_or_create(user=users[login.username], client=clients[nom])
    for spec in demo_contracts(today):
        _seed_contract(spec, clients[spec.client], products[spec.product])


def demo_group_seed(name: str) -> Group:
    """The group ``name`` of ``GROUP_PERMISSIONS`` with exactly its permissions (the tests'
    gestionnaire is built from it too)."""
    include, exclude = GROUP_PERMISSIONS[name]
    permissions = Permission.objects.filter(
        content_type__app_label__in=["auth", "products", "contracts", "documents", "tasks"]
    ).select_related("content_type")
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.set(
        p
        for p in permissions
        if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pat) for pat in include)
        and not any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pat) for pat in exclude)
    )
    return group


def _seed_user(login: DemoLogin):
    staff = login.portal == "intranet"
    user, created = get_user_model().objects.update_or_create(
        username=login.username,
        defaults={
            "email": login.email, "first_name": login.first_name, "last_name": login.last_name,
            "is_staff": staff, "is_superuser": login.is_superuser, "is_active": True,
        },
    )  # fmt: skip
    # Only a new account, or one that has no password yet, gets the published demo password:
    # a password someone chose since is never put back to it.
    if created or not user.password or not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if login.group:
        user.groups.set([Group.objects.get(name=login.group)])
    return user


def _seed_contract(spec: ContractSpec, client: Client, product: Product) -> None:
    contract, _created = Contract.objects.update_or_create(
        numero=spec.numero,
        defaults={
            "client": client, "product": product, "assureur": spec.assureur,
            "date_effet": spec.date_effet, "echeance_principale": spec.echeance,
            "status": spec.status, "date_resiliation": spec.date_resiliation,
            "motif_resiliation": spec.motif_resiliation, "date_fin": None,
        },
    )  # fmt: skip
    for position, (nom, plafond, franchise) in enumerate(spec.guarantees):
        Guarantee.objects.update_or_create(
            contract=contract,
            nom=nom,
            defaults={
                "plafond": Decimal(plafond) if plafond else None,
                "franchise": Decimal(franchise) if franchise else None,
                "position": position,
            },
        )
    for values in spec.beneficiaries:
        values = {"date_sortie": None, **values}
        key = {
            BeneficiaryKind.VEHICULE: ("kind", "immatriculation"),
            BeneficiaryKind.PERSONNE: ("kind", "nom", "prenom"),
            BeneficiaryKind.IMMEUBLE: ("kind", "adresse"),
        }[values["kind"]]
        Beneficiary.objects.update_or_create(
            contract=contract,
            **{k: values[k] for k in key},
            defaults={k: v for k, v in values.items() if k not in key},
        )
    for q in spec.quittances:
        _seed_quittance(q, contract)


def _seed_quittance(spec: QuittanceSpec, contract: Contract) -> None:
    ttc = Decimal(spec.prime_ttc)
    quittance, _created = Quittance.objects.update_or_create(
        numero=spec.numero,
        defaults={
            "contract": contract, "periode_debut": spec.debut, "periode_fin": spec.fin,
            "type": spec.type, "status": spec.status, "prime_ttc": ttc,
            # Taxe sur les conventions d'assurance: roughly 20 % on these lines.
            "prime_ht": (ttc / Decimal("1.2")).quantize(Decimal("0.01")),
        },
    )  # fmt: skip
    wanted = [(spec.debut - 7 * DAY, Decimal(spec.paid), spec.mode)] if spec.paid else []
    existing = [(p.date, p.montant, p.mode) for p in quittance.payments.order_by("date", "id")]
    if existing != wanted:  # payments have no natural key: replace them only when they differ
        quittance.payments.all().delete()
        Payment.objects.bulk_create(
            Payment(quittance=quittance, date=d, montant=m, mode=mode) for d, m, mode in wanted
        )
