"""The workflow's background job. It takes an id, holds no logic, and is sent after commit.

With a broker it goes to a Celery worker (under its old name, ``documents.jobs.…``); on the
embedded default it runs in a small pool of threads of the web process (docs/attestations.md).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction

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
            request_id=request_id, retry_conversion=retries < len(CONVERSION_RETRY_COUNTDOWNS)
        )
    except ConversionError as error:
        raise self.retry(exc=error, countdown=CONVERSION_RETRY_COUNTDOWNS[retries]) from error


def attestation_request_send(request_id: int) -> None:
    """Generate the request once the current transaction commits (at once outside one).

    ``robust``: a broker that cannot be reached must not turn the client's committed request
    into an error page; the request stays pending, becomes stale, and can be retried.
    """
    transaction.on_commit(partial(_send, request_id), robust=True)


def _send(request_id: int) -> None:
    if not attestation_request_generate.app.conf.task_always_eager:
        attestation_request_generate.delay(request_id)
    elif transaction.get_connection().in_atomic_block:
        # Still inside a transaction (a test's, or a caller's that chose so): another thread
        # could not see the request yet, so run here.
        attestation_request_generate.apply(args=[request_id])
    else:
        future = _in_process_pool().submit(_run_in_thread, request_id)
        _running.add(future)
        future.add_done_callback(_running.discard)


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
