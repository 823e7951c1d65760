"""Sending an attestation to a third party (« Envoyer à un tiers »), the address book it fills,
and what the third party does with the link (opened, downloaded).

The link carries a random token (32 bytes); only its SHA-256 is stored, so a copy of the
database opens no link. The e-mails leave once the send is committed: the third party's with
the link, the sender's copy without it (a copy forwarded, or read over a shoulder, must not
open the attestation). Design notes: docs/attestations.md « Sending to a third party ».
"""

from __future__ import annotations

import datetime
import logging
import secrets
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from documents.models import Document
from documents.selectors import documents_for_client_user
from modulr.ratelimit import rate_limit_hit

from .emails import document_sent_copy_email_send, document_sent_email_send
from .models import MESSAGE_MAX_LENGTH, NAME_MAX_LENGTH, DocumentSend, Recipient, Role
from .selectors import document_send_refusal, recipients_for_client_user, send_token_hash

logger = logging.getLogger(__name__)

LINK_VALIDITY = datetime.timedelta(days=30)
RATE_LIMIT_WINDOW = 3600


class SendRefused(Exception):
    """Why a send was refused, in French, for the client; ``field``: the form field at fault."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _recipient_clean(name: str, email: str, role: str) -> tuple[str, str, str]:
    """The recipient as stored: the name on one line, the address in lower case (one address
    book row per address however it was typed), a known role."""
    name = " ".join(str(name or "").split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise SendRefused(
            gettext("Indiquez le nom du destinataire (%(max)s caractères au plus).")
            % {"max": NAME_MAX_LENGTH},
            field="nom",
        )
    email = str(email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise SendRefused(gettext("Saisissez une adresse e-mail valide."), field="email") from None
    if role not in Role.values:
        raise SendRefused(gettext("Choisissez le rôle du destinataire."), field="role")
    return name, email, role


def _message_clean(message: str) -> str:
    """Plain text, kept as typed but for control characters (line breaks stay)."""
    lines = str(message or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join("".join(c for c in line if c.isprintable()).rstrip() for line in lines)
    text = text.strip()
    if len(text) > MESSAGE_MAX_LENGTH:
        raise SendRefused(
            gettext("Le message est trop long (%(max)s caractères au plus).")
            % {"max": MESSAGE_MAX_LENGTH},
            field="message",
        )
    return text


def _document_sendable(*, document: Document, user) -> Document:
    """The document as it is now, if ``user`` may send it; SendRefused otherwise. The
    extranet's access rule (``documents_for_client_user``), read again: the page the client
    sent the form from may be older than a revocation."""
    current = (
        documents_for_client_user(user)
        .select_related("contract", "replaced_by")
        .filter(pk=document.pk)
        .first()
    )
    if current is None:
        raise SendRefused(gettext("Cette attestation n'est pas disponible."))
    refusal = document_send_refusal(current)
    if refusal:
        raise SendRefused(refusal)
    return current


def document_send(
    *,
    document: Document,
    user,
    name: str,
    email: str,
    role: str,
    message: str = "",
    copy_to_self: bool = False,
) -> DocumentSend:
    """Send ``document`` to a third party: a link valid 30 days, e-mailed in the cabinet's
    name once committed, with the client's short message; a copy without the link to the
    sender when asked. The recipient is saved in (or updated in) the client's address book.

    Refused (``SendRefused``): a document the account may not see, one that is not a
    sendable attestation (``document_send_refusal``), invalid input, or past
    ``SEND_RATE_LIMIT`` sends by the account in an hour.
    """
    document = _document_sendable(document=document, user=user)
    name, email, role = _recipient_clean(name, email, role)
    message = _message_clean(message)
    if not _within_rate_limit(user):
        raise SendRefused(
            gettext(
                "Vous avez envoyé beaucoup d'attestations en peu de temps : par sécurité, "
                "réessayez dans une heure."
            )
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        send = DocumentSend.objects.create(
            document=document,
            recipient_name=name,
            recipient_email=email,
            recipient_role=role,
            message=message,
            copy_to_sender=bool(copy_to_self) and bool(user.email),
            sent_by=user,
            sent_at=now,
            token_hash=send_token_hash(token),
            expires_at=now + LINK_VALIDITY,
        )
        Recipient.objects.update_or_create(
            client_id=document.contract.client_id,
            email=email,
            defaults={"name": name, "role": role, "last_used_at": now},
        )
        # The token lives on only in this callback, until the e-mail carries it.
        transaction.on_commit(partial(_emails_send, send.pk, token), robust=True)
    logger.info(
        "document_send.sent",
        extra={"send_id": send.pk, "document_id": document.pk, "user_id": user.pk},
    )
    return send


def _within_rate_limit(user) -> bool:
    """Counts one send for the account; False past ``SEND_RATE_LIMIT`` in the hour."""
    return rate_limit_hit(
        scope="document_send",
        key=str(user.pk),
        limit=settings.SEND_RATE_LIMIT,
        window=RATE_LIMIT_WINDOW,
    )


def _emails_send(send_id: int, token: str) -> None:
    send = DocumentSend.objects.select_related("document__contract__client", "sent_by").get(
        pk=send_id
    )
    document_sent_email_send(send=send, token=token)
    if send.copy_to_sender and send.sent_by is not None:
        document_sent_copy_email_send(send=send)


# -- what the third party does ------------------------------------------------------------------


def send_opened(*, send: DocumentSend) -> None:
    """The third party opened the link's page: counted, the first time kept. One UPDATE, so
    two opens at once both count."""
    now = timezone.now()
    DocumentSend.objects.filter(pk=send.pk).update(
        opened_count=F("opened_count") + 1, first_opened_at=Coalesce("first_opened_at", Value(now))
    )
    logger.info("document_send.opened", extra={"send_id": send.pk, "document_id": send.document_id})


def send_downloaded(*, send: DocumentSend) -> None:
    """The third party downloaded the attestation: counted, the first time kept."""
    now = timezone.now()
    DocumentSend.objects.filter(pk=send.pk).update(
        download_count=F("download_count") + 1, downloaded_at=Coalesce("downloaded_at", Value(now))
    )
    logger.info(
        "document_send.downloaded", extra={"send_id": send.pk, "document_id": send.document_id}
    )


# -- the address book ---------------------------------------------------------------------------


def recipient_remove(*, recipient: Recipient, user) -> bool:
    """Remove ``recipient`` from its client's address book, if ``user`` reaches that client.
    The sends to them stay in the history. Returns whether a row was removed."""
    deleted, _by_model = recipients_for_client_user(user).filter(pk=recipient.pk).delete()
    return bool(deleted)
