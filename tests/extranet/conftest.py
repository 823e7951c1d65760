"""What the extranet tests share: contracts of clients A and B and their documents."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from contracts.selectors import cabinet_get
from documents.models import Document
from products.models import BeneficiaryKind
from tests import factories

PDF_BYTES = b"%PDF-1.4\n% attestation de test\n%%EOF\n"


def blank_pdf(pages: int = 1) -> bytes:
    """A real PDF of ``pages`` blank pages (for what reads PDFs: the batch's merged PDF)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_document(
    contract,
    *,
    title="Attestation d'assurance",
    shared=True,
    numero=None,
    pdf=PDF_BYTES,
    word=None,
    created_at=None,
) -> Document:
    """A document with real files in the (per-test) storage."""
    document = Document(
        contract=contract,
        title=title,
        numero=numero,
        shared_on_extranet=shared,
        shared_at=timezone.now() if shared else None,
        created_at=created_at or timezone.now(),
    )
    if pdf is not None:
        document.pdf_file.save("attestation.pdf", ContentFile(pdf), save=False)
    if word is not None:
        document.word_file.save("attestation.docx", ContentFile(word), save=False)
    document.save()
    return document


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The cast's passwords are hashed at each test's setup: PBKDF2 made it the slowest part."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def cabinet(db):
    cabinet = cabinet_get()
    cabinet.nom = "Cabinet Martin Courtage"
    cabinet.save()
    return cabinet


@pytest.fixture
def fleet_product(db):
    return factories.ProductFactory(
        name="Flotte automobile", beneficiary_kind=BeneficiaryKind.VEHICULE
    )


@pytest.fixture
def contract_a(client_a, fleet_product):
    return factories.ContractFactory(
        numero="FL-2026-0001", client=client_a, product=fleet_product, assureur="AXA France IARD"
    )


@pytest.fixture
def contract_b(client_b, fleet_product):
    return factories.ContractFactory(
        numero="FL-2026-0002", client=client_b, product=fleet_product, assureur="Allianz IARD"
    )


@pytest.fixture
def document_a(contract_a):
    return make_document(contract_a, numero="ATT-2026-000001")


@pytest.fixture
def pending_document_a(contract_a):
    """Waiting for staff validation: never visible to the client."""
    return make_document(contract_a, title="Attestation en attente", shared=False)


@pytest.fixture
def document_b(contract_b):
    return make_document(contract_b, numero="ATT-2026-000002")


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)
