"""Extension point of the task page: other apps add a block to it without ``tasks`` knowing them.

The attestation workflow registers one, in ``intranet/admin_attestations.py`` (imported
with the intranet's admin modules): for the tasks it created, it returns the template showing
the attestation, the beneficiary, the values the client typed and the « Valider » /
« Refuser » buttons::

    from tasks.registry import register_task_detail

    @register_task_detail
    def attestation_task_block(task, request):
        attestation_request = attestation_request_for_task(task=task)
        if attestation_request is None:
            return None
        return "intranet/attestation_task_extra.html", {...}

A hook returns ``(template_name, context)`` or ``None`` when the task is none of its business.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .models import Task

TaskDetailHook = Callable[[Task, HttpRequest], tuple[str, dict[str, Any]] | None]

_task_detail_hooks: list[TaskDetailHook] = []


def register_task_detail(hook: TaskDetailHook) -> TaskDetailHook:
    """Adds ``hook`` to the task page, once however often ``ready()`` runs (a decorator too)."""
    if hook not in _task_detail_hooks:
        _task_detail_hooks.append(hook)
    return hook


def unregister_task_detail(hook: TaskDetailHook) -> None:
    if hook in _task_detail_hooks:
        _task_detail_hooks.remove(hook)


def task_detail_blocks(task: Task, request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    """The ``(template_name, context)`` blocks the registered hooks give for ``task``."""
    blocks = []
    for hook in _task_detail_hooks:
        block = hook(task, request)
        if block is not None:
            blocks.append(block)
    return blocks
