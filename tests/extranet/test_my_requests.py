"""« Mes demandes »: each attestation's number and state, 20 a page, filtered by contract."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import AttestationRequest
from tests import factories
from tests.documents.request_helpers import fleet_offer_make, request_issued, request_make
from tests.helpers import page_text, page_tree

Status = AttestationRequest.Status
URL = reverse("extranet:attestation_requests")


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


@pytest.fixture
def second_contract(client_a, offer):
    """Another contract of client A's (the same product)."""
    return factories.ContractFactory(
        client=client_a, product=offer.contract.product, numero="FL-2026-0077"
    )


def requests_made(offer, user, count: int, **fields) -> None:
    """``count`` requests, « Demande 000 » the oldest, one minute apart."""
    start = timezone.now() - datetime.timedelta(hours=2)
    for n in range(count):
        request_make(offer, user, title=f"Demande {n:03d}",
                     created_at=start + datetime.timedelta(minutes=n), **fields)  # fmt: skip


def titles(response) -> list[str]:
    rows = page_tree(response).xpath("//tbody/tr")
    return [row.xpath("./td/a")[0].text_content() for row in rows]


def links(response) -> dict[str, str]:
    """The pagination's links by their text."""
    tree = page_tree(response)
    return {a.text_content(): a.get("href") for a in tree.xpath("//nav[@class='pagination']//a")}


# -- number and state -----------------------------------------------------------------------------


def test_each_row_shows_the_attestations_number_and_state_else_the_requests_status(
    as_a, offer, client_a_user
):
    issued, document = request_issued(offer, client_a_user)
    request_make(offer, client_a_user, title="En cours", status=Status.GENERATING)
    request_make(offer, client_a_user, title="Refusée", status=Status.REFUSED)

    rows = page_tree(as_a.get(URL)).xpath("//tbody/tr")

    by_title = {row.xpath("./td/a")[0].text_content(): row for row in rows}
    cells = by_title[issued.title].xpath("./td")
    assert cells[1].text_content() == document.numero
    state = cells[4].text_content()
    assert f"Valide jusqu'au {document.valid_until:%d/%m/%Y}" in state
    assert "Disponible" not in state  # the attestation's state says more than the status
    for title, status in (("En cours", "En cours de génération"), ("Refusée", "Refusée")):
        cells = by_title[title].xpath("./td")
        assert cells[1].text_content() == "—"
        assert cells[4].text_content().strip() == status


# -- pagination -----------------------------------------------------------------------------------


def test_twenty_a_page_newest_first_with_french_labels(as_a, offer, client_a_user):
    requests_made(offer, client_a_user, 45)

    first = as_a.get(URL)
    assert titles(first) == [f"Demande {n:03d}" for n in range(44, 24, -1)]
    assert "Page 1 sur 3" in page_text(first)
    assert links(first) == {"Suivant": "?page=2"}

    second = as_a.get(URL, {"page": 2})
    assert titles(second)[0] == "Demande 024" and len(titles(second)) == 20
    assert "Page 2 sur 3" in page_text(second)
    assert links(second) == {"Précédent": "?page=1", "Suivant": "?page=3"}

    last = as_a.get(URL, {"page": 3})
    assert titles(last) == [f"Demande {n:03d}" for n in range(4, -1, -1)]
    assert links(last) == {"Précédent": "?page=2"}
    assert titles(as_a.get(URL, {"page": "99"})) == titles(last)  # past the end: the last page


def test_one_page_shows_no_pagination(as_a, offer, client_a_user):
    requests_made(offer, client_a_user, 20)
    response = as_a.get(URL)
    assert len(titles(response)) == 20
    assert not links(response) and "Page 1 sur" not in page_text(response)


# -- filter by contract ---------------------------------------------------------------------------


def test_the_filter_offers_the_accounts_contracts_and_narrows_the_list(
    as_a, offer, second_contract, client_a_user, contract_b
):
    request_make(offer, client_a_user, title="Sur la flotte")
    request_make(offer, client_a_user, title="Sur l'autre contrat", contract=second_contract)

    response = as_a.get(URL)
    (select,) = page_tree(response).xpath("//form[@method='get']//select[@name='contrat']")
    assert page_tree(response).xpath("//label[@for='id_contrat']")[0].text_content() == "Contrat"
    assert [option.text_content() for option in select.xpath("./option")] == [
        "Tous les contrats",
        f"{offer.contract.numero} – Flotte automobile",
        "FL-2026-0077 – Flotte automobile",
    ]  # not client B's contract
    assert sorted(titles(response)) == ["Sur l'autre contrat", "Sur la flotte"]

    filtered = as_a.get(URL, {"contrat": second_contract.pk})
    assert titles(filtered) == ["Sur l'autre contrat"]
    (selected,) = page_tree(filtered).xpath("//select[@name='contrat']/option[@selected]")
    assert selected.get("value") == str(second_contract.pk)


def test_the_pages_keep_the_filter(as_a, offer, second_contract, client_a_user):
    requests_made(offer, client_a_user, 25, contract=second_contract)
    request_make(offer, client_a_user, title="Sur la flotte")

    response = as_a.get(URL, {"contrat": second_contract.pk})

    assert "Page 1 sur 2" in page_text(response)
    assert links(response) == {"Suivant": f"?contrat={second_contract.pk}&page=2"}
    last = as_a.get(URL, {"contrat": second_contract.pk, "page": 2})
    assert len(titles(last)) == 5 and "Sur la flotte" not in titles(last)


def test_a_contract_without_requests_says_so(as_a, offer, second_contract, client_a_user):
    request_make(offer, client_a_user)
    response = as_a.get(URL, {"contrat": second_contract.pk})
    assert titles(response) == []
    assert "Aucune demande pour ce contrat." in page_text(response)


def test_one_contract_needs_no_filter(as_a, offer, client_a_user):
    request_make(offer, client_a_user)
    assert not page_tree(as_a.get(URL)).xpath("//select[@name='contrat']")


# -- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a's contract", "999999", "abc", "-1"])
def test_client_b_never_sees_as_requests_even_with_as_contract_id(
    client, offer, client_a_user, client_b_user, contract_b, value
):
    request_make(offer, client_a_user, title="Demande de Charlie")
    request_make(offer, client_b_user, title="Demande de Diane", contract=contract_b,
                 beneficiary=None)  # fmt: skip
    client.force_login(client_b_user)

    asked = str(offer.contract.pk) if value == "a's contract" else value
    response = client.get(URL, {"contrat": asked})

    assert response.status_code == 200
    assert titles(response) == []
    assert "Aucune demande pour ce contrat." in page_text(response)
    assert "Demande de Charlie" not in page_text(response)
    assert offer.contract.numero not in response.content.decode()
    assert titles(client.get(URL)) == ["Demande de Diane"]


def test_a_colleagues_requests_are_not_mine_even_filtered(client, client_a, offer, client_a_user):
    colleague = factories.UserFactory(username="paul@dupont.fr")
    factories.ExtranetAccessFactory(user=colleague, client=client_a)
    request_make(offer, colleague, title="Demande de Paul")
    request_make(offer, client_a_user, title="Demande de Charlie")
    client.force_login(client_a_user)
    assert titles(client.get(URL, {"contrat": offer.contract.pk})) == ["Demande de Charlie"]


# -- bounded queries ------------------------------------------------------------------------------


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("filtered", [False, True])
def test_the_same_queries_for_1_or_25_requests(
    as_a, offer, second_contract, client_a_user, django_assert_max_num_queries, filtered
):
    params = {"contrat": offer.contract.pk} if filtered else {}
    request_issued(offer, client_a_user)
    with_one = _queries(as_a, URL, params)

    for n in range(24):
        if n % 2:
            request_issued(offer, client_a_user)
        else:
            request_make(offer, client_a_user, title=f"Demande {n:03d}")
    # 1 session, 2 user, 3 clients of the account (client_required), 4 the account's contracts
    # (the filter), 5 count of the requests, 6 the page of requests with their contract,
    # attestation and replacing attestation; 7 cabinet name.
    with django_assert_max_num_queries(7):
        response = as_a.get(URL, params)

    assert len(titles(response)) == 20
    assert _queries(as_a, URL, params) == with_one
