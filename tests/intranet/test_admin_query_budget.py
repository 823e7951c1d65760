"""With 5,000 contracts, the intranet's lists cost a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import Cabinet, Client, Contract, Payment, Quittance
from tests import factories

CONTRACTS = 5_000


@pytest.fixture
def portfolio(staff_user, other_staff):
    """5,000 contracts over 100 clients and 4 products, each with a quittance and two
    payments (the second quittance in three is left partly unpaid)."""
    Cabinet.objects.create(nom="Cabinet Martin")
    products = [
        factories.ProductFactory(name=name)
        for name in ("Flotte automobile", "RC Pro", "Multirisque immeuble", "Santé collective")
    ]
    managers = [staff_user, other_staff]
    clients = Client.objects.bulk_create(
        Client(nom=f"Client {i:03d} SAS", account_manager=managers[i % 2]) for i in range(100)
    )
    contracts = Contract.objects.bulk_create(
        (
            Contract(
                numero=f"CT-{i:06d}",
                client=clients[i % len(clients)],
                product=products[i % len(products)],
                assureur=("AXA France IARD", "Allianz IARD", "Generali IARD")[i % 3],
                date_effet=datetime.date(2025, 1, 1),
                status=Contract.Status.EN_COURS if i % 10 else Contract.Status.RESILIE,
            )
            for i in range(CONTRACTS)
        ),
        batch_size=1000,
    )
    quittances = Quittance.objects.bulk_create(
        (
            Quittance(
                numero=f"Q-{i:07d}",
                contract=contract,
                periode_debut=datetime.date(2026, 1, 1),
                periode_fin=datetime.date(2026, 12, 31),
                prime_ht=Decimal("1000.00"),
                prime_ttc=Decimal("1200.00"),
            )
            for i, contract in enumerate(contracts)
        ),
        batch_size=1000,
    )
    Payment.objects.bulk_create(
        (
            Payment(
                quittance=quittance,
                date=datetime.date(2026, 1, 15 + n),
                montant=Decimal("600.00") if i % 3 != 1 or n == 0 else Decimal("100.00"),
            )
            for i, quittance in enumerate(quittances)
            for n in range(2)
        ),
        batch_size=2000,
    )
    return products


def test_contract_list(client, staff_user, portfolio, django_assert_max_num_queries):
    client.force_login(staff_user)
    changelist = reverse("intranet:contracts_contract_changelist")
    flotte = portfolio[0]

    for query in (
        "",
        "?q=client+042",
        f"?status__exact=en_cours&product__id__exact={flotte.pk}&assureur=Allianz+IARD",
        f"?client__account_manager__id__exact={staff_user.pk}&o=-6",  # latest date d'effet first
        f"?client={Client.objects.get(nom='Client 007 SAS').pk}",
    ):
        # session, user, the user's permissions and their groups' (a gestionnaire's are
        # read once per request), cabinet (site header), count of the filtered rows, the
        # page of 100 contracts joined to client and product, filter choices: products,
        # insurers (distinct), account managers; the selected client's name for its filter.
        with django_assert_max_num_queries(11):
            response = client.get(changelist + query)

        assert response.status_code == 200
        assert response.context["cl"].result_list, query
    assert len(client.get(changelist).context["cl"].result_list) == 100


def test_quittance_list(client, staff_user, portfolio, django_assert_max_num_queries):
    client.force_login(staff_user)
    changelist = reverse("intranet:contracts_quittance_changelist")

    for query in (
        "",
        "?o=7",  # sorted by restant dû (column 0 is the action checkbox)
        "?soldee=non&type__exact=terme",
        f"?contract__product__id__exact={portfolio[1].pk}&q=client+01",
        "?status__exact=emise&soldee=oui",
    ):
        # session, user, user and group permissions, cabinet, count of the filtered rows,
        # the page of quittances joined to contract and client with the payments' sum as
        # a subquery, the products of the product filter.
        with django_assert_max_num_queries(8):
            response = client.get(changelist + query)

        assert response.status_code == 200
        assert response.context["cl"].result_list, query

    page = client.get(changelist + "?soldee=non").context["cl"]
    assert page.result_count == CONTRACTS // 3 + (1 if CONTRACTS % 3 > 1 else 0)
    assert {q.restant_du for q in page.result_list} == {Decimal("500.00")}


def test_client_list(client, staff_user, portfolio, django_assert_max_num_queries):
    client.force_login(staff_user)

    # session, user, user and group permissions, cabinet, count, the page of clients
    # with their account manager and contract count, the account managers of the filter.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("intranet:contracts_client_changelist"))

    assert response.status_code == 200
    assert {c.contract_count for c in response.context["cl"].result_list} == {50}


def test_contract_and_quittance_pages_do_not_list_every_row(
    client, staff_user, portfolio, django_assert_max_num_queries
):
    """Their client and contract fields are autocompletes: no <select> of 5,000 rows."""
    client.force_login(staff_user)
    contract = Contract.objects.get(numero="CT-000042")
    quittance = contract.quittances.get()

    # Every page also reads the user's permissions and their groups' (2 queries, added
    # to each budget below): a gestionnaire's rights come from the « Gestionnaires » group.
    pages = {
        # session, user, cabinet, the products' dropdown; and the contract's content type,
        # which Django caches for the process once read (the add page reads it first).
        reverse("intranet:contracts_contract_add"): 4 + 2 + 1,
        # session, user, contract, its beneficiary count, its product (beneficiary
        # columns), quittances with their balance, documents, guarantees, beneficiaries,
        # cabinet, content type (history link), the selected client, products' dropdown.
        reverse("intranet:contracts_contract_change", args=[contract.pk]): 13 + 2,
        # session, user, cabinet; the quittance's content type, read once (see above).
        reverse("intranet:contracts_quittance_add"): 3 + 2 + 1,
        # session, user, quittance with its balance, payments, cabinet, content type,
        # the selected contract.
        reverse("intranet:contracts_quittance_change", args=[quittance.pk]): 7 + 2,
    }
    for url, budget in pages.items():
        with django_assert_max_num_queries(budget):
            response = client.get(url)

        assert response.status_code == 200
        assert response.content.decode().count("<option") < 50, url
