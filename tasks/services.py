"""Writes of the task workflow: create tasks from the templates a trigger matches, decide a
task (one decision, a conditional UPDATE), and e-mail its recipients once.
"""

import datetime
from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from contracts.mail import email_message, recipient_language
from modulr.formatting import format_date, user_display_name

from .jobs import notify_task_recipients
from .models import Task
from .selectors import (
    DECIDED_STATUSES,
    task_can_decide,
    task_outcome_allowed,
    task_recipients,
    task_templates_applicable,
)


def tasks_create_for_trigger(
    *,
    trigger: str,
    product,
    client,
    contract=None,
    requested_by=None,
    subject_suffix: str = "",
    types: Collection[str] | None = None,
) -> list[Task]:
    """Creates one task per active template that ``trigger`` fires for ``product``.

    Each task copies its template's subject (followed by `` – {subject_suffix}`` when given),
    description, type and priority; it is due ``due_in_days`` after today; it goes to the
    template's users and groups and, when the template says so, to ``client``'s account
    manager as of now. Every recipient is told by e-mail once the transaction commits.
    ``types`` narrows to some task types. Returns the tasks, in template order (none when no
    template applies).
    """
    templates = task_templates_applicable(
        trigger=trigger, product=product, types=types
    ).prefetch_related("recipient_users", "recipient_groups")
    today = timezone.localdate()
    tasks = []
    with transaction.atomic():
        for template in templates:
            subject = template.subject
            if subject_suffix:
                subject = f"{subject} – {subject_suffix}"
            task = Task.objects.create(
                template=template,
                subject=subject[: Task._meta.get_field("subject").max_length],
                description=template.description,
                type=template.type,
                due_date=today + datetime.timedelta(days=template.due_in_days),
                is_priority=template.is_priority,
                client=client,
                contract=contract,
                requested_by=requested_by,
                account_manager_id=(
                    client.account_manager_id if template.recipient_account_manager else None
                ),
            )
            task.recipient_users.set(template.recipient_users.all())
            task.recipient_groups.set(template.recipient_groups.all())
            # After commit: the job must find the task, and a rolled-back request tells nobody.
            notify_task_recipients.delay_on_commit(task.pk)
            tasks.append(task)
    return tasks


def task_decide(*, task: Task, user, outcome: str, note: str = "") -> bool:
    """Closes ``task`` with ``outcome`` on behalf of ``user``; True only for the one who won.

    Two people deciding at once: the conditional UPDATE (``WHERE status = 'open'``) lets one
    row change; the other caller gets False and ``task`` refreshed with the decision taken.
    Call it inside your own ``atomic()`` and act on the outcome (share, destroy) only when it
    returns True: the row stays locked until you commit, and a rollback undoes the decision.

    Raises ``PermissionDenied`` when ``user`` may not decide this task, ``ValueError`` for an
    outcome this type of task cannot end with.
    """
    if outcome not in DECIDED_STATUSES or not task_outcome_allowed(task=task, outcome=outcome):
        raise ValueError(f"Issue {outcome!r} impossible pour une tâche de type {task.type!r}.")
    if not task_can_decide(task=task, user=user):
        raise PermissionDenied(gettext("Vous ne pouvez pas traiter cette tâche."))
    return _task_close(task=task, outcome=outcome, user=user, note=note)


def task_cancel(*, task: Task, note: str = "") -> bool:
    """Cancels an open task on the system's behalf (e.g. what it was about no longer exists).

    Same race rule as ``task_decide``: True only if this call closed it.
    """
    return _task_close(task=task, outcome=Task.Status.CANCELLED, user=None, note=note)


def _task_close(*, task: Task, outcome: str, user, note: str) -> bool:
    now = timezone.now()
    won = (
        Task.objects.filter(pk=task.pk, status=Task.Status.OPEN).update(
            status=outcome, decided_by=user, decided_at=now, decision_note=note
        )
        == 1
    )
    if won:
        task.status, task.decided_by, task.decided_at, task.decision_note = (
            outcome,
            user,
            now,
            note,
        )
    else:
        task.refresh_from_db(fields=["status", "decided_by", "decided_at", "decision_note"])
    return won


def task_recipients_notify(*, task_id: int) -> int:
    """E-mails each recipient of the task, one message each; returns how many were sent.

    Safe to run twice: a task whose recipients were told is skipped. ``notified_at`` is
    written last, so a job killed mid-way sends again rather than never.
    """
    task = (
        Task.objects.select_related("client", "contract", "requested_by")
        .filter(pk=task_id, notified_at__isnull=True)
        .first()
    )
    if task is None:
        return 0
    url = settings.SITE_URL.rstrip("/") + reverse("intranet:tasks_inbox_task", args=[task.pk])
    context = {
        "task": task,
        "url": url,
        "due": format_date(task.due_date),
        "requested_by": user_display_name(task.requested_by) if task.requested_by else "",
    }
    messages = [
        email_message(
            name="task_assigned",
            context={**context, "name": user_display_name(recipient)},
            to=recipient.email,
            language=recipient_language(recipient),
        )
        for recipient in task_recipients(task=task).exclude(email="")
    ]
    if messages:
        get_connection().send_messages(messages)
    Task.objects.filter(pk=task.pk).update(notified_at=timezone.now())
    return len(messages)
