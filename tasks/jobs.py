"""Background jobs of the task workflow. They take ids and hold no logic."""

from celery import shared_task


@shared_task
def notify_task_recipients(task_id: int) -> None:
    from .services import task_recipients_notify

    task_recipients_notify(task_id=task_id)
