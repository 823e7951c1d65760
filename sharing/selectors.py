"""Reads of the address book and of the sends: which recipients an account sees, whether an
attestation may be sent, its sends, and the send a link's token opens."""

from __future__ import annotations

import hashlib

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from contracts.models import Client
from contracts.selectors import clients_for_user
from documents.models import Document
from documents.verification import attestation_state

from .models import DocumentSend, Recipient

# A token is 43 characters (32 random bytes, URL-safe base64): anything much longer is not one,
# and is not worth hashing.
TOKEN_MAX_LENGTH = 100


def send_token_hash(token: str) -> str:
    """What is stored of a link's token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


# -- the address book ---------------------------------------------------------------------------


def recipients_for_client(client: Client | int) -> QuerySet[Recipient]:
    """A client company's address book, most recently used first."""
    return Recipient.objects.filter(client=client).order_by("-last_used_at", "-id")


def recipients_for_client_user(user) -> QuerySet[Recipient]:
    """Every recipient in the address books of the clients an extranet account reaches; none
    for anyone else (staff included)."""
    return Recipient.objects.filter(client__in=clients_for_user(user))


# -- sending ------------------------------------------------------------------------------------


def document_send_refusal(document: Document) -> str:
    """Why ``document`` may not be sent to a third party, in French; "" when it may.

    Only an attestation (it has a verification code: the third party's page shows its state)
    already handed to the client (shared: not one waiting for the cabinet's validation), with
    a file, and neither revoked nor replaced: a third party must not receive what the cabinet
    withdrew. An expired one may be sent (proof of a past cover); the page says it expired.
    Reads ``document.contract`` and ``document.replaced_by``: select them with the document.
    """
    if not document.verification_code:
        return gettext("Seules les attestations peuvent être envoyées à un tiers.")
    if not document.shared_on_extranet:
        return gettext(
            "Cette attestation attend la validation du cabinet : elle ne peut pas encore être "
            "envoyée."
        )
    if not document.main_file:
        return gettext("Le fichier de cette attestation n'est pas disponible.")
    state = attestation_state(document)
    if state.kind == "revoked":
        return gettext(
            "Cette attestation a été révoquée par le cabinet : elle ne peut plus être envoyée."
        )
    if state.kind == "replaced":
        return gettext(
            "Cette attestation a été remplacée par l'attestation n° %(numero)s : envoyez la "
            "nouvelle."
        ) % {"numero": document.replaced_by.numero or ""}
    return ""


def _link_live_q() -> Q:
    """A send's link still opens: within its 30 days."""
    return Q(expires_at__gt=timezone.now())


def document_sends(document: Document) -> QuerySet[DocumentSend]:
    """The sends of one document, newest first, with who sent each and ``link_live`` (whether
    its link still opens), in one query."""
    return (
        DocumentSend.objects.filter(document=document)
        .select_related("sent_by")
        .annotate(link_live=ExpressionWrapper(_link_live_q(), output_field=BooleanField()))
        .order_by("-sent_at", "-id")
    )


def document_send_by_token(token: str) -> DocumentSend | None:
    """The send whose link carries ``token``, while the link is valid: not past its 30 days,
    and its document still shared with the client. None otherwise, whatever the reason (an
    unknown token, an expired link): the third party's page is the same."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        DocumentSend.objects.filter(
            _link_live_q(), token_hash=send_token_hash(token), document__shared_on_extranet=True
        )
        .select_related("document__contract", "document__replaced_by")
        .first()
    )
