"""Attestations to send, sends with a known token, and recipients: what the sharing tests and
the extranet's access matrix share."""

from __future__ import annotations

import datetime
import secrets

from django.utils import timezone

from documents.models import Document
from documents.verification import file_digest, verification_code_new
from sharing.models import DocumentSend, Recipient, Role
from sharing.selectors import send_token_hash
from tests.extranet.conftest import PDF_BYTES, make_document


def attestation_make(contract, *, numero: str = "ATT-2026-000010", **options) -> Document:
    """A shared attestation of ``contract``: a PDF, a verification code, valid a year."""
    document = make_document(contract, numero=numero, **options)
    document.verification_code = verification_code_new()
    document.valid_from = timezone.localdate()
    document.valid_until = timezone.localdate() + datetime.timedelta(days=365)
    document.sha256 = file_digest(options.get("pdf", PDF_BYTES))
    document.save()
    return document


def send_make(document: Document, *, expired: bool = False, **fields) -> tuple[DocumentSend, str]:
    """A send of ``document`` and its link's token (a send made by the service keeps none)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    sent_at = now - datetime.timedelta(days=31) if expired else now
    values = {
        "recipient_name": "Agence Immobilière du Parc",
        "recipient_email": "gestion@agence-du-parc.fr",
        "recipient_role": Role.BAILLEUR,
        "sent_at": sent_at,
        "expires_at": sent_at + datetime.timedelta(days=30),
        **fields,
    }
    send = DocumentSend.objects.create(
        document=document, token_hash=send_token_hash(token), **values
    )
    return send, token


def recipient_make(client, **fields) -> Recipient:
    values = {
        "name": "Agence Immobilière du Parc",
        "email": "gestion@agence-du-parc.fr",
        "role": Role.BAILLEUR,
        **fields,
    }
    return Recipient.objects.create(client=client, **values)
