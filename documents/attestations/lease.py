"""The lease of a request being generated: while its job works, a thread of the job refreshes
the request's ``updated_at`` every few seconds (the render and the conversion run in child
processes, so the thread keeps running). A request ``generating`` whose lease is older than
``ATTESTATION_REQUEST_LEASE_SECONDS`` has lost its job (worker killed, machine gone): the
« stale » rule (``selectors.attestation_requests_stale_q``) lets it be claimed again, seconds
after the death instead of after the job's hard time limit (docs/attestations.md).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from documents.models import AttestationRequest

logger = logging.getLogger(__name__)

# Renewed this many times per lease: a renewal may fail (database restarting) and the next
# still comes in time.
RENEWALS_PER_LEASE = 6


def lease_renew_every() -> float:
    return max(0.5, settings.ATTESTATION_REQUEST_LEASE_SECONDS / RENEWALS_PER_LEASE)


@contextlib.contextmanager
def attestation_request_lease(*, request_id: int, attempt: int) -> Iterator[None]:
    """Hold the request (claimed by ``attempt``) while the block runs.

    Inside a caller's transaction (tests running a job inline) nobody else sees the row, and
    another connection could not update it: nothing to hold.
    """
    if transaction.get_connection().in_atomic_block:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_renew,
        args=(request_id, attempt, stop),
        name=f"lease-{request_id}",
        daemon=True,  # a job killed by its time limit takes its lease with it
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _renew(request_id: int, attempt: int, stop: threading.Event) -> None:
    held = AttestationRequest.objects.filter(
        pk=request_id, status=AttestationRequest.Status.GENERATING, attempts=attempt
    )
    try:
        while not stop.wait(lease_renew_every()):
            try:
                if not held.update(updated_at=timezone.now()):
                    return  # taken over (thought dead) or closed: its end will find out
            except DatabaseError as error:
                # Tried again at the next renewal; if the database stays away for the whole
                # lease, another job may take the request and this one's document is dropped.
                logger.warning(
                    "Demande d'attestation %s : bail non renouvelé (%s)", request_id, error
                )
                connections["default"].close()
    finally:
        connections.close_all()  # this thread's own connections
