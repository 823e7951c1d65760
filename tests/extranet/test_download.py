"""Downloads: through an access-checking view only, with a clean name and no caching."""

from html import unescape

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from documents.models import Document
from extranet.views import download_filename
from tests.extranet.conftest import PDF_BYTES, make_document

DOCX_BYTES = b"PK\x03\x04 un faux docx"


def _download(http, document):
    return http.get(reverse("extranet:document_download", args=[document.pk]))


def test_download_streams_the_pdf_as_an_attachment(as_a, document_a):
    response = _download(as_a, document_a)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="Attestation d\'assurance ATT-2026-000001.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_accented_file_name_is_encoded_for_every_browser(as_a, contract_a):
    document = make_document(contract_a, title="Attestation véhicule", numero="ATT-2026-000009")
    assert _download(as_a, document)["Content-Disposition"] == (
        "attachment; filename*=utf-8''Attestation%20v%C3%A9hicule%20ATT-2026-000009.pdf"
    )


def test_download_prefers_the_pdf_and_falls_back_to_word(as_a, contract_a):
    both = make_document(contract_a, title="Attestation", word=DOCX_BYTES)
    word_only = make_document(contract_a, title="Attestation", pdf=None, word=DOCX_BYTES)
    assert b"".join(_download(as_a, both).streaming_content) == PDF_BYTES
    response = _download(as_a, word_only)
    assert b"".join(response.streaming_content) == DOCX_BYTES
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == 'attachment; filename="Attestation.docx"'


def test_storage_path_never_leaks_into_the_page_or_the_file_name(as_a, document_a, contract_a):
    stored = document_a.pdf_file.name
    assert stored.startswith("documents/")
    page = as_a.get(reverse("extranet:contract_documents", args=[contract_a.pk]))
    assert stored not in page.content.decode()
    assert stored.rsplit("/", 2)[-2] not in _download(as_a, document_a)["Content-Disposition"]


@pytest.mark.parametrize(
    ("title", "numero", "stored", "expected"),
    [
        ("Attestation", "ATT-2026-000001", "d/a/x.pdf", "Attestation ATT-2026-000001.pdf"),
        ("Attestation ATT-2026-000001", "ATT-2026-000001", "d/x.PDF", "Attestation ATT-2026-000001.pdf"),  # noqa: E501
        ('Flotte : "véhicules" 2026/2027', None, "d/x.docx", "Flotte véhicules 20262027.docx"),
        ("../../etc/passwd", None, "d/x.pdf", "etcpasswd.pdf"),
        ("Ligne\r\nContent-Type: text/html", None, "d/x.pdf", "LigneContent-Type texthtml.pdf"),
        ("   ", None, "d/x.pdf", "Document.pdf"),
    ],
)  # fmt: skip
def test_download_filename_is_clean(title, numero, stored, expected):
    document = Document(title=title, numero=numero, pdf_file=stored)
    assert download_filename(document) == expected


def test_missing_file_is_a_french_404(as_a, document_a):
    default_storage.delete(document_a.pdf_file.name)
    response = _download(as_a, document_a)
    assert response.status_code == 404
    assert "Le fichier de ce document n'est pas disponible" in unescape(response.content.decode())


def test_a_document_unshared_after_the_fact_is_gone(as_a, document_a):
    """Staff may take a document off the extranet: the old link stops working at once."""
    Document.objects.filter(pk=document_a.pk).update(shared_on_extranet=False)
    assert _download(as_a, document_a).status_code == 404


def test_access_lost_means_downloads_lost(as_a, client_a_user, document_a):
    client_a_user.extranet_accesses.all().delete()
    assert _download(as_a, document_a).status_code == 403  # no client at all any more


def test_head_is_allowed_post_is_not(as_a, document_a):
    url = reverse("extranet:document_download", args=[document_a.pk])
    assert as_a.head(url).status_code == 200
    assert as_a.post(url).status_code == 405
