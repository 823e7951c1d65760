"""One log line per state change of a request, for operations (``LOG_FORMAT=json``): its
id, new status, attempt and time since it was submitted.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

logger = logging.getLogger(__name__)


def attestation_request_state_log(
    *, request_id: int, status: str, attempt: int, created_at: datetime.datetime
) -> None:
    """Log ``attestation_request.state``. Call it right after the conditional UPDATE that
    changed the status, at the end of its transaction: nothing that could roll it back
    comes after. Not ``on_commit``: the workflow's commit callbacks are the jobs and e-mails
    it sends, and stay only those."""
    since_submit = timezone.now() - created_at
    logger.info(
        "attestation_request.state",
        extra={
            "request_id": request_id,
            "status": str(status),
            "attempt": attempt,
            "since_submit_ms": round(since_submit.total_seconds() * 1000),
        },
    )
