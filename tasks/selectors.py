"""Reads of the task workflow: applicable task templates, a task's recipients (users, groups,
the client's account manager), a staff member's inbox, who may decide a task, and the
« déjà traitée par … » sentence.
"""

from collections.abc import Collection

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from modulr.formatting import format_date, user_display_name

from .models import Task, TaskTemplate, TaskType, Trigger

DECIDE_ANY_PERMISSION = "tasks.decide_any_task"
VIEW_ANY_PERMISSION = "tasks.view_task"

# What each type of task may end with. An extranet validation task (an attestation waiting
# to be shared) must end by a decision that does something with the document, never by a
# bare « Terminée » that would leave it in limbo.
OUTCOMES_BY_TYPE: dict[str, frozenset[str]] = {
    TaskType.NOTIFICATION: frozenset({Task.Status.DONE, Task.Status.CANCELLED}),
    TaskType.ACTION: frozenset({Task.Status.DONE, Task.Status.CANCELLED}),
    TaskType.VALIDATION: frozenset(
        {Task.Status.APPROVED, Task.Status.REFUSED, Task.Status.DONE, Task.Status.CANCELLED}
    ),
    TaskType.VALIDATION_EXTRANET: frozenset(
        {Task.Status.APPROVED, Task.Status.REFUSED, Task.Status.CANCELLED}
    ),
}

DECIDED_STATUSES = frozenset(Task.Status.values) - {Task.Status.OPEN}


EXTRANET_TRIGGERS = frozenset({Trigger.EXTRANET_ATTESTATION_REQUEST})


def task_template_errors(*, type: str, trigger: str, has_recipients: bool) -> dict[str, str]:
    """What is wrong with a template's settings, by field (empty when it is fine)."""
    errors = {}
    if not has_recipients:
        errors["recipient_users"] = gettext(
            "Indiquez au moins un destinataire : un utilisateur, un groupe "
            "ou le gestionnaire du client."
        )
    if type == TaskType.VALIDATION_EXTRANET and trigger not in EXTRANET_TRIGGERS:
        errors["trigger"] = gettext(
            "Une tâche « Validation (action extranet) » doit être déclenchée par une action "
            "client depuis l'extranet client."
        )
    return errors


def task_templates_applicable(
    *, trigger: str, product, types: Collection[str] | None = None
) -> QuerySet[TaskTemplate]:
    """The active templates fired by ``trigger`` for a contract of ``product``.

    A template with no product applies to every product. ``types`` narrows to some task
    types (e.g. ``{TaskType.VALIDATION_EXTRANET}``: "does this request need validation?").
    """
    for_product = TaskTemplate.products.through.objects.filter(tasktemplate_id=OuterRef("pk"))
    templates = TaskTemplate.objects.filter(is_active=True, trigger=trigger).filter(
        ~Exists(for_product) | Exists(for_product.filter(product_id=product.pk))
    )
    if types is not None:
        templates = templates.filter(type__in=list(types))
    return templates.order_by("pk")


def _recipient_condition(user) -> Q:
    """``user`` is a recipient: named, through one of their groups, or as account manager.

    ``Exists`` rather than joins: a user reached twice (named and through a group) still
    gets one row, with no DISTINCT over the whole inbox.
    """
    named = Task.recipient_users.through.objects.filter(task_id=OuterRef("pk"), user_id=user.pk)
    user_groups = Group.objects.filter(user=user.pk).values("pk")
    via_group = Task.recipient_groups.through.objects.filter(
        task_id=OuterRef("pk"), group_id__in=user_groups
    )
    return Q(Exists(named)) | Q(Exists(via_group)) | Q(account_manager_id=user.pk)


def tasks_for_user(*, user, status: str | Collection[str] | None = None) -> QuerySet[Task]:
    """The inbox « Mes tâches »: tasks addressed to ``user``, priority first then by due date.

    ``status`` is one status, several, or None for all. Each task is annotated with
    ``is_overdue`` (open and due before today).
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return Task.objects.none()
    tasks = Task.objects.filter(_recipient_condition(user))
    if isinstance(status, str):
        tasks = tasks.filter(status=status)
    elif status is not None:
        tasks = tasks.filter(status__in=list(status))
    return task_annotate_overdue(tasks).order_by("-is_priority", "due_date", "created_at", "pk")


def task_annotate_overdue(tasks: QuerySet[Task]) -> QuerySet[Task]:
    today = timezone.localdate()
    return tasks.annotate(
        is_overdue=ExpressionWrapper(
            Q(status=Task.Status.OPEN, due_date__lt=today), output_field=BooleanField()
        )
    )


def tasks_open_count_for_user(*, user) -> int:
    """How many tasks wait for ``user`` (the figure on the intranet's home page)."""
    return tasks_for_user(user=user, status=Task.Status.OPEN).order_by().count()


def task_recipients(*, task: Task) -> QuerySet:
    """The active users a task is addressed to, each once: named, through a group, or as the
    client's account manager."""
    User = get_user_model()
    named = Task.recipient_users.through.objects.filter(task_id=task.pk, user_id=OuterRef("pk"))
    via_group = Task.recipient_groups.through.objects.filter(
        task_id=task.pk, group__user=OuterRef("pk")
    )
    return User.objects.filter(
        Q(Exists(named)) | Q(Exists(via_group)) | Q(pk=task.account_manager_id), is_active=True
    ).order_by("pk")


def task_is_recipient(*, task: Task, user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return Task.objects.filter(pk=task.pk).filter(_recipient_condition(user)).exists()


def task_can_decide(*, task: Task, user) -> bool:
    """Only the task's recipients, or staff given « Peut décider de toute tâche », decide."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.has_perm(DECIDE_ANY_PERMISSION) or task_is_recipient(task=task, user=user)


def task_outcome_allowed(*, task: Task, outcome: str) -> bool:
    return outcome in OUTCOMES_BY_TYPE.get(task.type, frozenset())


def task_can_mark_done(*, task: Task, user) -> bool:
    """Whether the intranet offers the generic « Marquer comme terminée » on this task."""
    return (
        task.is_open
        and task_outcome_allowed(task=task, outcome=Task.Status.DONE)
        and task_can_decide(task=task, user=user)
    )


def task_decision_taken_message(*, task: Task) -> str:
    """« Cette tâche a déjà été traitée par Bob (validée) le 28/11/2026 à 10:12. »

    What the second person to decide a task reads, whatever the task.
    """
    who = user_display_name(task.decided_by) if task.decided_by else gettext("le système")
    decided_at = timezone.localtime(task.decided_at) if task.decided_at else None
    return gettext(
        "Cette tâche a déjà été traitée par %(who)s (%(status)s) le %(date)s à %(time)s."
    ) % {
        "who": who,
        "status": task.get_status_display().lower(),
        "date": format_date(decided_at.date()) if decided_at else "",
        "time": f"{decided_at:%H:%M}" if decided_at else "",
    }


def task_get_for_staff(*, user, pk: int) -> Task | None:
    """The task ``pk`` if ``user`` may see it (a recipient, or staff who may view every task),
    annotated with ``is_overdue``; None otherwise."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    tasks = Task.objects.select_related(
        "client", "contract", "requested_by", "account_manager", "decided_by", "template"
    )
    if not (user.has_perm(VIEW_ANY_PERMISSION) or user.has_perm(DECIDE_ANY_PERMISSION)):
        tasks = tasks.filter(_recipient_condition(user))
    return task_annotate_overdue(tasks).filter(pk=pk).first()
