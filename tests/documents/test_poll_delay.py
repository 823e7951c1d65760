"""How soon the client's page asks again about a request in progress."""

import datetime

import pytest
from django.utils import timezone

from documents.attestations.selectors import attestation_request_poll_delay_ms
from documents.models import AttestationRequest

Status = AttestationRequest.Status

SENT = timezone.make_aware(datetime.datetime(2026, 11, 28, 10, 0, 0))


def _after(seconds: float) -> datetime.datetime:
    return SENT + datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("age", "delay"),
    [(0, 100), (1.9, 100), (2, 250), (9.9, 250), (10, 1000), (600, 1000)],
)
def test_polls_start_fast_and_slow_down_with_the_requests_age(age, delay):
    request = AttestationRequest(created_at=SENT, status=Status.GENERATING)
    assert attestation_request_poll_delay_ms(request, now=_after(age)) == delay


def test_a_request_no_job_has_taken_yet_is_asked_about_every_second():
    """Just sent, its job not started yet: polled fast. Still waiting half a second later: it
    is queued behind others, polled every second until a job takes it."""
    request = AttestationRequest(created_at=SENT, status=Status.PENDING)
    assert attestation_request_poll_delay_ms(request, now=_after(0.3)) == 100
    assert attestation_request_poll_delay_ms(request, now=_after(0.5)) == 1000
    request.status = Status.GENERATING
    assert attestation_request_poll_delay_ms(request, now=_after(0.6)) == 100


def test_the_age_runs_from_the_last_time_a_job_was_sent():
    """A retry, or a job sent again by the recovery, an hour later: fast polls again."""
    request = AttestationRequest(created_at=SENT, queued_at=_after(3600), status=Status.GENERATING)
    assert attestation_request_poll_delay_ms(request, now=_after(3601)) == 100
    assert attestation_request_poll_delay_ms(request, now=_after(3605)) == 250
