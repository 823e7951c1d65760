"""The workflow's background job. It takes an id, holds no logic, and is sent after commit.

With a broker it goes to a Celery worker (under its old name, ``documents.jobs.…``); on the
embedded default it runs in a small pool of threads of the web process (docs/attestations.md).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# A conversion that failed (converter restarting, LibreOffice hung) is tried again after
# these delays before the request is marked failed.
CONVERSION_RETRY_COUNTDOWNS = (10, 30)


# The name it had before the workflow moved into its own package: jobs already queued, and
# workers of the previous release, keep finding it.
@shared_task(
    name="documents.jobs.attestation_request_generate",
    bind=True,
    acks_late=True,
    max_retries=len(CONVERSION_RETRY_COUNTDOWNS),
)
def attestation_request_generate(self, request_id: int) -> None:
    from documents.engine import ConversionError

    from .process import attestation_request_process

    retries = self.request.retries
    try:
        attestation_request_process(
            request_id=request_id,
            retry_conversion=retries < len(CONVERSION_RETRY_COUNTDOWNS),
            worker=self.request.hostname or _this_process(),
        )
    except ConversionError as error:
        raise self.retry(exc=error, countdown=CONVERSION_RETRY_COUNTDOWNS[retries]) from error


def attestation_request_send(request_id: int) -> None:
    """Generate the request once the current transaction commits (at once outside one).

    ``robust``: a broker that cannot be reached must not turn the client's committed request
    into an error page. The request then stays pending without ``queued_at``; the recovery
    sends it again within seconds once the broker answers (docs/attestations.md).
    """

    # A named function, not a partial: Django's log line for a failed robust callback reads
    # its __qualname__.
    def send_job() -> None:
        attestation_request_dispatch(request_id)

    transaction.on_commit(send_job, robust=True)


def attestation_requests_send(request_ids: list[int]) -> None:
    """``attestation_request_send`` for many requests at once (a batch's): one callback after
    commit, one UPDATE of ``queued_at`` rather than one per request."""
    ids = list(request_ids)

    def send_jobs() -> None:
        attestation_requests_dispatch(ids)

    transaction.on_commit(send_jobs, robust=True)


def attestation_requests_dispatch(request_ids: list[int]) -> None:
    """``attestation_request_dispatch`` for many: each job sent, then ``queued_at`` of those
    the broker accepted, in one UPDATE, even when it stops answering half way (the others
    stay unsent: the recovery sends them again)."""
    if not attestation_request_generate.app.conf.task_always_eager:
        sent: list[int] = []
        try:
            for request_id in request_ids:
                attestation_request_generate.delay(request_id)  # raises when the broker is down
                sent.append(request_id)
        finally:
            _queued(*sent)
    elif transaction.get_connection().in_atomic_block:
        for request_id in request_ids:
            attestation_request_dispatch(request_id)
    else:
        # Recorded before the threads start: none of them waits on this write.
        _queued(*request_ids)
        for request_id in request_ids:
            future = _in_process_pool().submit(_run_in_thread, request_id)
            _running.add(future)
            future.add_done_callback(_running.discard)


def attestation_request_dispatch(request_id: int) -> None:
    """Send the job now and record that it was accepted (``queued_at``); raises if the broker
    cannot be reached. Callers inside a transaction use ``attestation_request_send``."""
    if not attestation_request_generate.app.conf.task_always_eager:
        attestation_request_generate.delay(request_id)  # raises when the broker is down
    elif transaction.get_connection().in_atomic_block:
        # Still inside a transaction (a test's, or a caller's that chose so): another thread
        # could not see the request yet, so run here.
        _queued(request_id)
        attestation_request_generate.apply(args=[request_id])
        return
    else:
        future = _in_process_pool().submit(_run_in_thread, request_id)
        _running.add(future)
        future.add_done_callback(_running.discard)
    _queued(request_id)


def _queued(*request_ids: int) -> None:
    """The jobs were accepted: the recovery's « never sent » rule no longer applies."""
    from documents.models import AttestationRequest

    if request_ids:
        AttestationRequest.objects.filter(pk__in=request_ids).update(queued_at=timezone.now())


def _this_process() -> str:
    """Who runs a job outside a Celery worker (the embedded default): host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_running: set[Future] = set()


def in_process_jobs_wait(timeout: float | None = None) -> bool:
    """Wait for the jobs running in this process's threads; False if some still run."""
    _done, not_done = wait(list(_running), timeout=timeout)
    return not not_done


def _in_process_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=max(1, settings.ATTESTATION_JOB_THREADS),
                thread_name_prefix="modulr-job",
            )
        return _pool


def _run_in_thread(request_id: int) -> None:
    try:
        attestation_request_generate.apply(args=[request_id])
    except Exception:
        logger.exception("Job de la demande d'attestation %s", request_id)
    finally:
        connections.close_all()  # this thread's connections only
