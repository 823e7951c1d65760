"""Requests whose job was lost: sent again, or failed, never left « en cours » forever.

Run by ``manage.py attestation_requests_recover``; each request is taken with a conditional
UPDATE on the « stale » rule, so racing a retry or a late job changes it once
(docs/attestations.md).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from documents.models import AttestationEvent, AttestationRequest

from .jobs import attestation_request_dispatch, attestation_request_send
from .logs import attestation_request_state_log
from .selectors import attestation_requests_stale_q

logger = logging.getLogger(__name__)

Status = AttestationRequest.Status

# Claims of one request (``attempts``: the first run, conversion retries, recoveries) after
# which a lost job is not sent again but failed. A normal request uses 1, 3 at most when
# both conversion retries are needed.
RECOVERY_MAX_ATTEMPTS = 5


# A request recorded this long ago whose job was never accepted by the broker (``queued_at``
# empty) is sent again. Longer than sending takes (it fails fast: modulr/settings.py), so a
# job being sent right now is not sent twice.
UNSENT_AFTER_SECONDS = 5


@dataclass
class Recovered:
    sent: list[int] = field(default_factory=list)  # ids of the requests sent again
    failed: list[int] = field(default_factory=list)  # ids of those marked failed


def _lost() -> Q:
    return attestation_requests_stale_q() & Q(document__isnull=True)


def _unsent() -> Q:
    before = timezone.now() - datetime.timedelta(seconds=UNSENT_AFTER_SECONDS)
    return Q(status=Status.PENDING, queued_at__isnull=True, updated_at__lt=before)


def attestation_requests_recover(*, limit: int = 500) -> Recovered:
    """Send again the job of every lost request (see the module), at most ``limit`` of them,
    oldest first; fail those already claimed ``RECOVERY_MAX_ATTEMPTS`` times. Then send the
    jobs the broker refused (it was down): cheap, run every few seconds."""
    result = Recovered()
    _recover_lost(result, limit)
    unsent = AttestationRequest.objects.filter(_unsent()).order_by("updated_at", "id")
    for request_id in unsent.values_list("pk", flat=True)[:limit]:
        # Taken with a conditional UPDATE (another recovery may be at it); fresh again, so
        # that while the broker stays down it is tried once per UNSENT_AFTER_SECONDS.
        if not AttestationRequest.objects.filter(_unsent(), pk=request_id).update(
            updated_at=timezone.now()
        ):
            continue
        try:
            attestation_request_dispatch(request_id)  # sets queued_at
        except Exception as error:  # noqa: BLE001 - whatever the broker's client raises
            logger.warning(
                "Broker toujours injoignable (%s) : nouvel essai au prochain passage", error
            )
            break  # one failure per run is enough to know: the others wait for the next run
        result.sent.append(request_id)
    return result


def _recover_lost(result: Recovered, limit: int) -> None:
    candidates = (
        AttestationRequest.objects.filter(_lost())
        .order_by("updated_at", "id")
        .values_list("pk", "attempts", "created_at")[:limit]
    )
    for request_id, attempts, created_at in candidates:
        state = {"request_id": request_id, "attempt": attempts, "created_at": created_at}
        if attempts >= RECOVERY_MAX_ATTEMPTS:
            if _fail(state):
                result.failed.append(request_id)
        elif _send_again(state):
            result.sent.append(request_id)


def _send_again(state: dict) -> bool:
    """``state``: the request's id, attempts and submission time (for the log line)."""
    request_id = state["request_id"]
    now = timezone.now()
    with transaction.atomic():
        # Back to pending and fresh again: the client's page shows progress (no « Réessayer »
        # while the new job is queued), and the next recovery run leaves it alone.
        taken = AttestationRequest.objects.filter(_lost(), pk=request_id).update(
            status=Status.PENDING, error="", queued_at=None, updated_at=now
        )
        if not taken:
            return False  # claimed, retried or recovered meanwhile
        AttestationEvent.objects.create(
            request_id=request_id,
            kind=AttestationEvent.Kind.RETRIED,
            at=now,
            detail=gettext("Relancée automatiquement : la génération précédente n'a pas abouti."),
        )
        attestation_request_state_log(status=Status.PENDING, **state)
        attestation_request_send(request_id)  # after commit
    return True


def _fail(state: dict) -> bool:
    request_id, attempts = state["request_id"], state["attempt"]
    text = "{}\n{} : {}".format(
        gettext(
            "La génération de votre attestation a été interrompue à plusieurs reprises. "
            "Réessayez dans quelques instants ; si le problème persiste, contactez votre cabinet."
        ),
        gettext("Détail technique"),
        gettext("travail perdu %(attempts)s fois (processus arrêté pendant la génération)")
        % {"attempts": attempts},
    )
    with transaction.atomic():
        taken = AttestationRequest.objects.filter(_lost(), pk=request_id).update(
            status=Status.FAILED, error=text, updated_at=timezone.now()
        )
        if taken:
            AttestationEvent.objects.create(
                request_id=request_id, kind=AttestationEvent.Kind.FAILED, detail=text
            )
            attestation_request_state_log(status=Status.FAILED, **state)
    return bool(taken)
