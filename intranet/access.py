"""Access helpers: every custom intranet view reaches its objects through these.

Each returns the object when the staff member may see it and raises ``Http404`` otherwise,
so nobody learns which ids exist (as ``extranet.access`` does for clients). Who may see what
is the domain's rule (``tasks.selectors``, ``documents.attestations.selectors``).
"""

from django.http import Http404

from documents.attestations.selectors import document_get_for_staff
from documents.models import Document
from modulr.http import pk_or_404
from tasks.models import Task
from tasks.selectors import task_get_for_staff


def task_for_staff_user(user, pk) -> Task:
    """The task ``pk`` if ``user`` is a recipient or may view every task; 404 otherwise."""
    task = task_get_for_staff(user=user, pk=pk_or_404(pk))
    if task is None:
        raise Http404
    return task


def document_for_staff_user(user, pk) -> Document:
    """The document ``pk`` for the intranet's download view; 404 for anyone else."""
    document = document_get_for_staff(user=user, pk=pk_or_404(pk))
    if document is None:
        raise Http404
    return document
