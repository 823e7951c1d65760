"""« Mes tâches »: the staff inbox and the task page.

Mounted on the intranet site by ``IntranetSite.get_urls`` behind ``admin_view`` (active
staff only). Who sees and who decides a task is decided by ``tasks.selectors``; other apps
show their own block on the task page (the attestation's, from ``admin_attestations``).
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from tasks.models import Task
from tasks.selectors import (
    DECIDED_STATUSES,
    task_can_mark_done,
    task_decision_taken_message,
    tasks_for_user,
    tasks_open_count_for_user,
)
from tasks.services import task_decide

from .access import task_for_staff_user
from .admin_attestations import attestation_task_block
from .sites import site

INBOX_PAGE_SIZE = 50
INBOX_FILTERS = {
    "a_traiter": (_("À traiter"), Task.Status.OPEN),
    "decidees": (_("Décidées"), DECIDED_STATUSES),
    "toutes": (_("Toutes"), None),
}
INBOX_DEFAULT_FILTER = "a_traiter"


class TaskDoneForm(forms.Form):
    note = forms.CharField(label=_("Commentaire"), max_length=2000, required=False)


def task_urls(admin_site) -> list:
    """The inbox's URLs, for ``IntranetSite.get_urls``."""
    return [
        path("mes-taches/", admin_site.admin_view(task_inbox), name="tasks_inbox"),
        path(
            "mes-taches/<int:pk>/",
            admin_site.admin_view(task_detail),
            name="tasks_inbox_task",
        ),
        path(
            "mes-taches/<int:pk>/terminer/",
            admin_site.admin_view(task_mark_done),
            name="tasks_inbox_done",
        ),
    ]


def index_extra_context(request) -> dict:
    """What the intranet's home page shows of the inbox: the number of open tasks."""
    return {"open_task_count": tasks_open_count_for_user(user=request.user)}


@require_GET
def task_inbox(request):
    current = request.GET.get("statut")
    if current not in INBOX_FILTERS:
        current = INBOX_DEFAULT_FILTER
    tasks = tasks_for_user(user=request.user, status=INBOX_FILTERS[current][1]).select_related(
        "client", "contract"
    )
    page = Paginator(tasks, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **site.each_context(request),
        "title": gettext("Mes tâches"),
        "page_obj": page,
        "filters": [(key, label, key == current) for key, (label, _s) in INBOX_FILTERS.items()],
        "current_filter": current,
    }
    return TemplateResponse(request, "intranet/tasks/inbox.html", context)


@require_GET
def task_detail(request, pk: int):
    task = task_for_staff_user(request.user, pk)
    extra_blocks = []
    if (block := attestation_task_block(task, request)) is not None:
        template_name, block_context = block
        extra_blocks.append(render_to_string(template_name, block_context, request=request))
    context = {
        **site.each_context(request),
        "title": task.subject,
        "task": task,
        "recipient_users": list(task.recipient_users.all()),
        "recipient_groups": list(task.recipient_groups.all()),
        "extra_blocks": extra_blocks,
        "can_mark_done": task_can_mark_done(task=task, user=request.user),
        "done_form": TaskDoneForm(),
    }
    return TemplateResponse(request, "intranet/tasks/task_detail.html", context)


@require_POST
def task_mark_done(request, pk: int):
    task = task_for_staff_user(request.user, pk)
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Le commentaire est trop long (2 000 caractères au plus)."))
        return redirect(f"{site.name}:tasks_inbox_task", pk=task.pk)
    try:
        # PermissionDenied (not a recipient) propagates: a 403 page.
        won = task_decide(
            task=task, user=request.user, outcome=Task.Status.DONE, note=form.cleaned_data["note"]
        )
    except ValueError:
        messages.error(
            request, gettext("Cette tâche ne se termine pas ainsi : elle attend une décision.")
        )
        return redirect(f"{site.name}:tasks_inbox_task", pk=task.pk)
    if won:
        messages.success(request, gettext("La tâche est marquée comme terminée."))
    else:
        messages.warning(request, task_decision_taken_message(task=task))
    return redirect(f"{site.name}:tasks_inbox_task", pk=task.pk)
