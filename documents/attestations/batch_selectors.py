"""Reads of a batch (« Tous les véhicules en cours »): who may open it, how far its generation
is, which of its attestations a client may download, and which failed. A batch has no state
of its own: everything here is read from its requests, with the single requests' rules.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from contracts.models import Contract
from contracts.selectors import contracts_for_user
from documents.models import AttestationBatch, AttestationRequest, Document, DocumentTemplate
from products.models import BeneficiaryKind

from .selectors import attestation_request_document_for_client, attestation_requests_stale_q

Status = AttestationRequest.Status
_IN_PROGRESS = (Status.PENDING, Status.GENERATING)


def beneficiaries_count_text(kind: str, count: int) -> str:
    """« 120 véhicules », « 1 personne », « 3 immeubles », « 2 bénéficiaires »."""
    if kind == BeneficiaryKind.VEHICULE:
        text = ngettext("%(n)s véhicule", "%(n)s véhicules", count)
    elif kind == BeneficiaryKind.PERSONNE:
        text = ngettext("%(n)s personne", "%(n)s personnes", count)
    elif kind == BeneficiaryKind.IMMEUBLE:
        text = ngettext("%(n)s immeuble", "%(n)s immeubles", count)
    else:
        text = ngettext("%(n)s bénéficiaire", "%(n)s bénéficiaires", count)
    return text % {"n": count}


def attestation_batches_for_client_user(user) -> QuerySet[AttestationBatch]:
    """The batches an extranet account may open: those on contracts it reaches (like a
    request, a batch belongs to the client)."""
    return AttestationBatch.objects.filter(contract__in=contracts_for_user(user))


def attestation_batch_just_sent(
    *, user, contract: Contract, template: DocumentTemplate, values: dict[str, str]
) -> AttestationBatch | None:
    """The same batch (account, contract, model, values) sent by ``user`` less than
    ``ATTESTATION_DUPLICATE_SECONDS`` ago: a double click. One query."""
    window = settings.ATTESTATION_DUPLICATE_SECONDS
    if window <= 0:
        return None
    recent = AttestationBatch.objects.filter(
        user=user,
        contract=contract,
        template=template,
        created_at__gte=timezone.now() - datetime.timedelta(seconds=window),
    ).order_by("created_at", "pk")
    return next((batch for batch in recent if batch.values == values), None)


@dataclass(frozen=True)
class BatchProgress:
    total: int
    ready: int  # shared on the extranet
    awaiting: int  # generated, held for staff's decision
    refused: int
    failed: int  # failed, or lost on the way (stale): the client may « Réessayer »
    in_progress: int  # a job works on it, or is about to
    lost: int  # of ``failed``, those lost on the way: the recovery will send them again

    @property
    def generated(self) -> int:
        """What « 37 / 120 générées » counts: each request whose attestation was made."""
        return self.ready + self.awaiting + self.refused

    @property
    def finished(self) -> bool:
        return self.in_progress == 0


def attestation_batch_progress(batch: AttestationBatch) -> BatchProgress:
    """How far the batch is, with the single requests' rules (a stale request is lost, not in
    progress). One query."""
    stale = attestation_requests_stale_q()
    counts = AttestationRequest.objects.filter(batch=batch).aggregate(
        total=Count("pk"),
        ready=Count("pk", filter=Q(status=Status.READY)),
        awaiting=Count("pk", filter=Q(status=Status.AWAITING_VALIDATION)),
        refused=Count("pk", filter=Q(status=Status.REFUSED)),
        failed=Count("pk", filter=Q(status=Status.FAILED) | stale),
        in_progress=Count("pk", filter=Q(status__in=_IN_PROGRESS) & ~stale),
        lost=Count("pk", filter=stale),
    )
    return BatchProgress(**counts)


def attestation_batches_progress(batch_ids: list[int]) -> dict[int, BatchProgress]:
    """``attestation_batch_progress`` of several batches (« Mes demandes »). One query."""
    stale = attestation_requests_stale_q()
    rows = (
        AttestationRequest.objects.filter(batch_id__in=batch_ids)
        .order_by()
        .values("batch_id")
        .annotate(
            total=Count("pk"),
            ready=Count("pk", filter=Q(status=Status.READY)),
            awaiting=Count("pk", filter=Q(status=Status.AWAITING_VALIDATION)),
            refused=Count("pk", filter=Q(status=Status.REFUSED)),
            failed=Count("pk", filter=Q(status=Status.FAILED) | stale),
            in_progress=Count("pk", filter=Q(status__in=_IN_PROGRESS) & ~stale),
            lost=Count("pk", filter=stale),
        )
    )
    return {row.pop("batch_id"): BatchProgress(**row) for row in rows}


def attestation_requests_one_row_per_batch(
    queryset: QuerySet[AttestationRequest],
) -> QuerySet[AttestationRequest]:
    """« Mes demandes » lists a batch once: its first request stands for it (the row links to
    the batch's page), single requests as they are. Still one queryset, paginated as before."""
    first = (
        AttestationRequest.objects.filter(batch=OuterRef("batch")).order_by("pk").values("pk")[:1]
    )
    return queryset.filter(Q(batch__isnull=True) | Q(pk=Subquery(first)))


def attestation_batch_requests(batch: AttestationBatch) -> QuerySet[AttestationRequest]:
    """The batch's requests in the order a client reads them (by label), with their document."""
    return (
        AttestationRequest.objects.filter(batch=batch)
        .select_related("document__contract", "document__replaced_by", "beneficiary")
        .order_by("beneficiary_label", "pk")
    )


def attestation_batch_retryable(batch: AttestationBatch) -> QuerySet[AttestationRequest]:
    """The batch's requests the client may « Réessayer »: failed, or lost on the way."""
    retryable = Q(status=Status.FAILED) | attestation_requests_stale_q()
    return attestation_batch_requests(batch).filter(retryable)


def attestation_batch_documents_for_client(
    batch: AttestationBatch,
) -> list[tuple[AttestationRequest, Document]]:
    """What the batch's ZIP and merged PDF hold: each attestation a client may download now
    (``attestation_request_document_for_client``: ready, shared, with a file)."""
    pairs = []
    for request in attestation_batch_requests(batch).filter(status=Status.READY):
        document = attestation_request_document_for_client(request)
        if document is not None:
            pairs.append((request, document))
    return pairs


def attestation_batch_decidable(progress: BatchProgress) -> bool:
    """« Valider » / « Refuser » enabled: every request is generated or failed, some wait.

    Not while one is lost on the way: the recovery would generate it after the decision,
    for a task already closed."""
    return progress.finished and progress.lost == 0 and progress.awaiting > 0


def attestation_batch_summary(batch: AttestationBatch, count: int) -> str:
    """« Attestation pour un événement – 120 véhicules »: a batch in one line."""
    kind = batch.contract.product.beneficiary_kind
    return gettext("%(title)s – %(count)s") % {
        "title": batch.title,
        "count": beneficiaries_count_text(kind, count),
    }
