"""Eligibility: in force today, and today covered by an entirely paid quittance.

Every date is computed around a fixed ``TODAY`` passed explicitly, so the tests mean the
same thing whatever day they run.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts.models import Contract, Quittance
from contracts.selectors import (
    contract_eligibility,
    contract_is_in_force,
    contracts_eligibility,
    quittance_covering_today,
)
from tests.factories import ContractFactory, PaymentFactory, QuittanceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Every contract brings a client and its staff account manager: skip the slow hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


TODAY = date(2026, 5, 15)
DAY = timedelta(days=1)

NOT_IN_FORCE = "Votre contrat n'est pas en cours."
NOT_YET_IN_EFFECT = "Votre contrat n'a pas encore pris effet."
TERMINATED = "Votre contrat est résilié."
SUSPENDED = "Votre contrat est suspendu."
NOT_INVOICED = (
    "Aucune quittance ne couvre la date du jour : "
    "le contrat n'a pas encore été facturé pour cette période."
)
NOT_PAID = "La quittance couvrant la date du jour n'est pas entièrement réglée."


def contract(**kwargs) -> Contract:
    kwargs.setdefault("date_effet", date(2025, 1, 1))
    return ContractFactory(**kwargs)


def quittance(
    contract: Contract,
    *,
    debut: date = date(2026, 4, 1),
    fin: date = date(2026, 6, 30),
    payments: tuple[str, ...] = ("1200.00",),
    prime_ttc: str = "1200.00",
    **kwargs,
) -> Quittance:
    """A quittance of ``prime_ttc`` with one payment per amount in ``payments``."""
    q = QuittanceFactory(
        contract=contract,
        periode_debut=debut,
        periode_fin=fin,
        prime_ttc=Decimal(prime_ttc),
        **kwargs,
    )
    for amount in payments:
        PaymentFactory(quittance=q, montant=Decimal(amount), date=debut)
    return q


def check(c: Contract, reason: str = "") -> None:
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.reason == reason
    assert result.eligible is (reason == "")


# --- The period of the quittance -----------------------------------------------------------


def test_paid_quittance_covering_today_makes_the_contract_eligible():
    c = contract()
    q = quittance(c)
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.eligible
    assert result.reason == ""
    assert result.quittance == q
    assert result.paid_quittance == q
    assert result.quittance.restant_du == Decimal("0.00")


def test_first_day_of_the_period_is_covered():
    c = contract()
    quittance(c, debut=TODAY, fin=TODAY + 90 * DAY)
    check(c)


def test_last_day_of_the_period_is_covered():
    c = contract()
    quittance(c, debut=TODAY - 90 * DAY, fin=TODAY)
    check(c)


def test_day_after_the_last_day_is_not_invoiced():
    c = contract()
    quittance(c, debut=TODAY - 91 * DAY, fin=TODAY - DAY)
    check(c, NOT_INVOICED)


def test_day_before_the_first_day_is_not_invoiced():
    c = contract()
    quittance(c, debut=TODAY + DAY, fin=TODAY + 91 * DAY)
    check(c, NOT_INVOICED)


def test_contract_with_no_quittance_is_not_invoiced():
    c = contract()
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.reason == NOT_INVOICED
    assert result.quittance is None


def test_quittance_of_another_contract_does_not_count():
    quittance(contract())
    check(contract(), NOT_INVOICED)


def test_single_day_period():
    c = contract()
    quittance(c, debut=TODAY, fin=TODAY)
    check(c)


# --- Payments ------------------------------------------------------------------------------


def test_unpaid_quittance():
    c = contract()
    q = quittance(c, payments=())
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.reason == NOT_PAID
    assert result.quittance == q
    assert result.paid_quittance is None
    assert result.quittance.restant_du == Decimal("1200.00")


def test_partial_payment_is_not_enough():
    c = contract()
    quittance(c, payments=("600.00", "599.99"))
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.reason == NOT_PAID
    assert result.quittance.restant_du == Decimal("0.01")


def test_payments_summing_exactly_to_the_premium():
    c = contract()
    quittance(c, payments=("400.00", "400.00", "400.00"))
    check(c)


def test_payments_summing_exactly_despite_floating_point():
    # In binary floating point (SQLite) 100.01 + 101.57 is 201.57999999999998.
    c = contract()
    quittance(c, prime_ttc="201.58", payments=("100.01", "101.57"))
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.eligible
    assert result.quittance.restant_du == 0
    assert result.quittance.montant_regle == Decimal("201.58")


def test_overpayment_counts_as_paid():
    c = contract()
    quittance(c, payments=("1250.00",))
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.eligible
    assert result.quittance.restant_du == Decimal("-50.00")


def test_zero_premium_quittance_is_paid_without_payment():
    c = contract()
    quittance(c, prime_ttc="0.00", payments=())
    check(c)


# --- Overlapping quittances ----------------------------------------------------------------


def test_overlapping_terme_unpaid_and_comptant_paid_is_covered():
    c = contract()
    quittance(c, payments=())
    comptant = quittance(
        c,
        debut=TODAY - 10 * DAY,
        fin=date(2026, 6, 30),
        type=Quittance.Type.COMPTANT,
        prime_ttc="150.00",
        payments=("150.00",),
    )
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.eligible
    assert result.quittance == comptant


def test_overlapping_terme_paid_and_comptant_unpaid_is_covered_by_the_terme():
    c = contract()
    terme = quittance(c)
    quittance(
        c, debut=TODAY - 10 * DAY, type=Quittance.Type.COMPTANT, prime_ttc="150.00", payments=()
    )
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.eligible
    assert result.quittance == terme


def test_overlapping_quittances_both_unpaid():
    c = contract()
    terme = quittance(c, payments=("100.00",))
    quittance(c, debut=TODAY, type=Quittance.Type.COMPTANT, prime_ttc="150.00", payments=())
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.reason == NOT_PAID
    assert result.quittance == terme


def test_two_paid_quittances_prefer_the_terme_then_the_latest_period():
    c = contract()
    quittance(c, debut=date(2026, 1, 1), fin=date(2026, 12, 31))
    latest = quittance(c, debut=date(2026, 4, 1), fin=date(2026, 6, 30))
    quittance(c, debut=TODAY, type=Quittance.Type.COMPTANT, prime_ttc="10.00", payments=("10",))
    assert contract_eligibility(contract=c, today=TODAY).quittance == latest


# --- Quittances that never count -----------------------------------------------------------


def test_cancelled_paid_quittance_does_not_count():
    c = contract()
    quittance(c, status=Quittance.Status.ANNULEE)
    check(c, NOT_INVOICED)


def test_pour_information_paid_quittance_does_not_count():
    c = contract()
    quittance(c, status=Quittance.Status.POUR_INFORMATION)
    check(c, NOT_INVOICED)


def test_cancelled_paid_quittance_does_not_hide_an_unpaid_one():
    c = contract()
    quittance(c, status=Quittance.Status.ANNULEE)
    unpaid = quittance(c, payments=("1.00",))
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.reason == NOT_PAID
    assert result.quittance == unpaid


# --- Contract status and dates -------------------------------------------------------------


def test_resiliation_in_the_future_keeps_the_contract_in_force():
    c = contract(status=Contract.Status.RESILIE, date_resiliation=TODAY + DAY)
    quittance(c)
    check(c)


def test_en_cours_with_a_resiliation_scheduled_in_the_future_is_in_force():
    c = contract(status=Contract.Status.EN_COURS, date_resiliation=TODAY + 30 * DAY)
    quittance(c)
    check(c)


def test_resiliation_takes_effect_on_its_date():
    c = contract(status=Contract.Status.RESILIE, date_resiliation=TODAY)
    quittance(c)
    check(c, TERMINATED)


def test_resiliation_in_the_past():
    c = contract(status=Contract.Status.RESILIE, date_resiliation=TODAY - 10 * DAY)
    quittance(c)
    check(c, TERMINATED)


def test_en_cours_whose_resiliation_date_has_passed_is_terminated():
    c = contract(status=Contract.Status.EN_COURS, date_resiliation=TODAY - DAY)
    quittance(c)
    check(c, TERMINATED)


def test_resilie_without_a_date_is_terminated():
    c = contract(status=Contract.Status.RESILIE, date_resiliation=None)
    quittance(c)
    check(c, TERMINATED)


def test_suspended_contract_with_a_paid_quittance():
    c = contract(status=Contract.Status.SUSPENDU)
    quittance(c)
    check(c, SUSPENDED)


def test_devis_is_not_in_force():
    c = contract(status=Contract.Status.DEVIS, date_effet=TODAY + 30 * DAY)
    quittance(c)
    check(c, NOT_IN_FORCE)


def test_sans_effet_is_not_in_force():
    c = contract(status=Contract.Status.SANS_EFFET)
    quittance(c)
    check(c, NOT_IN_FORCE)


def test_contract_taking_effect_tomorrow():
    c = contract(date_effet=TODAY + DAY)
    quittance(c, debut=TODAY + DAY)
    check(c, NOT_YET_IN_EFFECT)


def test_contract_taking_effect_today():
    c = contract(date_effet=TODAY)
    quittance(c, debut=TODAY)
    check(c)


def test_contract_ended_yesterday():
    c = contract(date_fin=TODAY - DAY)
    quittance(c)
    check(c, NOT_IN_FORCE)


def test_contract_ending_today_is_still_in_force():
    c = contract(date_fin=TODAY)
    quittance(c)
    check(c)


def test_not_in_force_wins_over_the_quittance_reason_but_the_quittance_is_still_found():
    c = contract(status=Contract.Status.SUSPENDU)
    q = quittance(c, payments=())
    result = contract_eligibility(contract=c, today=TODAY)
    assert result.reason == SUSPENDED
    assert result.quittance == q


# --- The building blocks, and the defaults -------------------------------------------------


def test_contract_is_in_force():
    assert contract_is_in_force(contract=contract(), today=TODAY)
    assert not contract_is_in_force(contract=contract(date_effet=TODAY + DAY), today=TODAY)
    assert not contract_is_in_force(contract=contract(status=Contract.Status.SUSPENDU), today=TODAY)


def test_quittance_covering_today():
    c = contract()
    assert quittance_covering_today(contract=c, today=TODAY) is None
    unpaid = quittance(c, payments=())
    assert quittance_covering_today(contract=c, today=TODAY) == unpaid
    paid = quittance(c, debut=TODAY, type=Quittance.Type.COMPTANT, prime_ttc="5", payments=("5",))
    assert quittance_covering_today(contract=c, today=TODAY) == paid
    assert quittance_covering_today(contract=c, today=date(2026, 7, 1)) is None


def test_today_defaults_to_the_local_date():
    # The factory's quittance covers the real today (timezone.localdate) and is paid.
    c = ContractFactory()
    PaymentFactory(quittance=QuittanceFactory(contract=c))
    assert contract_eligibility(contract=c).eligible
    assert contracts_eligibility(contracts=[c])[c.pk].eligible


def test_one_query_for_one_contract(django_assert_num_queries):
    c = contract()
    quittance(c)
    with django_assert_num_queries(1):  # the covering quittances with their balance
        contract_eligibility(contract=c, today=TODAY)


# --- The bulk variant gives the same answers in one query ----------------------------------


def every_case() -> list[Contract]:
    cases = []

    def add(c: Contract, **q) -> None:
        if q.pop("none", False) is False:
            quittance(c, **q)
        cases.append(c)

    add(contract())
    add(contract(), payments=("600.00",))
    add(contract(), payments=("1300.00",))
    add(contract(), none=True)
    add(contract(), debut=TODAY + DAY)
    add(contract(), fin=TODAY - DAY)
    add(contract(), status=Quittance.Status.ANNULEE)
    add(contract(), status=Quittance.Status.POUR_INFORMATION)
    add(contract(status=Contract.Status.RESILIE, date_resiliation=TODAY + DAY))
    add(contract(status=Contract.Status.RESILIE, date_resiliation=TODAY))
    add(contract(status=Contract.Status.SUSPENDU))
    add(contract(status=Contract.Status.DEVIS))
    add(contract(status=Contract.Status.SANS_EFFET))
    add(contract(date_effet=TODAY + DAY))
    add(contract(date_fin=TODAY - DAY))
    overlapping = contract()
    quittance(overlapping, payments=())
    add(overlapping, type=Quittance.Type.COMPTANT, prime_ttc="20.00", payments=("20.00",))
    return cases


def test_bulk_gives_the_same_answers_as_one_by_one():
    cases = every_case()
    bulk = contracts_eligibility(contracts=cases, today=TODAY)
    assert set(bulk) == {c.pk for c in cases}
    for c in cases:
        assert bulk[c.pk] == contract_eligibility(contract=c, today=TODAY), c.numero
    # The cases really differ: every answer is represented.
    assert {e.reason for e in bulk.values()} == {
        "",
        NOT_PAID,
        NOT_INVOICED,
        TERMINATED,
        SUSPENDED,
        NOT_IN_FORCE,
        NOT_YET_IN_EFFECT,
    }


def test_bulk_uses_one_query_whatever_the_number_of_contracts(django_assert_num_queries):
    cases = every_case()
    with django_assert_num_queries(1):  # the covering quittances of all contracts at once
        contracts_eligibility(contracts=cases, today=TODAY)


def test_bulk_with_no_contract_makes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert contracts_eligibility(contracts=[], today=TODAY) == {}
