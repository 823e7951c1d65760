"""Every page of a logged-in client shows personal data: no cache may store it."""

import pytest
from django.urls import reverse

from .conftest import make_document


@pytest.fixture
def pages(contract_a):
    return [
        reverse("extranet:home"),
        reverse("extranet:contract", args=[contract_a.pk]),
        reverse("extranet:contract_documents", args=[contract_a.pk]),
        reverse("extranet:attestation_requests"),
    ]


def test_authenticated_pages_are_never_stored(as_a, pages, contract_a):
    for url in pages:
        response = as_a.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_downloads_keep_their_headers(as_a, contract_a):
    document = make_document(contract_a, numero="ATT-2026-000001")
    response = as_a.get(reverse("extranet:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Content-Disposition" in response
