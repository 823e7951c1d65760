"""How a download leaves once access is checked: a redirect to a signed URL of the bucket
(S3-compatible storage), nginx's X-Accel-Redirect (SENDFILE=nginx), or streamed by Django
(``test_download.py``)."""

import urllib.error
import urllib.request
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils.http import content_disposition_header

from documents.services import attestation_generate
from extranet.views import download_filename
from tests import docx_models
from tests.documents.generation_helpers import fleet_contract_make, template_make
from tests.extranet.conftest import PDF_BYTES, make_document


def _download(http, document):
    return http.get(reverse("extranet:document_download", args=[document.pk]))


def _fetch(url: str):
    """The signed URL fetched as a browser would, with no credential of ours."""
    return urllib.request.urlopen(url, timeout=10)


@pytest.fixture
def generated(s3_storage, client_a, client_a_user):
    """Client A's attestation for vehicle GH-456-JK, generated into the bucket and shared."""
    contract, vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.attestation_model())
    return attestation_generate(
        template=template, contract=contract, beneficiary=vehicle, values={},
        user=client_a_user, shared=True,
    )  # fmt: skip


# -- S3-compatible storage: a redirect to a signed URL ----------------------------------------


@pytest.mark.libreoffice
def test_download_redirects_to_a_signed_url_that_serves_the_pdf(as_a, generated, s3_storage):
    response = _download(as_a, generated)

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    assert url.startswith(f"{s3_storage.endpoint}/{s3_storage.name}/{generated.pdf_file.name}?")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    with _fetch(url) as served:
        body = served.read()
        headers = served.headers
    assert "GH-456-JK" in docx_models.pdf_text(body)
    # The bucket answers under the clean name, as the streamed download does.
    assert headers["Content-Disposition"] == content_disposition_header(
        True, download_filename(generated)
    )
    assert f"{generated.numero}.pdf" in headers["Content-Disposition"]
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Cache-Control"] == "private, no-store"


@pytest.mark.libreoffice
def test_the_object_is_private_without_the_signature(as_a, generated):
    url = _download(as_a, generated)["Location"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        _fetch(url.split("?", 1)[0])
    assert refused.value.code == 403


@pytest.mark.libreoffice
def test_the_signed_url_lives_storage_signed_url_seconds(as_a, generated, settings):
    settings.STORAGE_SIGNED_URL_SECONDS = 1
    url = _download(as_a, generated)["Location"]
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["1"]


@pytest.mark.libreoffice
def test_another_client_gets_a_404_and_no_url(client, client_b_user, generated, s3_storage):
    client.force_login(client_b_user)
    response = _download(client, generated)
    assert response.status_code == 404
    assert not response.has_header("Location")
    page = response.content.decode()
    assert s3_storage.name not in page and "X-Amz" not in page


@pytest.mark.libreoffice
def test_staff_see_the_file_inline_through_a_signed_url(as_staff, generated):
    response = as_staff.get(reverse("intranet:document_file", args=[generated.pk]))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["response-content-disposition"][0].startswith("inline; filename")
    assert query["response-content-type"] == ["application/pdf"]


@pytest.mark.libreoffice
def test_an_object_gone_from_the_bucket_is_the_french_404(as_a, generated, s3_storage):
    s3_storage.client.delete_object(Bucket=s3_storage.name, Key=generated.pdf_file.name)
    response = _download(as_a, generated)
    assert response.status_code == 404
    assert "Le fichier de ce document n'est pas disponible" in unescape(response.content.decode())


# -- local disk behind nginx: X-Accel-Redirect ------------------------------------------------


@pytest.fixture
def nginx(settings):
    settings.SENDFILE = "nginx"
    return settings


def test_nginx_serves_the_file_from_its_internal_location(as_a, document_a, nginx):
    response = _download(as_a, document_a)
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/_private/{document_a.pdf_file.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Attestation d\'assurance ATT-2026-000001.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_internal_prefix_is_a_setting(as_a, document_a, nginx):
    nginx.SENDFILE_PREFIX = "/interne/fichiers"
    response = _download(as_a, document_a)
    assert response["X-Accel-Redirect"] == f"/interne/fichiers/{document_a.pdf_file.name}"


def test_nginx_is_not_asked_for_a_file_that_is_gone(as_a, contract_a, nginx, _private_storage):
    document = make_document(contract_a, pdf=PDF_BYTES)
    (_private_storage / document.pdf_file.name).unlink()
    response = _download(as_a, document)
    assert response.status_code == 404
    assert not response.has_header("X-Accel-Redirect")


def test_another_client_gets_no_internal_path(client, client_b_user, document_a, nginx):
    client.force_login(client_b_user)
    response = _download(client, document_a)
    assert response.status_code == 404
    assert not response.has_header("X-Accel-Redirect")
