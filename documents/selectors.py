"""Reads of stored documents: which a client sees on a contract, which one may download, where
an attestation came from, and which attestations are in force."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from contracts.models import Contract
from contracts.selectors import contracts_for_user

from .models import AttestationRequest, Document
from .verification import CONTRACT_ENDED, AttestationState, attestation_state

# A document without any file (both emptied by a refusal, or never generated) is nothing a
# client can open: it never shows on the extranet.
_HAS_FILE = ~Q(pdf_file="") | ~Q(word_file="")


def documents_shared_for_contract(contract: Contract) -> QuerySet[Document]:
    """The documents of a contract a client sees: shared on the extranet, newest first, with
    what their state reads (``document_state``).

    A document waiting for validation (``shared_on_extranet`` false) is never in it.
    """
    return (
        Document.objects.filter(contract=contract, shared_on_extranet=True)
        .filter(_HAS_FILE)
        .select_related("contract", "replaced_by")
        .order_by("-created_at", "-id")
    )


def documents_for_client_user(user) -> QuerySet[Document]:
    """Every document an extranet account may download: shared, of a contract it reaches.

    A revoked or replaced attestation stays downloadable: it is the client's record of what
    was issued, and the page says it is no longer valid."""
    return Document.objects.filter(
        contract__in=contracts_for_user(user), shared_on_extranet=True
    ).filter(_HAS_FILE)


def document_state(document: Document | None) -> AttestationState | None:
    """The state shown next to a document, to clients and staff: an attestation's (it has a
    verification code, as ``attestations_issued`` says), None for any other document. Reads
    ``document.contract`` and ``document.replaced_by``: select them with the documents."""
    if document is None or not document.verification_code:
        return None
    return attestation_state(document)


# -- where an attestation came from -------------------------------------------------------------


def attestation_origin_request(document: Document) -> AttestationRequest | None:
    """The client's request an attestation answers: its own, or, for a re-issue, the request
    of the attestation it replaces (back along the chain). None for one staff generated.
    Two queries per step back."""
    seen: set[int] = set()
    current: Document | None = document
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        request = AttestationRequest.objects.filter(document_id=current.pk).first()
        if request is not None:
            return request
        current = Document.objects.filter(replaced_by_id=current.pk).first()
    return None


def attestation_values_of(document: Document) -> dict[str, str]:
    """What the attestation's fields were filled with: kept on the document since documents
    keep them, else the values of the request it answers, else none."""
    if document.values:
        return dict(document.values)
    request = attestation_origin_request(document)
    return dict(request.values) if request is not None and request.values else {}


# -- in force ---------------------------------------------------------------------------------


def attestations_in_force_q(*, today: datetime.date | None = None) -> Q:
    """The attestations whose state today is valid or upcoming (``AttestationState.valid``),
    as a filter for lists: ``attestation_state``'s rule in SQL, tested against it. Neither
    revoked nor replaced, not expired, and the contract not ended (a termination dated later
    than today leaves it in force until then)."""
    today = today or timezone.localdate()
    ended = Q(contract__status__in=list(CONTRACT_ENDED)) & (
        Q(contract__date_resiliation__isnull=True) | Q(contract__date_resiliation__lte=today)
    )
    return (
        Q(verification_code__isnull=False, revoked_at__isnull=True, replaced_by__isnull=True)
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        & ~ended
    )
