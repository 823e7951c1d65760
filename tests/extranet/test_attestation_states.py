"""What a client reads of each attestation: its state (valid, revoked and why, replaced and
by which, expired, contract ended) and validity, wherever it sees its attestations; never the
cabinet's internal reason, never an attestation waiting for validation."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from documents.models import AttestationRequest, Document
from documents.revocation import attestation_reissue, attestation_revoke
from documents.services import attestation_generate
from documents.verification import verification_code_new
from tests import factories
from tests.documents.request_helpers import fleet_offer_make, request_issued, request_make
from tests.helpers import page_text, page_tree

INTERNAL = "Fraude suspectée : appel de l'assureur du 30/11"
TODAY = timezone.localdate


def documents_url(contract) -> str:
    return reverse("extranet:contract_documents", args=[contract.pk])


def download_url(document) -> str:
    return reverse("extranet:document_download", args=[document.pk])


def d(date) -> str:
    return f"{date:%d/%m/%Y}"


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


@pytest.fixture
def states(offer, client_a_user, staff_user):
    """One attestation in each state the cabinet can put it in, on the fleet contract."""
    _r, valid = request_issued(offer, client_a_user)
    revoked_request, revoked = request_issued(offer, client_a_user)
    attestation_revoke(
        document=revoked, user=staff_user, reason=INTERNAL, public_reason="Émise par erreur"
    )
    replaced_request, replaced = request_issued(offer, client_a_user)
    replacement = attestation_reissue(document=replaced, user=staff_user)
    _r, expired = request_issued(offer, client_a_user)
    Document.objects.filter(pk=expired.pk).update(
        valid_from=TODAY() - datetime.timedelta(days=30),
        valid_until=TODAY() - datetime.timedelta(days=3),
    )
    return {
        "valid": valid,
        "revoked": revoked,
        "revoked_request": revoked_request,
        "replaced": replaced,
        "replaced_request": replaced_request,
        "replacement": replacement,
        "expired": Document.objects.get(pk=expired.pk),
    }


def test_the_documents_tab_shows_each_state_and_validity(as_a, offer, states):
    response = as_a.get(documents_url(offer.contract))

    text = page_text(response)
    valid = states["valid"]
    until = d(valid.valid_until)
    assert f"Valide jusqu'au {until} Valable du {d(valid.valid_from)} au {until}" in text
    assert f"Révoquée le {d(TODAY())} Motif : Émise par erreur" in text
    replacement = states["replacement"]
    assert f"Remplacée par l'attestation n° {replacement.numero}" in text
    expired_since = TODAY() - datetime.timedelta(days=2)
    assert f"Expirée depuis le {d(expired_since)}" in text
    assert text.count("N'utilisez plus cette attestation : elle n'est plus valable.") == 2
    html = response.content.decode()
    assert f'badge--attestation-valid">Valide jusqu&#x27;au {until}' in html
    assert 'badge--attestation-revoked">Révoquée le' in html
    assert 'badge--attestation-replaced">Remplacée par' in html
    assert INTERNAL not in text and "Fraude" not in html


def test_revoked_and_replaced_ones_stay_downloadable_marked(as_a, offer, states):
    tree = page_tree(as_a.get(documents_url(offer.contract)))

    for name in ("revoked", "replaced", "expired"):
        (link,) = tree.xpath(f"//a[@href='{download_url(states[name])}']")
        assert link.text_content().strip() == "Télécharger (plus valable)"
        assert as_a.get(download_url(states[name])).status_code == 200
    for name in ("valid", "replacement"):
        (link,) = tree.xpath(f"//a[@href='{download_url(states[name])}']")
        assert link.text_content().strip() == "Télécharger"


def test_a_terminated_contract_shows_since_when(as_a, offer, staff_user):
    contract = factories.ContractFactory(
        client=offer.contract.client, product=offer.contract.product, numero="FL-2026-0043"
    )
    attestation_generate(
        template=offer.contract_model.template, contract=contract, values={}, shared=True
    )
    ended = TODAY() - datetime.timedelta(days=5)
    Contract.objects.filter(pk=contract.pk).update(
        status=Contract.Status.RESILIE, date_resiliation=ended
    )

    text = page_text(as_a.get(documents_url(contract)))

    assert f"Contrat résilié depuis le {d(ended)}" in text
    assert f"Valable à partir du {d(TODAY())}" in text


def test_an_attestation_waiting_for_validation_never_shows(as_a, offer, client_a_user, staff_user):
    from documents.attestations.process import attestation_request_process

    waiting = request_make(offer, client_a_user, needs_validation=True)
    attestation_request_process(request_id=waiting.pk)
    waiting.refresh_from_db()
    assert waiting.status == AttestationRequest.Status.AWAITING_VALIDATION
    document = waiting.document

    for url in (
        documents_url(offer.contract),
        reverse("extranet:attestation_requests"),
        reverse("extranet:attestation_request", args=[waiting.pk]),
    ):
        text = page_text(as_a.get(url))
        assert document.numero not in text and "Valide jusqu'au" not in text
    assert as_a.get(download_url(document)).status_code == 404


def test_my_requests_show_the_state_of_what_each_one_gave(as_a, states):
    response = as_a.get(reverse("extranet:attestation_requests"))

    text = page_text(response)
    # The attestation's state in place of the request's status (« Disponible »).
    revoked = states["revoked"].numero
    assert f"{revoked} FL-2026-0042 {d(TODAY())} Révoquée le {d(TODAY())} Motif : Émise" in text
    assert f"Remplacée par l'attestation n° {states['replacement'].numero}" in text
    assert "Disponible" not in text
    assert INTERNAL not in text


def test_a_request_whose_attestation_was_replaced_offers_the_new_one(as_a, states):
    url = reverse("extranet:attestation_request", args=[states["replaced_request"].pk])

    response = as_a.get(url)

    text = page_text(response)
    old, new = states["replaced"], states["replacement"]
    assert f"Votre attestation n° {old.numero} n'est plus valable." in text
    (link,) = page_tree(response).xpath(f"//a[@href='{download_url(new)}']")
    assert link.text_content() == f"Télécharger l'attestation n° {new.numero}"
    assert f"Télécharger l'attestation n° {old.numero} (plus valable)" in text


def test_a_request_whose_attestation_was_revoked_says_why_not_the_internal_reason(as_a, states):
    url = reverse("extranet:attestation_request", args=[states["revoked_request"].pk])

    text = page_text(as_a.get(url))

    assert f"Votre attestation n° {states['revoked'].numero} n'est plus valable." in text
    assert "Motif : Émise par erreur" in text
    assert INTERNAL not in text


def test_a_valid_one_says_until_when_on_its_request(as_a, offer, client_a_user):
    request, document = request_issued(offer, client_a_user)

    text = page_text(as_a.get(reverse("extranet:attestation_request", args=[request.pk])))

    assert "Votre attestation est prête." in text
    assert f"Valide jusqu'au {d(document.valid_until)}" in text


# -- bounded queries ------------------------------------------------------------------------------


def _attestations(contract, count: int) -> None:
    """``count`` shared attestations: one in three revoked, one in three replaced."""
    today = TODAY()
    for i in range(count):
        document = Document.objects.create(
            contract=contract, title=f"Attestation {i}", numero=f"ATT-2026-9{i:05d}",
            verification_code=verification_code_new(), pdf_file=f"documents/x/{i}.pdf",
            valid_from=today, valid_until=today + datetime.timedelta(days=30),
            shared_on_extranet=True,
            revoked_at=timezone.now() if i % 3 == 1 else None,
        )  # fmt: skip
        if i % 3 == 2:
            replacement = Document.objects.create(
                contract=contract, title=f"Remplaçante {i}", numero=f"ATT-2026-8{i:05d}",
                verification_code=verification_code_new(), pdf_file=f"documents/y/{i}.pdf",
                valid_from=today, shared_on_extranet=True,
            )  # fmt: skip
            Document.objects.filter(pk=document.pk).update(replaced_by=replacement)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_documents_tab_costs_the_same_for_1_or_5_attestations(
    as_a, offer, django_assert_max_num_queries
):
    url = documents_url(offer.contract)
    _attestations(offer.contract, 1)
    with_one = _queries(as_a, url)

    Document.objects.update(replaced_by=None)
    Document.objects.all().delete()
    _attestations(offer.contract, 5)
    # 1 session, 2 user, 3 clients of the account, 4 the contract, 5 count of the shared
    # documents, 6 the page of documents with their contract and replacing attestation; the
    # « Demander une attestation » button: 7 the product's attestation models, 8 the
    # validation templates that apply, 9 the quittance covering today; 10 cabinet name.
    with django_assert_max_num_queries(10):
        response = as_a.get(url)

    assert page_text(response).count("Remplacée par l'attestation n° ") == 1
    assert _queries(as_a, url) == with_one


def test_my_requests_cost_the_same_for_1_or_5_attestations(as_a, offer, client_a_user):
    url = reverse("extranet:attestation_requests")
    _attestations(offer.contract, 5)
    documents = list(Document.objects.filter(title__startswith="Attestation ").order_by("pk"))
    request_make(offer, client_a_user, status=AttestationRequest.Status.READY,
                 document=documents[0])  # fmt: skip
    with_one = _queries(as_a, url)

    for document in documents[1:]:
        request_make(offer, client_a_user, status=AttestationRequest.Status.READY,
                     document=document)  # fmt: skip

    assert _queries(as_a, url) == with_one
    text = page_text(as_a.get(url))
    assert text.count("Télécharger") == 5 and "Révoquée le" in text
