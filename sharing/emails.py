"""The e-mails of a send, in the cabinet's name (``contracts.mail``): the third party's, with
the link, and the sender's copy, without it. Links are built from ``settings.SITE_URL``."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from contracts.mail import email_message, email_send, recipient_language
from documents.verification import validity_text

from .models import DocumentSend


def send_link_url(token: str) -> str:
    """The third party's link, absolute."""
    return settings.SITE_URL.rstrip("/") + reverse("sharing:link", args=[token])


def _context(send: DocumentSend) -> dict:
    document = send.document
    return {
        "send": send,
        "document": document,
        "client": document.contract.client,
        "validity": validity_text(document),
        "expires_on": timezone.localdate(send.expires_at),
    }


def document_sent_email_send(*, send: DocumentSend, token: str) -> int:
    """« <Cabinet> vous transmet l'attestation n° … »: the link (valid 30 days) and the
    client's message, as typed (never read as HTML)."""
    context = {**_context(send), "link": send_link_url(token)}
    return email_message(
        name="document_sent",
        context=context,
        to=send.recipient_email,
        language=recipient_language(None),  # no account: the site's language
    ).send()


def document_sent_copy_email_send(*, send: DocumentSend) -> int:
    """The sender's copy: to whom, when, the message; never the link."""
    return email_send(name="document_sent_copy", context=_context(send), user=send.sent_by)
