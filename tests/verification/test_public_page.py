"""The public verification page (``/verifier/``): anyone checks an attestation, by its number
and code or by its QR code's link, and a file against the one the cabinet issued."""

from __future__ import annotations

import datetime
import html
import re
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from documents.models import Document
from documents.services import attestation_generate
from tests import docx_models, factories
from tests.documents.generation_helpers import (
    cabinet_make,
    fleet_contract_make,
    stored_files,
    template_make,
)

FORM = reverse("verification:form")
CODE = "K7PM3QXD9RTAWB4H"
NUMERO = "ATT-2026-000321"
NOT_FOUND = "Aucune attestation ne correspond à ce numéro et à ce code de vérification."
GENUINE = "Ce fichier est identique, octet pour octet, à l'attestation délivrée par le cabinet."
ALTERED = "Ce fichier n'est pas celui délivré par le cabinet : il a pu être modifié."
LIMITED = "Trop de vérifications depuis votre adresse : par sécurité, réessayez dans une heure."


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def code_url(code: str = CODE) -> str:
    return reverse("verification:code", args=[code])


@pytest.fixture
def cabinet(db):
    return cabinet_make()


@pytest.fixture
def attestation(cabinet, client_a) -> Document:
    """An attestation of client A's contract, valid from 10 days ago to 50 days from now."""
    contract = factories.ContractFactory(
        client=client_a, numero="RC-2026-0007", assureur="Allianz IARD"
    )
    return Document.objects.create(
        contract=contract, title="Attestation", numero=NUMERO, verification_code=CODE,
        valid_from=days(-10), valid_until=days(50), sha256="0" * 64,
    )  # fmt: skip


def text(response) -> str:
    """The page as read (entities decoded)."""
    return html.unescape(response.content.decode())


def body(response) -> str:
    """The page without its CSRF tokens (a new one in each answer)."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", page)


def lookup(client, numero=NUMERO, code=CODE, **extra):
    return client.post(FORM, {"numero": numero, "code": code}, **extra)


# -- the result --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "kind", "state"),
    [
        ({}, "valid", lambda: f"Valide jusqu'au {days(50):%d/%m/%Y}"),
        ({"valid_until": days(-3)}, "expired", lambda: f"Expirée depuis le {days(-2):%d/%m/%Y}"),
        ({"valid_from": days(5)}, "upcoming", lambda: f"Valide à partir du {days(5):%d/%m/%Y}"),
    ],
)
def test_the_code_alone_shows_the_live_state_and_the_public_facts(
    client, attestation, change, kind, state
):
    Document.objects.filter(pk=attestation.pk).update(**change)
    response = client.get(code_url())
    assert response.status_code == 200
    page = text(response)
    assert "Attestation authentique, délivrée par Courtage Martin & Associés" in page
    assert f'class="verdict verdict--{kind}"' in page
    assert state() in page
    for fact in (NUMERO, "RC-2026-0007", "Allianz IARD", "Contrat n°", "Par le cabinet"):
        assert fact in page


def test_a_revoked_attestation_shows_the_public_reason_only(client, attestation):
    Document.objects.filter(pk=attestation.pk).update(
        revoked_at=timezone.now(),
        revocation_public_reason="Véhicule vendu",
        revocation_reason="Impayé, le client ne répond plus",
    )
    page = text(client.get(code_url()))
    assert f"Révoquée le {timezone.localdate():%d/%m/%Y}" in page
    assert 'class="verdict verdict--revoked"' in page
    assert "Véhicule vendu" in page
    assert "Impayé" not in page


def test_a_replaced_attestation_names_its_replacement(client, attestation):
    replacement = Document.objects.create(
        contract=attestation.contract, title="Attestation", numero="ATT-2026-000400",
        verification_code="A" * 16, valid_from=days(0), valid_until=days(50),
    )  # fmt: skip
    Document.objects.filter(pk=attestation.pk).update(replaced_by=replacement)
    page = text(client.get(code_url()))
    assert "Remplacée par l'attestation n° ATT-2026-000400" in page
    assert 'class="verdict verdict--replaced"' in page


def test_a_terminated_contract_shows_on_its_attestation(client, attestation):
    Contract.objects.filter(pk=attestation.contract_id).update(
        status=Contract.Status.RESILIE, date_resiliation=days(-1)
    )
    page = text(client.get(code_url()))
    assert f"Contrat résilié depuis le {days(-1):%d/%m/%Y}" in page
    assert 'class="verdict verdict--contract_ended"' in page


def test_nothing_else_of_the_client_shows(client, attestation, client_a):
    client_a.email = "direction@dupont-transports.fr"
    client_a.save()
    page = text(client.get(code_url()))
    assert NUMERO in page  # the page is the attestation's
    for private in ("12 rue de la Paix", "75002", "552100554", "552 100 554",
                    "direction@dupont-transports.fr", "Transports Dupont"):  # fmt: skip
        assert private not in page


def test_the_form_finds_it_by_number_and_code_as_typed(client, attestation):
    page = client.get(FORM)
    assert page.status_code == 200
    assert "Numéro d'attestation" in text(page)
    assert "Code de vérification" in text(page)
    response = lookup(client, numero=" att-2026-000321 ", code="k7pm-3qxd 9rta-wb4h")
    assert response.status_code == 200
    assert "Attestation authentique" in text(response)
    assert "Valide jusqu'au" in text(response)


def test_a_missing_field_is_said_on_the_form(client, attestation):
    response = lookup(client, numero="")
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)
    assert NOT_FOUND not in text(response)


# -- not found: one page ------------------------------------------------------------------------


def test_unknown_code_wrong_number_and_malformed_code_give_the_same_page(client, attestation):
    answers = {
        "unknown code": lookup(client, code="K7PM3QXD9RTAWB4J"),
        "wrong number": lookup(client, numero="ATT-2026-000322"),
        "malformed code": lookup(client, code="<script>alert(1)</script>"),
        "unknown code's link": client.get(code_url("K7PM3QXD9RTAWB4J")),
        "malformed code's link": client.get(code_url("not-a-code")),
    }
    pages = {name: body(response) for name, response in answers.items()}
    assert {response.status_code for response in answers.values()} == {200}
    assert len(set(pages.values())) == 1, pages.keys()
    page = html.unescape(pages["wrong number"])
    assert NOT_FOUND in page
    assert "Vérifiez le numéro et le code" in page
    assert "contactez le cabinet Courtage Martin & Associés au 04 78 00 00 00." in page
    assert NUMERO not in page and "RC-2026-0007" not in page and "<script>alert" not in page


def test_an_attestation_awaiting_validation_is_unknown(client, client_a, client_a_user):
    from tests.documents.request_helpers import fleet_offer_make, request_make

    offer = fleet_offer_make(client_a)
    held = Document.objects.create(
        contract=offer.contract, title="Attestation", numero=NUMERO, verification_code=CODE,
        valid_from=days(0), valid_until=days(30),
    )  # fmt: skip
    request_make(offer, client_a_user, status="awaiting_validation", document=held)
    unknown = body(client.get(code_url("K7PM3QXD9RTAWB4J")))
    assert body(client.get(code_url())) == unknown
    assert body(lookup(client)) == unknown


# -- who reaches it, and how it is sent -----------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "client", "staff"])
def test_everyone_reaches_it_without_login(client, attestation, client_a_user, staff_user, who):
    user = {"client": client_a_user, "staff": staff_user}.get(who)
    if user:
        client.force_login(user)
    for response in (client.get(FORM), client.get(code_url()), lookup(client)):
        assert response.status_code == 200
    if who == "client":  # still kept out of the intranet
        assert client.get("/intranet/")["Location"].startswith(reverse("intranet:login"))


def test_pages_are_not_indexed_cached_or_sent_as_referer(client, attestation, settings):
    settings.VERIFICATION_RATE_LIMIT = 3
    answers = [client.get(FORM), client.get(code_url()), lookup(client),
               client.get(code_url("K7PM3QXD9RTAWB4J")), client.get(code_url())]  # fmt: skip
    assert [response.status_code for response in answers] == [200, 200, 200, 200, 429]
    for response in answers:
        assert response["X-Robots-Tag"] == "noindex"
        # No Referer to another site; not no-referrer, which sends « Origin: null » with the
        # file check's POST, refused by the CSRF check (tests/browser/test_verification.py).
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
    page = client.get(FORM).content.decode()
    assert '<meta name="robots" content="noindex' in page
    assert '<meta name="referrer" content="same-origin">' in page
    assert '<html lang="fr">' in page


def test_wrong_method(client, attestation):
    assert client.put(code_url()).status_code == 405
    assert client.delete(FORM).status_code == 405


def test_one_query_for_the_attestation_and_two_for_the_cabinet(
    client, attestation, django_assert_max_num_queries
):
    # The attestation with its contract, beneficiary and replacement; the cabinet for the
    # page and for the facts. Anonymous: no session, no user.
    with django_assert_max_num_queries(3):
        assert client.get(code_url()).status_code == 200


# -- the rate limit -----------------------------------------------------------------------------


def test_every_lookup_counts_per_client_address(client, attestation, settings):
    settings.VERIFICATION_RATE_LIMIT = 3
    assert client.get(FORM).status_code == 200  # the empty form looks nothing up
    assert client.get(code_url()).status_code == 200
    assert client.get(code_url("K7PM3QXD9RTAWB4J")).status_code == 200  # not found counts
    assert lookup(client).status_code == 200
    limited = client.get(code_url())
    assert limited.status_code == 429
    assert LIMITED in text(limited)
    assert "Allianz IARD" not in text(limited)
    assert limited["X-Robots-Tag"] == "noindex"
    assert lookup(client).status_code == 429
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.7 x")
    assert client.post(code_url(), {"verifier_fichier": "1", "fichier": upload}).status_code == 429
    # Another address is not held back by that one.
    assert client.get(code_url(), REMOTE_ADDR="192.0.2.44").status_code == 200


def test_file_checks_count_too(client, attestation, settings):
    settings.VERIFICATION_RATE_LIMIT = 2
    for _ in range(2):
        upload = SimpleUploadedFile("a.pdf", b"%PDF-1.7 x")
        response = client.post(code_url(), {"verifier_fichier": "1", "fichier": upload})
        assert response.status_code == 200
    assert client.get(code_url()).status_code == 429


# -- the file check -------------------------------------------------------------------------------


@pytest.fixture
def issued(client_a):
    """A real attestation, generated and converted to PDF, and its PDF's bytes."""
    cabinet_make()
    fleet, vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.verified_model(), pdf_conversion=True)
    document = attestation_generate(
        template=template, contract=fleet, beneficiary=vehicle, values={"motif": "Salon"},
        shared=True,
    )  # fmt: skip
    with document.pdf_file.open("rb") as handle:
        return document, handle.read()


def check_file(client, url, data: bytes, name="attestation.pdf", **fields):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    response = client.post(url, {**fields, "verifier_fichier": "1", "fichier": upload})
    assert response.status_code == 200
    return text(response)


@pytest.fixture
def nowhere_to_write(monkeypatch, settings, tmp_path, _private_storage):
    """Fails the test if the upload is written: Django's temporary upload files raise, and the
    temporary directory and the private storage must stay as they are."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)

    def refuse(*args, **kwargs):
        raise AssertionError("the upload was about to be written to a temporary file")

    monkeypatch.setattr("django.core.files.temp.NamedTemporaryFile", refuse)
    stored = stored_files(_private_storage)
    yield
    assert list(temp.iterdir()) == []
    assert stored_files(_private_storage) == stored


def test_the_genuine_pdf_passes_and_an_altered_one_fails(client, issued, nowhere_to_write):
    document, pdf = issued
    url = code_url(document.verification_code)
    page = check_file(client, url, pdf)
    assert GENUINE in page and ALTERED not in page
    assert "Attestation authentique" in page  # the state stays on the page
    altered = pdf[:-200] + bytes([pdf[-200] ^ 1]) + pdf[-199:]
    page = check_file(client, url, altered)
    assert ALTERED in page and GENUINE not in page


def test_the_file_check_after_the_form_sends_the_number_and_code_again(
    client, issued, nowhere_to_write
):
    document, pdf = issued
    found = lookup(client, numero=document.numero, code=document.verification_code)
    # The file check's form posts to /verifier/ again, the number and code hidden in it.
    assert f'name="numero" value="{document.numero}"' in text(found)
    fields = {"numero": document.numero, "code": document.verification_code}
    assert GENUINE in check_file(client, FORM, pdf, **fields)
    assert NOT_FOUND in check_file(client, FORM, pdf, **{**fields, "numero": "ATT-1999-000001"})


def test_a_large_upload_stays_in_memory(client, issued, nowhere_to_write, settings):
    document, _pdf = issued
    # Above what Django keeps in memory by default: its default handlers would write it to a
    # temporary file (and make ``nowhere_to_write`` fail).
    data = b"%PDF-1.7\n" + b"0" * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert ALTERED in check_file(client, code_url(document.verification_code), data)


def test_a_file_over_10_mb_is_refused(client, attestation, nowhere_to_write):
    data = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)
    page = check_file(client, code_url(), data)
    assert "Ce fichier dépasse 10 Mo" in page
    assert GENUINE not in page and ALTERED not in page


def test_a_file_that_is_not_a_pdf_is_said_so(client, attestation, nowhere_to_write):
    page = check_file(client, code_url(), b"GIF89a...", name="attestation.pdf")
    assert "Ce fichier n'est pas un PDF." in page
    assert GENUINE not in page and ALTERED not in page
    assert "Le fichier soumis est vide." in check_file(client, code_url(), b"")


def test_a_word_attestation_is_checked_against_a_word_file(client, attestation):
    Document.objects.filter(pk=attestation.pk).update(word_file="documents/attestation.docx")
    page = text(client.get(code_url()))
    assert "Vous avez reçu cette attestation en fichier Word ?" in page
    page = check_file(client, code_url(), b"%PDF-1.7 x")
    assert "Ce fichier n'est pas un document Word (.docx)." in page
    assert ALTERED in check_file(client, code_url(), b"PK\x03\x04...", name="a.docx")


def test_no_file_chosen(client, attestation):
    response = client.post(code_url(), {"verifier_fichier": "1"})
    assert "Choisissez le fichier reçu." in text(response)


def test_the_file_check_keeps_csrf_protection(attestation):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(code_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.7 x")
    refused = browser.post(code_url(), {"verifier_fichier": "1", "fichier": upload})
    assert refused.status_code == 403
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.7 x")
    fields = {"csrfmiddlewaretoken": token, "verifier_fichier": "1", "fichier": upload}
    assert ALTERED in text(browser.post(code_url(), fields))
