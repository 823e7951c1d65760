"""Reads with a rule in them: which clients and contracts an extranet account reaches, a
quittance's balance (« entièrement soldée »), whether a contract is in force and eligible
today, which beneficiaries are current. Each rule is one function, called by every caller.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext

from .models import Beneficiary, Cabinet, Client, Contract, Payment, Quittance


def cabinet_get() -> Cabinet:
    """The cabinet's details (one row, created empty on first use)."""
    cabinet, _created = Cabinet.objects.get_or_create(pk=1, defaults={"nom": "Cabinet"})
    return cabinet


def quittance_annotate_balance(queryset: QuerySet[Quittance]) -> QuerySet[Quittance]:
    """Adds ``montant_regle`` (sum of payments) and ``restant_du`` (TTC minus payments).

    "Entièrement soldée" is always derived from these, never typed by hand. A
    subquery (not a join + GROUP BY) keeps other annotations and filters intact.
    """
    money = DecimalField(max_digits=14, decimal_places=2)
    paid = (
        Payment.objects.filter(quittance=OuterRef("pk"))
        .order_by()
        .values("quittance")
        .annotate(total=Sum("montant"))
        .values("total")
    )
    # SQLite computes in binary floating point (600.10 + 599.90 may come back as
    # 1199.9999999999998): rounding to the cent keeps "restant dû <= 0" exact everywhere.
    return queryset.annotate(
        montant_regle=Round(
            Coalesce(Subquery(paid, output_field=money), Value(Decimal("0.00"))),
            2,
            output_field=money,
        ),
    ).annotate(
        restant_du=Round(
            ExpressionWrapper(F("prime_ttc") - F("montant_regle"), output_field=money),
            2,
            output_field=money,
        )
    )


# --- Eligibility: "may this client get an attestation for this contract today?" -------------
#
# One rule, used by the extranet button, the request service and the intranet. Decisions:
#
# * In force ("en cours"): status ``en_cours``, ``date_effet <= today`` and, when set,
#   ``today <= date_fin`` (the end date is the last day covered).
# * Résiliation takes effect on ``date_resiliation`` (French practice: "résilié à effet du
#   31/03"), so a contract is in force strictly *before* that date and no longer on it. A
#   termination scheduled in the future keeps the contract in force until then, whether staff
#   already set the status to ``résilié`` or left it ``en cours``. ``résilié`` with no date is
#   terminated now.
# * ``devis``, ``suspendu`` and ``sans effet`` are never in force.
# * A quittance covers today when ``periode_debut <= today <= periode_fin`` (both inclusive)
#   and its status is ``émise``: cancelled and "pour information" quittances never count,
#   even when paid.
# * It is entirely paid ("entièrement soldée") when its restant dû (``quittance_annotate_balance``)
#   is <= 0: an overpayment counts as paid.
# * Several quittances may cover today (a terme and a comptant regularisation, a renewal that
#   overlaps): today is covered as soon as ANY of them is entirely paid. The premium for the
#   period has then been paid; an unpaid regularisation is a collection matter for the
#   cabinet, not a reason to refuse the client a proof of cover.


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str  # '' when eligible; otherwise a sentence shown to the client, in French
    # The quittance covering today: the entirely paid one when there is one, else the unpaid
    # one (its ``restant_du`` tells how much is missing), else None. Annotated with
    # ``montant_regle`` and ``restant_du``. Set even when the contract is not in force.
    quittance: Quittance | None

    @property
    def paid_quittance(self) -> Quittance | None:
        """The entirely paid quittance covering today, if any (for ``quittance.*`` tags)."""
        if self.quittance is not None and quittance_is_settled(self.quittance):
            return self.quittance
        return None


def _not_in_force_reason(contract: Contract, today: date) -> str:
    """'' when the contract is in force on ``today``, else why not (in French)."""
    status = contract.status
    Status = Contract.Status
    if status == Status.SUSPENDU:
        return gettext("Votre contrat est suspendu.")
    if status in (Status.DEVIS, Status.SANS_EFFET):
        return gettext("Votre contrat n'est pas en cours.")
    terminated = contract.date_resiliation is not None and contract.date_resiliation <= today
    if status == Status.RESILIE and (contract.date_resiliation is None or terminated):
        return gettext("Votre contrat est résilié.")
    if status not in (Status.EN_COURS, Status.RESILIE):
        return gettext("Votre contrat n'est pas en cours.")  # a status added later: fail closed
    if terminated:
        return gettext("Votre contrat est résilié.")
    if contract.date_effet > today:
        return gettext("Votre contrat n'a pas encore pris effet.")
    if contract.date_fin is not None and contract.date_fin < today:
        return gettext("Votre contrat n'est pas en cours.")
    return ""


def contract_is_in_force(*, contract: Contract, today: date) -> bool:
    """Whether the contract is "en cours" on ``today`` (see the decisions above)."""
    return not _not_in_force_reason(contract, today)


def _covering_quittances(today: date) -> QuerySet[Quittance]:
    return quittance_annotate_balance(
        Quittance.objects.filter(
            status=Quittance.Status.EMISE, periode_debut__lte=today, periode_fin__gte=today
        )
    )


def quittance_is_settled(quittance: Quittance) -> bool | None:
    """ "Entièrement soldée": nothing left due on an issued quittance (annotated with
    ``quittance_annotate_balance``). None for a cancelled or "pour information" one, which
    is neither paid nor due and never counts."""
    if quittance.status != Quittance.Status.EMISE:
        return None
    return quittance.restant_du <= 0


def quittances_filter_settled(queryset: QuerySet[Quittance], *, settled: bool) -> QuerySet:
    """Issued quittances entirely paid (or not), on an annotated queryset."""
    issued = queryset.filter(status=Quittance.Status.EMISE)
    return issued.filter(restant_du__lte=0) if settled else issued.filter(restant_du__gt=0)


def _best_covering(quittances: Iterable[Quittance]) -> Quittance | None:
    """The paid one first; then a terme before a comptant, the latest period, the number."""

    def key(q: Quittance):
        return (
            not quittance_is_settled(q),
            q.type != Quittance.Type.TERME,
            -q.periode_debut.toordinal(),
            -q.periode_fin.toordinal(),
            q.numero,
        )

    return min(quittances, key=key, default=None)


def quittance_covering_today(*, contract: Contract, today: date) -> Quittance | None:
    """The émise quittance covering ``today``, preferring an entirely paid one; None if none.

    The result is annotated with ``restant_du``: ``restant_du <= 0`` means entirely paid.
    One query.
    """
    return _best_covering(_covering_quittances(today).filter(contract=contract))


def _eligibility(contract: Contract, today: date, quittance: Quittance | None) -> Eligibility:
    reason = _not_in_force_reason(contract, today)
    if not reason and quittance is None:
        reason = gettext(
            "Aucune quittance ne couvre la date du jour : "
            "le contrat n'a pas encore été facturé pour cette période."
        )
    elif not reason and not quittance_is_settled(quittance):
        reason = gettext("La quittance couvrant la date du jour n'est pas entièrement réglée.")
    return Eligibility(eligible=not reason, reason=reason, quittance=quittance)


def contract_eligibility(*, contract: Contract, today: date | None = None) -> Eligibility:
    """Is this contract in force today, and is today covered by an entirely paid quittance?

    ``reason`` says why not, in French, for the client. One query.
    """
    if today is None:
        today = timezone.localdate()
    return _eligibility(contract, today, quittance_covering_today(contract=contract, today=today))


def contracts_eligibility(
    *, contracts: Iterable[Contract], today: date | None = None
) -> dict[int, Eligibility]:
    """``contract_eligibility`` for a list of contracts, keyed by contract id.

    One query whatever the number of contracts (none for an empty list).
    """
    if today is None:
        today = timezone.localdate()
    contracts = list(contracts)
    if not contracts:
        return {}
    by_contract: dict[int, list[Quittance]] = defaultdict(list)
    for quittance in _covering_quittances(today).filter(contract_id__in={c.pk for c in contracts}):
        by_contract[quittance.contract_id].append(quittance)
    return {
        c.pk: _eligibility(c, today, _best_covering(by_contract.get(c.pk, ()))) for c in contracts
    }


# --- Extranet access: what an extranet account may see ---------------------------------------
#
# Every extranet view reaches clients, contracts, beneficiaries and documents through these
# (and ``extranet.access``); anything else is a 404. A staff account is never a client, even
# with an ExtranetAccess row (the admin form forbids one, a shell could still create it).


def user_is_client_account(user) -> bool:
    """An active, non-staff account: the only kind that may use the extranet."""
    return bool(
        user.is_authenticated and user.is_active and not user.is_staff and not user.is_superuser
    )


def clients_for_user(user) -> QuerySet[Client]:
    """The clients an extranet account was given access to; none for anyone else."""
    if not user_is_client_account(user):
        return Client.objects.none()
    # (user, client) is unique in ExtranetAccess: the join yields no duplicates.
    return Client.objects.filter(extranet_accesses__user=user)


def client_accounts(client_id: int) -> QuerySet:
    """The extranet accounts that reach a client: ``user_is_client_account``'s rule as a
    filter (active, neither staff nor superuser) over the client's accesses."""
    return get_user_model().objects.filter(
        extranet_accesses__client_id=client_id,
        is_active=True,
        is_staff=False,
        is_superuser=False,
    )


def contracts_for_user(user) -> QuerySet[Contract]:
    """The contracts (every status) of the clients an extranet account reaches."""
    if not user_is_client_account(user):
        return Contract.objects.none()
    return Contract.objects.filter(client__extranet_accesses__user=user)


def beneficiaries_current(
    queryset: QuerySet[Beneficiary], *, today: date | None = None
) -> QuerySet[Beneficiary]:
    """Beneficiaries covered on ``today``: entered on or before it, and not yet exited.

    The exit date is the last day covered (exit on today: still covered today). An entry
    date in the future is not covered yet: no attestation may name it.
    """
    if today is None:
        today = timezone.localdate()
    return queryset.filter(date_entree__lte=today).filter(
        Q(date_sortie__isnull=True) | Q(date_sortie__gte=today)
    )


def contract_annotate_beneficiary_count(
    queryset: QuerySet[Contract], *, today: date | None = None
) -> QuerySet[Contract]:
    """Adds ``beneficiary_count``, the current beneficiaries (a subquery: no GROUP BY)."""
    current = (
        beneficiaries_current(Beneficiary.objects.filter(contract=OuterRef("pk")), today=today)
        .order_by()
        .values("contract")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        beneficiary_count=Coalesce(Subquery(current, output_field=IntegerField()), Value(0))
    )
