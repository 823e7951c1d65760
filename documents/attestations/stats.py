"""Figures about attestation requests, for operations (``manage.py attestations_status``) and
the intranet's « Tableau de bord »: counts by status, what waits or is stuck, requests per
day by outcome, generation times. Reads only; each function a fixed number of queries.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from documents.models import AttestationEvent, AttestationRequest

from .selectors import attestation_requests_stale_q

Status = AttestationRequest.Status
Kind = AttestationEvent.Kind


def attestation_requests_status_counts() -> dict[str, int]:
    """Every status (zero included) → how many requests have it. One query."""
    counts = dict.fromkeys(Status.values, 0)
    rows = AttestationRequest.objects.order_by().values_list("status").annotate(n=Count("id"))
    counts.update(dict(rows))
    return counts


def attestation_request_oldest_in_progress() -> AttestationRequest | None:
    """The oldest request pending or generating (stale or not). One query."""
    return (
        AttestationRequest.objects.filter(status__in=[Status.PENDING, Status.GENERATING])
        .select_related("contract")
        .order_by("created_at", "id")
        .first()
    )


def attestation_requests_stuck() -> QuerySet[AttestationRequest]:
    """Requests whose job is lost (the « stale » rule), longest stuck first."""
    return (
        AttestationRequest.objects.filter(attestation_requests_stale_q())
        .select_related("contract")
        .order_by("updated_at", "id")
    )


def attestation_requests_failed() -> QuerySet[AttestationRequest]:
    """Failed requests, most recent failure first, with their contract and client."""
    return (
        AttestationRequest.objects.filter(status=Status.FAILED)
        .select_related("contract__client")
        .order_by("-updated_at", "-id")
    )


def attestation_request_technical_error(request: AttestationRequest) -> str:
    """The staff part of ``error``: the technical detail after the client's sentence."""
    return request.error.strip().split("\n")[-1].strip()


def attestation_validations_pending() -> QuerySet[AttestationRequest]:
    """Attestations generated and waiting for staff's decision, oldest request first."""
    return (
        AttestationRequest.objects.filter(status=Status.AWAITING_VALIDATION)
        .select_related("contract__client")
        .order_by("created_at", "id")
    )


# -- requests per day, by outcome ---------------------------------------------------------------


@dataclass(frozen=True)
class DayCounts:
    """The requests submitted on ``day`` (local date), by where they ended up now."""

    day: datetime.date
    shared_at_once: int = 0  # ready, without validation
    validated: int = 0  # ready after staff's « Valider »
    refused: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.shared_at_once + self.validated + self.refused + self.failed


def _outcome(status: str, needs_validation: bool) -> str | None:
    if status == Status.READY:
        return "validated" if needs_validation else "shared_at_once"
    return {Status.REFUSED: "refused", Status.FAILED: "failed"}.get(status)


def attestation_requests_per_day(
    *, days: int = 30, today: datetime.date | None = None
) -> list[DayCounts]:
    """The last ``days`` days (today included, oldest first), each with its requests counted
    by their current outcome. A request counts on the day it was submitted, once, as it ends
    now: a failure retried successfully counts as shared, not failed. Requests still in
    progress or awaiting validation are not counted (they have no outcome yet). One query.
    """
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    since = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    rows = (
        AttestationRequest.objects.filter(
            created_at__gte=since, status__in=[Status.READY, Status.REFUSED, Status.FAILED]
        )
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values_list("day", "status", "needs_validation")
        .annotate(n=Count("id"))
    )
    counts: dict[datetime.date, dict[str, int]] = {}
    for day, status, needs_validation, n in rows:
        outcome = _outcome(status, needs_validation)
        per_day = counts.setdefault(day, {})
        per_day[outcome] = per_day.get(outcome, 0) + n
    return [
        DayCounts(day=day, **counts.get(day, {}))
        for day in (first + datetime.timedelta(days=n) for n in range(days))
    ]


# -- generation times ---------------------------------------------------------------------------

# At most this many generations are read for the percentiles: plenty for a p95, bounded work.
GENERATION_TIMES_MAX_ROWS = 5000


@dataclass(frozen=True)
class GenerationTimes:
    count: int  # generations measured
    p50_ms: int | None  # None when there was none
    p95_ms: int | None


def _percentile(sorted_values: list[float], percent: float) -> int:
    """Nearest-rank percentile of a non-empty sorted list."""
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return round(sorted_values[rank - 1])


def attestation_generation_times(*, days: int = 7) -> GenerationTimes:
    """Time from « Envoyer la demande » (or the last retry before it) to the attestation
    generated, over the generations of the last ``days`` days (the most recent
    ``GENERATION_TIMES_MAX_ROWS``). A conversion retried by the job counts with its wait:
    that is what the client waited. One query."""
    since = timezone.now() - datetime.timedelta(days=days)
    started = (
        AttestationEvent.objects.filter(
            request_id=OuterRef("request_id"),
            kind__in=[Kind.SUBMITTED, Kind.RETRIED],
            at__lte=OuterRef("at"),
        )
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    rows = (
        AttestationEvent.objects.filter(kind=Kind.GENERATED, at__gte=since)
        .annotate(started=Subquery(started))
        .order_by("-at", "-id")
        .values_list("at", "started")[:GENERATION_TIMES_MAX_ROWS]
    )
    durations = sorted(
        (generated - start).total_seconds() * 1000 for generated, start in rows if start
    )
    if not durations:
        return GenerationTimes(count=0, p50_ms=None, p95_ms=None)
    return GenerationTimes(
        count=len(durations),
        p50_ms=_percentile(durations, 50),
        p95_ms=_percentile(durations, 95),
    )
