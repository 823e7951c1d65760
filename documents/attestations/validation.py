"""Prior validation: the task opened with a request, then staff's « Valider » (shared on the
extranet) or « Refuser » (destroyed, refused with a reason); the client is e-mailed either way.

A task is decided once (``tasks.services.task_decide``); the notes: docs/attestations.md.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from documents.models import AttestationBatch, AttestationEvent, AttestationRequest, Document
from documents.services import document_destroy
from tasks.models import Task, TaskType, Trigger
from tasks.services import task_cancel, task_decide, tasks_create_for_trigger

from .logs import attestation_request_state_log

logger = logging.getLogger(__name__)

REFUSAL_REASON_MAX_LENGTH = 2000


class AttestationDecisionImpossible(Exception):
    """The request cannot be decided now; ``str(exc)`` is the French reason for staff."""


# -- opening the validation -------------------------------------------------------------------


def attestation_validation_open(*, request: AttestationRequest) -> list[Task]:
    """Creates the validation task of ``request`` and links it; returns the tasks created.

    Call it inside the transaction that records the request: the recipients are e-mailed
    once it commits, and a rolled-back request leaves no task behind.

    Each applicable template generates its task (subject, due date, priority, description,
    recipients). A request has one decision, so when several templates apply their tasks
    are merged into the first one (by template): it gathers every recipient, the earliest
    due date and the priority of any; the others are deleted before anyone was told. Returns
    ``[]`` when no template applies any more (deactivated since the caller checked).
    """
    contract = request.contract
    task = _validation_task_open(
        contract=contract,
        user=request.user,
        subject_suffix=" – ".join(
            part for part in (contract.numero, request.title, request.beneficiary_label) if part
        ),
    )
    if task is None:
        return []
    AttestationRequest.objects.filter(pk=request.pk).update(task=task)
    request.task = task
    return [task]


def attestation_batch_validation_open(*, batch: AttestationBatch, count: int) -> Task | None:
    """ONE validation task for the whole batch (``count`` requests), linked to the batch and
    to each of its requests; same rules and same call site as ``attestation_validation_open``.
    None when no template applies any more."""
    from .batch_selectors import attestation_batch_summary

    contract = batch.contract
    task = _validation_task_open(
        contract=contract,
        user=batch.user,
        subject_suffix=f"{contract.numero} – {attestation_batch_summary(batch, count)}",
    )
    if task is not None:
        AttestationBatch.objects.filter(pk=batch.pk).update(task=task)
        AttestationRequest.objects.filter(batch=batch).update(task=task)
        batch.task = task
    return task


def _validation_task_open(*, contract, user, subject_suffix: str) -> Task | None:
    tasks = tasks_create_for_trigger(
        trigger=Trigger.EXTRANET_ATTESTATION_REQUEST,
        types={TaskType.VALIDATION_EXTRANET},
        product=contract.product,
        client=contract.client,
        contract=contract,
        requested_by=user,
        subject_suffix=subject_suffix,
    )
    return _tasks_merge(tasks) if tasks else None


def attestation_validation_reconsider(*, request: AttestationRequest, required: bool) -> bool:
    """At a retry, apply the answer asked again (``attestation_validation_required``).

    Required: the request keeps its open task, or gets a new one (validation was switched
    on since it was sent). Not required any more: its open task is cancelled, nobody has to
    decide it, and the attestation will be shared at once. Call it inside the retry's
    transaction, before the job is sent; returns ``needs_validation`` as now stored.
    """
    task = request.task
    if required and (task is None or not task.is_open):
        required = bool(attestation_validation_open(request=request))
    elif not required and task is not None and task.is_open and _shared_with_batch(request):
        # The batch's one task still decides the others: only this request leaves it.
        AttestationRequest.objects.filter(pk=request.pk).update(task=None)
        request.task = None
    elif not required and task is not None and task.is_open:
        task_cancel(
            task=task,
            note=gettext(
                "La validation ne s'applique plus à ce contrat : l'attestation est partagée "
                "dès sa génération."
            ),
        )
    AttestationRequest.objects.filter(pk=request.pk).update(needs_validation=required)
    request.needs_validation = required
    return required


def _tasks_merge(tasks: list[Task]) -> Task:
    """One task for one request: the first, with the recipients of all (see above)."""
    first, others = tasks[0], tasks[1:]
    if not others:
        return first
    for other in others:
        first.recipient_users.add(*other.recipient_users.all())
        first.recipient_groups.add(*other.recipient_groups.all())
        first.account_manager_id = first.account_manager_id or other.account_manager_id
        first.is_priority = first.is_priority or other.is_priority
        first.due_date = min(first.due_date, other.due_date)
    first.save(update_fields=["account_manager", "is_priority", "due_date"])
    # Their e-mail jobs run after commit and find no task: nobody hears of them.
    Task.objects.filter(pk__in=[other.pk for other in others]).delete()
    return first


# -- the decision -----------------------------------------------------------------------------


def attestation_request_approve(*, request: AttestationRequest, user) -> bool:
    """« Valider »: shares the attestation on the extranet now; True if this call decided.

    False when the task was already decided (``request.task`` then tells by whom: see
    ``tasks.selectors.task_decision_taken_message``). Raises ``PermissionDenied`` when ``user`` may
    not decide, ``AttestationDecisionImpossible`` when the attestation is not generated yet
    or is gone; nothing is decided then. The client is e-mailed once the decision commits.
    """
    task = _task_of(request)
    with _undone_in_memory_on_error(task), transaction.atomic():
        if not task_decide(task=task, user=user, outcome=Task.Status.APPROVED):
            return False
        locked = _approve_one(request, user, timezone.now())
        transaction.on_commit(partial(_email, "approved", locked.pk), robust=True)
    request.refresh_from_db()
    return True


def _approve_one(request: AttestationRequest, user, now) -> AttestationRequest:
    """Share one attestation waiting for validation; the task is already decided by the
    caller, in the caller's transaction."""
    locked = _awaiting_validation_locked(request)
    document = Document.objects.select_for_update().filter(pk=locked.document_id).first()
    if document is None or not _main_file_stored(document):
        raise AttestationDecisionImpossible(
            gettext("L'attestation générée est introuvable : elle ne peut pas être partagée.")
        )
    Document.objects.filter(pk=document.pk).update(
        shared_on_extranet=True, shared_at=now, shared_by=user
    )
    AttestationRequest.objects.filter(pk=locked.pk).update(
        status=AttestationRequest.Status.READY, decided_by=user, decided_at=now, error=""
    )
    _event(locked, AttestationEvent.Kind.VALIDATED, user, now)
    _event(locked, AttestationEvent.Kind.SHARED, user, now, detail=document.numero or "")
    _state_log(locked, AttestationRequest.Status.READY)
    return locked


def attestation_request_refuse(*, request: AttestationRequest, user, reason: str = "") -> bool:
    """« Refuser »: destroys the attestation in every form; True if this call decided.

    The request stays, refused with ``reason`` (shown to the client). The document's row is
    deleted in the decision's transaction and its files once it commits: a rollback leaves
    the document whole, a commit leaves nothing in the storage. Same returns and errors as
    ``attestation_request_approve``.
    """
    reason = (reason or "").strip()[:REFUSAL_REASON_MAX_LENGTH]
    task = _task_of(request)
    with _undone_in_memory_on_error(task), transaction.atomic():
        if not task_decide(task=task, user=user, outcome=Task.Status.REFUSED, note=reason):
            return False
        locked = _awaiting_validation_locked(request)
        _refuse_one(locked, user, timezone.now(), reason)
        transaction.on_commit(partial(_email, "refused", locked.pk), robust=True)
    request.refresh_from_db()
    return True


def _refuse_one(locked: AttestationRequest, user, now, reason: str) -> None:
    """Refuse one request (its row locked by the caller) and destroy its attestation, if it
    has one; the task is already decided by the caller, in the caller's transaction."""
    AttestationRequest.objects.filter(pk=locked.pk).update(
        status=AttestationRequest.Status.REFUSED,
        refusal_reason=reason,
        decided_by=user,
        decided_at=now,
    )
    _event(locked, AttestationEvent.Kind.REFUSED, user, now, detail=reason)
    document = Document.objects.select_for_update().filter(pk=locked.document_id).first()
    if document is not None:
        destroyed = document_destroy(document=document)
        _event(locked, AttestationEvent.Kind.DESTROYED, user, now, detail=destroyed)
    _state_log(locked, AttestationRequest.Status.REFUSED)


# -- the decision on a batch: one task, each request as above ------------------------------------


def attestation_batch_approve(*, batch: AttestationBatch, user) -> bool:
    """« Valider » a batch: every attestation waiting in it is shared, in one transaction
    (``_approve_one`` for each); True if this call decided. Its failed requests stay failed
    (the client may « Réessayer » them: a retry opens a task of its own). Same returns and
    errors as ``attestation_request_approve``; one e-mail for the batch once committed.
    """
    task = _batch_task_of(batch)
    with _undone_in_memory_on_error(task), transaction.atomic():
        if not task_decide(task=task, user=user, outcome=Task.Status.APPROVED):
            return False
        now = timezone.now()
        for request in _batch_decidable_locked(batch):
            if request.status == AttestationRequest.Status.AWAITING_VALIDATION:
                _approve_one(request, user, now)
        transaction.on_commit(partial(_batch_email, "approved", batch.pk), robust=True)
    return True


def attestation_batch_refuse(*, batch: AttestationBatch, user, reason: str = "") -> bool:
    """« Refuser » a batch: every attestation in it is destroyed in every form and every
    request refused with ``reason``, failed ones too (nothing of the batch is to be retried),
    in one transaction (``_refuse_one`` for each). Same returns and errors as
    ``attestation_batch_approve``."""
    reason = (reason or "").strip()[:REFUSAL_REASON_MAX_LENGTH]
    task = _batch_task_of(batch)
    with _undone_in_memory_on_error(task), transaction.atomic():
        if not task_decide(task=task, user=user, outcome=Task.Status.REFUSED, note=reason):
            return False
        now = timezone.now()
        for request in _batch_decidable_locked(batch):
            _refuse_one(request, user, now, reason)
        transaction.on_commit(partial(_batch_email, "refused", batch.pk), robust=True)
    return True


def _batch_task_of(batch: AttestationBatch) -> Task:
    if batch.task_id is None:
        raise AttestationDecisionImpossible(
            gettext("Cette demande n'attend pas de validation : elle n'a pas de tâche.")
        )
    return batch.task


def _batch_decidable_locked(batch: AttestationBatch) -> list[AttestationRequest]:
    """The batch's requests still under its task, locked, if each one is generated (or
    failed) and some wait; raises otherwise, which rolls the task's decision back."""
    from .batch_selectors import attestation_batch_decidable, attestation_batch_progress

    locked = list(
        AttestationRequest.objects.select_for_update()
        .filter(batch=batch, task_id=batch.task_id)
        .order_by("pk")
    )
    progress = attestation_batch_progress(batch)
    if not attestation_batch_decidable(progress):
        if not progress.finished:
            raise AttestationDecisionImpossible(
                gettext(
                    "Les attestations sont encore en cours de génération : vous pourrez valider "
                    "ou refuser la demande dès qu'elles seront prêtes."
                )
            )
        raise AttestationDecisionImpossible(
            gettext("Aucune attestation de cette demande n'attend de validation.")
        )
    decided = (AttestationRequest.Status.READY, AttestationRequest.Status.REFUSED)
    return [request for request in locked if request.status not in decided]


def _task_of(request: AttestationRequest) -> Task:
    if request.task_id is None:
        raise AttestationDecisionImpossible(
            gettext("Cette demande n'attend pas de validation : elle n'a pas de tâche.")
        )
    if _shared_with_batch(request):
        raise AttestationDecisionImpossible(
            gettext("Cette attestation fait partie d'une demande groupée : décidez la demande "
                    "groupée, depuis sa tâche.")
        )  # fmt: skip
    return request.task


def _shared_with_batch(request: AttestationRequest) -> bool:
    """Whether the request's task is its batch's one task (decided for all at once)."""
    return (
        request.batch_id is not None
        and request.task_id is not None
        and AttestationBatch.objects.filter(pk=request.batch_id, task_id=request.task_id).exists()
    )


@contextmanager
def _undone_in_memory_on_error(task: Task):
    """A decision rolled back by an error: ``task`` in memory says open again, as the row."""
    try:
        yield
    except BaseException:
        task.refresh_from_db(fields=["status", "decided_by", "decided_at", "decision_note"])
        raise


def _awaiting_validation_locked(request: AttestationRequest) -> AttestationRequest:
    """The request's row, locked, if its attestation waits for a decision; raises otherwise.

    Raising inside the caller's ``atomic()`` rolls the task's decision back too.
    """
    locked = AttestationRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != AttestationRequest.Status.AWAITING_VALIDATION:
        raise AttestationDecisionImpossible(_not_awaiting_message(locked))
    return locked


def _not_awaiting_message(request: AttestationRequest) -> str:
    status = AttestationRequest.Status
    if request.status in (status.PENDING, status.GENERATING):
        return gettext(
            "L'attestation est encore en cours de génération : vous pourrez valider ou refuser "
            "la demande dès qu'elle sera prête."
        )
    if request.status == status.FAILED:
        return gettext(
            "La génération de l'attestation a échoué : il n'y a rien à valider ni à refuser."
        )
    return gettext("Cette demande a déjà été traitée (%(status)s).") % {
        "status": request.get_status_display().lower()
    }


def _main_file_stored(document: Document) -> bool:
    main = document.main_file
    return bool(main) and main.storage.exists(main.name)


def _event(request, kind: str, user, at, *, detail: str = "") -> AttestationEvent:
    return AttestationEvent.objects.create(
        request=request, kind=kind, actor=user, at=at, detail=detail
    )


def _state_log(request: AttestationRequest, status: str) -> None:
    attestation_request_state_log(
        request_id=request.pk,
        status=status,
        attempt=request.attempts,
        created_at=request.created_at,
    )


def _email(kind: str, request_id: int) -> None:
    from .emails import attestation_available_email_send, attestation_refused_email_send

    request = AttestationRequest.objects.select_related("user", "contract").get(pk=request_id)
    if kind == "approved":
        attestation_available_email_send(request=request)
    else:
        attestation_refused_email_send(request=request)


def _batch_email(kind: str, batch_id: int) -> None:
    from .emails import attestation_batch_decided_email_send

    batch = AttestationBatch.objects.select_related("user", "contract__product").get(pk=batch_id)
    attestation_batch_decided_email_send(batch=batch, approved=kind == "approved")
