"""Reads of stored documents: which a client sees on a contract, which one may download."""

from django.db.models import Q, QuerySet

from contracts.models import Contract
from contracts.selectors import contracts_for_user

from .models import Document

# A document without any file (both emptied by a refusal, or never generated) is nothing a
# client can open: it never shows on the extranet.
_HAS_FILE = ~Q(pdf_file="") | ~Q(word_file="")


def documents_shared_for_contract(contract: Contract) -> QuerySet[Document]:
    """The documents of a contract a client sees: shared on the extranet, newest first.

    A document waiting for validation (``shared_on_extranet`` false) is never in it.
    """
    return (
        Document.objects.filter(contract=contract, shared_on_extranet=True)
        .filter(_HAS_FILE)
        .order_by("-created_at", "-id")
    )


def documents_for_client_user(user) -> QuerySet[Document]:
    """Every document an extranet account may download: shared, of a contract it reaches."""
    return Document.objects.filter(
        contract__in=contracts_for_user(user), shared_on_extranet=True
    ).filter(_HAS_FILE)
