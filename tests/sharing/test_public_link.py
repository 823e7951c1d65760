"""The third party's link, ``/envoi/<token>/``: no account, that attestation and nothing else,
dead after 30 days, every open and download logged."""

import datetime
import logging
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from sharing.models import DocumentSend, Role
from sharing.services import document_send
from tests.extranet.conftest import PDF_BYTES

from .helpers import attestation_make, send_make

INVALID = "Ce lien n'est plus valable"


@pytest.fixture
def link(attestation_a):
    send, token = send_make(attestation_a)
    return send, token


def without_csrf(response) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", response.content.decode())


def page(client, token):
    return client.get(reverse("sharing:link", args=[token]))


def test_the_page_shows_the_attestation_its_state_and_the_download(client, link, attestation_a):
    send, token = link
    response = page(client, token)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cabinet Martin Courtage vous transmet l'attestation n° ATT-2026-000010" in html
    valid_until = attestation_a.valid_until.strftime("%d/%m/%Y")
    assert f"Valide jusqu&#x27;au {valid_until}" in html
    assert f'href="{reverse("sharing:download", args=[token])}"' in html
    assert f'href="{reverse("verification:code", args=[attestation_a.verification_code])}"' in html
    expires = timezone.localdate(send.expires_at).strftime("%d/%m/%Y")
    assert f"Ce lien est valable jusqu'au {expires}." in html


def test_the_page_leads_nowhere_in_the_clients_space(client, link):
    _send, token = link
    html = page(client, token).content.decode()
    # The stylesheet and htmx are the extranet's static files; no page of it is linked.
    assert "/extranet/" not in html.replace("/static/extranet/", "") and "/intranet/" not in html
    assert "Transports Dupont" not in html  # not even the client's name
    assert "Se déconnecter" not in html and "Mes contrats" not in html
    hrefs = set(re.findall(r'href="([^"]+)"', html))
    assert {h for h in hrefs if not h.startswith("/static/")} == {
        "#contenu",
        reverse("sharing:download", args=[token]),
        reverse("verification:code", args=[link[0].document.verification_code]),
    }


@pytest.mark.parametrize("name", ["link", "download"])
def test_headers_keep_the_link_private(client, link, name):
    _send, token = link
    response = client.get(reverse(f"sharing:{name}", args=[token]))
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_opening_is_logged_and_counted(client, link, caplog):
    send, token = link
    with caplog.at_level(logging.INFO, logger="sharing.services"):
        page(client, token)
        page(client, token)
    send.refresh_from_db()
    assert send.opened_count == 2 and send.first_opened_at is not None
    first = send.first_opened_at
    assert [r.getMessage() for r in caplog.records] == ["document_send.opened"] * 2
    assert caplog.records[0].send_id == send.pk
    assert token not in caplog.text
    page(client, token)
    send.refresh_from_db()
    assert send.first_opened_at == first  # the first one kept


def test_a_head_request_opens_nothing(client, link):
    send, token = link
    assert client.head(reverse("sharing:link", args=[token])).status_code == 200
    send.refresh_from_db()
    assert send.opened_count == 0 and send.first_opened_at is None


def test_the_download_is_exactly_that_attestation_and_is_logged(client, link, caplog):
    send, token = link
    with caplog.at_level(logging.INFO, logger="sharing.services"):
        response = client.get(reverse("sharing:download", args=[token]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "ATT-2026-000010.pdf" in response["Content-Disposition"]
    send.refresh_from_db()
    assert send.download_count == 1 and send.downloaded_at is not None
    assert [r.getMessage() for r in caplog.records] == ["document_send.downloaded"]


def test_a_link_opens_its_own_attestation_only(client, contract_a, link):
    other = attestation_make(contract_a, numero="ATT-2026-000099", pdf=b"%PDF-1.4 autre")
    _other_send, other_token = send_make(other)
    _send, token = link
    first = client.get(reverse("sharing:download", args=[token]))
    second = client.get(reverse("sharing:download", args=[other_token]))
    assert b"".join(first.streaming_content) == PDF_BYTES
    assert b"".join(second.streaming_content) == b"%PDF-1.4 autre"


def test_after_30_days_the_link_is_dead_and_says_nothing_more(
    client, attestation_a, client_a_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document_send(
            document=attestation_a, user=client_a_user, name="Mairie de Lyon",
            email="evenements@mairie-lyon.fr", role=Role.ORGANISATEUR, message="",
        )  # fmt: skip
    (token,) = re.findall(r"/envoi/([A-Za-z0-9_-]+)/", mailoutbox[0].body)
    assert page(client, token).status_code == 200

    later = timezone.now() + datetime.timedelta(days=30, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        expired = page(client, token)
        download = client.get(reverse("sharing:download", args=[token]))
    unknown = page(client, "x" * 43)

    for response in (expired, download, unknown):
        assert response.status_code == 404
        assert INVALID in response.content.decode()
        assert response["Referrer-Policy"] == "same-origin"
    # Nothing tells an expired link from a guess (but the page's own CSRF token).
    assert without_csrf(expired) == without_csrf(unknown)
    assert "ATT-2026" not in expired.content.decode()
    assert DocumentSend.objects.get().download_count == 0


def test_a_revoked_attestation_shows_its_state_and_gives_no_file(client, link, attestation_a):
    send, token = link
    attestation_a.revoked_at = timezone.now()
    attestation_a.revocation_public_reason = "Contrat résilié à la demande de l'assuré"
    attestation_a.save()
    html = page(client, token).content.decode()
    assert "Révoquée le" in html and "Contrat résilié à la demande" in html
    assert "n'est plus téléchargeable" in html
    assert reverse("sharing:download", args=[token]) not in html
    response = client.get(reverse("sharing:download", args=[token]))
    assert response.status_code == 302
    assert response.url == reverse("sharing:link", args=[token])
    send.refresh_from_db()
    assert send.download_count == 0


def test_a_lost_file_is_a_404_not_an_error(client, link, attestation_a):
    _send, token = link
    attestation_a.pdf_file.storage.delete(attestation_a.pdf_file.name)
    response = client.get(reverse("sharing:download", args=[token]))
    assert response.status_code == 404


def test_requests_on_links_are_limited_per_address(client, link, settings):
    settings.SEND_LINK_RATE_LIMIT = 3
    _send, token = link
    statuses = [page(client, token).status_code for _ in range(3)]
    statuses.append(page(client, "y" * 43).status_code)
    assert statuses == [200, 200, 200, 429]
    limited = page(client, token)
    assert limited.status_code == 429 and "Trop de demandes" in limited.content.decode()
    other = client.get(reverse("sharing:link", args=[token]), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_an_absurd_token_is_just_unknown(client):
    assert page(client, "a" * 500).status_code == 404
