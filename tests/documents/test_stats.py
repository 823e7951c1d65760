"""The figures of ``documents.attestations.stats``: counts by status, requests per day by
outcome (on the local day they were submitted, as they end now), generation percentiles."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from documents.attestations.stats import (
    DayCounts,
    attestation_generation_times,
    attestation_request_technical_error,
    attestation_requests_per_day,
    attestation_requests_status_counts,
)
from documents.models import AttestationEvent, AttestationRequest
from tests.documents.request_helpers import fleet_offer_make, request_make

Status = AttestationRequest.Status
Kind = AttestationEvent.Kind
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def offer(client_a):
    return fleet_offer_make(client_a)


def _at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def test_status_counts_give_every_status(offer, client_a_user):
    request_make(offer, client_a_user, status=Status.READY)
    request_make(offer, client_a_user, status=Status.FAILED)
    request_make(offer, client_a_user, status=Status.FAILED)

    counts = attestation_requests_status_counts()

    assert counts == {
        "pending": 0, "generating": 0, "ready": 1, "awaiting_validation": 0, "refused": 0,
        "failed": 2,
    }  # fmt: skip


def test_requests_per_day_by_outcome(offer, client_a_user):
    def make(day, status, *, validation=False, hour=10):
        request_make(offer, client_a_user, status=status, needs_validation=validation,
                     created_at=_at(day, hour))  # fmt: skip

    yesterday = TODAY - datetime.timedelta(days=1)
    make(TODAY, Status.READY)
    make(TODAY, Status.READY)
    make(TODAY, Status.READY, validation=True)
    make(TODAY, Status.REFUSED, validation=True)
    make(TODAY, Status.FAILED)
    make(TODAY, Status.PENDING)  # no outcome yet: not counted
    make(TODAY, Status.AWAITING_VALIDATION, validation=True)  # not counted either
    make(yesterday, Status.READY, hour=23)  # late evening: still yesterday, in Paris
    make(TODAY, Status.FAILED, hour=0)  # 00:00 in Paris is yesterday in UTC: today here
    make(TODAY - datetime.timedelta(days=30), Status.READY)  # out of the 30 days

    days = attestation_requests_per_day(days=30, today=TODAY)

    assert len(days) == 30
    assert days[0].day == TODAY - datetime.timedelta(days=29)
    assert days[-1] == DayCounts(day=TODAY, shared_at_once=2, validated=1, refused=1, failed=2)
    assert days[-2] == DayCounts(day=yesterday, shared_at_once=1)
    assert sum(day.total for day in days) == 7


def _generation(offer, user, *, started_ms_ago: int, took_ms: int, retried_ms_ago=None):
    request = request_make(offer, user, status=Status.READY)
    now = timezone.now()
    submitted = now - datetime.timedelta(milliseconds=started_ms_ago)
    events = [AttestationEvent(request=request, kind=Kind.SUBMITTED, at=submitted)]
    start = submitted
    if retried_ms_ago is not None:
        start = now - datetime.timedelta(milliseconds=retried_ms_ago)
        events.append(AttestationEvent(request=request, kind=Kind.RETRIED, at=start))
    generated = start + datetime.timedelta(milliseconds=took_ms)
    events.append(AttestationEvent(request=request, kind=Kind.GENERATED, at=generated))
    AttestationEvent.objects.bulk_create(events)


def test_generation_times_percentiles(offer, client_a_user):
    for took in range(100, 2100, 100):  # 20 generations: 100, 200 ... 2000 ms
        _generation(offer, client_a_user, started_ms_ago=60_000, took_ms=took)
    # Failed, then retried an hour later and generated in 150 ms: measured from the retry.
    _generation(offer, client_a_user, started_ms_ago=7_200_000, retried_ms_ago=60_000,
                took_ms=150)  # fmt: skip
    # Eight days ago: out of the window.
    _generation(offer, client_a_user, started_ms_ago=8 * 86_400_000, took_ms=99_000)

    times = attestation_generation_times(days=7)

    assert times.count == 21
    assert times.p50_ms == 1000  # nearest rank: the 11th of 21
    assert times.p95_ms == 1900  # the 20th of 21


def test_generation_times_without_generation(db):
    times = attestation_generation_times(days=7)

    assert (times.count, times.p50_ms, times.p95_ms) == (0, None, None)


def test_the_technical_error_is_the_staff_line():
    request = AttestationRequest(error="Réessayez.\nDétail technique : ConversionError: boum")

    assert (
        attestation_request_technical_error(request) == "Détail technique : ConversionError: boum"
    )
