"""The access helpers and selectors every extranet view goes through."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from contracts.models import Beneficiary, Contract
from contracts.selectors import (
    beneficiaries_current,
    clients_for_user,
    contract_annotate_beneficiary_count,
    contracts_for_user,
)
from documents.selectors import documents_for_client_user, documents_shared_for_contract
from extranet.access import (
    beneficiary_for_contract,
    contract_for_client_user,
    document_for_client_user,
)
from tests import factories
from tests.extranet.conftest import days_ago, make_document


def test_clients_and_contracts_for_a_client_account(client_a_user, contract_a, contract_b):
    assert list(clients_for_user(client_a_user)) == [contract_a.client]
    assert list(contracts_for_user(client_a_user)) == [contract_a]


def test_an_account_reaching_two_clients_sees_both_without_duplicates(
    client_a_user, contract_a, contract_b
):
    factories.ExtranetAccessFactory(user=client_a_user, client=contract_b.client)
    factories.ExtranetAccessFactory(client=contract_a.client)  # someone else's access to A
    assert contracts_for_user(client_a_user).count() == 2
    assert clients_for_user(client_a_user).count() == 2


@pytest.mark.parametrize("who", ["anonymous", "staff", "inactive", "superuser"])
def test_nobody_but_an_active_client_account_reaches_anything(
    who, client_a_user, staff_user, contract_a
):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "staff":
        user = staff_user
        factories.ExtranetAccessFactory(user=staff_user, client=contract_a.client)
    elif who == "inactive":
        user = client_a_user
        user.is_active = False
    else:
        user = client_a_user
        user.is_superuser = True
    assert not clients_for_user(user).exists()
    assert not contracts_for_user(user).exists()
    assert not documents_for_client_user(user).exists()


def test_contract_for_client_user(client_a_user, contract_a, contract_b):
    assert contract_for_client_user(client_a_user, contract_a.pk) == contract_a
    assert contract_for_client_user(client_a_user, str(contract_a.pk)) == contract_a
    for pk in (contract_b.pk, 987654, "abc", None, ""):
        with pytest.raises(Http404):
            contract_for_client_user(client_a_user, pk)


def test_document_for_client_user(client_a_user, document_a, pending_document_a, document_b):
    assert document_for_client_user(client_a_user, document_a.pk) == document_a
    for pk in (pending_document_a.pk, document_b.pk, "1 OR 1=1"):
        with pytest.raises(Http404):
            document_for_client_user(client_a_user, pk)


def test_documents_shared_for_contract_excludes_pending_and_fileless(contract_a):
    shared = make_document(contract_a)
    make_document(contract_a, shared=False)
    make_document(contract_a, pdf=None)
    word_only = make_document(contract_a, pdf=None, word=b"PK")
    assert set(documents_shared_for_contract(contract_a)) == {shared, word_only}


def test_beneficiary_for_contract(contract_a, contract_b):
    current = factories.VehicleFactory(contract=contract_a)
    gone = factories.VehicleFactory(contract=contract_a, date_sortie=days_ago(1))
    other = factories.VehicleFactory(contract=contract_b)
    assert beneficiary_for_contract(contract_a, current.pk) == current
    for pk in (gone.pk, other.pk, "x"):
        with pytest.raises(Http404):
            beneficiary_for_contract(contract_a, pk)


def test_beneficiary_for_contract_when_the_product_has_no_beneficiaries(client_a):
    contract = factories.ContractFactory(
        client=client_a, product=factories.ProductFactory(name="RC Pro", beneficiary_kind="")
    )
    stray = factories.PersonFactory(contract=contract)  # data left from an older product
    with pytest.raises(Http404):
        beneficiary_for_contract(contract, stray.pk)


def test_current_beneficiaries_and_their_count(contract_a):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    in_force = factories.VehicleFactory(contract=contract_a)
    last_day = factories.VehicleFactory(contract=contract_a, date_sortie=today)
    factories.VehicleFactory(contract=contract_a, date_sortie=today - datetime.timedelta(days=1))
    factories.VehicleFactory(contract=contract_a, date_entree=tomorrow)
    entering_today = factories.VehicleFactory(contract=contract_a, date_entree=today)

    current = beneficiaries_current(Beneficiary.objects.filter(contract=contract_a))
    assert set(current) == {in_force, last_day, entering_today}
    counted = contract_annotate_beneficiary_count(Contract.objects.filter(pk=contract_a.pk))
    assert counted.get().beneficiary_count == 3
    # On another day, another answer.
    later = contract_annotate_beneficiary_count(Contract.objects.all(), today=tomorrow)
    assert later.get(pk=contract_a.pk).beneficiary_count == 3  # last_day gone, tomorrow's in


def test_beneficiary_count_is_zero_not_null(contract_a):
    assert contract_annotate_beneficiary_count(Contract.objects.all()).get().beneficiary_count == 0
