"""The sharing tests use the extranet's cast: contracts of clients A and B, the cabinet."""

import pytest

from tests.extranet.conftest import (  # noqa: F401 (fixtures)
    cabinet,
    contract_a,
    contract_b,
    document_a,
    document_b,
    fleet_product,
    pending_document_a,
)

from .helpers import attestation_make, recipient_make


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://espace.martin-courtage.fr/"


@pytest.fixture
def attestation_a(contract_a):  # noqa: F811 (the imported fixture, by name)
    return attestation_make(contract_a)


@pytest.fixture
def attestation_b(contract_b):  # noqa: F811
    return attestation_make(contract_b, numero="ATT-2026-000020")


@pytest.fixture
def recipient_a(client_a):
    return recipient_make(client_a)
