"""Attestation requests in the intranet: a validation task's attestation block (values,
« Ouvrir l'attestation », « Valider » / « Refuser », history), the views behind its buttons,
and the staff download of a document (« Demandes d'attestation »: admin_attestation_requests).
The rules live in ``documents.attestations``; these views check input, call them, render.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from documents.attestations.batch_selectors import (
    attestation_batch_decidable,
    attestation_batch_progress,
    attestation_batch_requests,
    attestation_batch_summary,
)
from documents.attestations.selectors import (
    attestation_request_can_decide,
    attestation_request_decidable,
    attestation_request_field_values,
    attestation_request_for_task,
)
from documents.attestations.validation import (
    REFUSAL_REASON_MAX_LENGTH,
    AttestationDecisionImpossible,
    attestation_batch_approve,
    attestation_batch_refuse,
    attestation_request_approve,
    attestation_request_refuse,
)
from documents.models import AttestationBatch, AttestationRequest
from modulr.downloads import download_name, file_extension, private_file_response
from tasks.selectors import task_can_decide, task_decision_taken_message

from .access import document_for_staff_user, task_for_staff_user
from .admin_sharing import document_sends_html
from .sites import site


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (transmis au client, facultatif)"),
        max_length=REFUSAL_REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


# -- the block on the task page ---------------------------------------------------------------


def attestation_task_block(task, request):
    """The attestation part of a validation task's page; None for any other task."""
    attestation_request = attestation_request_for_task(task=task)
    if attestation_request is None:
        return None
    batch = attestation_request.batch
    if batch is not None and batch.task_id == task.pk:  # the batch's one task
        return _batch_task_block(task, batch, request)
    attestation_request.task = task  # already loaded, with the rights checked by the page
    context = {
        "attestation_request": attestation_request,
        "field_values": attestation_request_field_values(request=attestation_request),
        "events": attestation_request.events.select_related("actor"),
        "can_decide": attestation_request_can_decide(
            request=attestation_request, user=request.user
        ),
        "decidable": attestation_request_decidable(request=attestation_request),
        "generating": attestation_request.status
        in (AttestationRequest.Status.PENDING, AttestationRequest.Status.GENERATING),
        "refusal_form": RefusalForm(),
        "can_view_contract": request.user.has_perm("contracts.view_contract"),
        # Only an attestation handed to the client can have been sent: no query while held.
        "sends_html": document_sends_html(attestation_request.document)
        if attestation_request.document_id and attestation_request.document.shared_on_extranet
        else "",
    }
    return "intranet/attestation_task_extra.html", context


def _batch_task_block(task, batch, request):
    """A batch's one task: what was asked, how many, each beneficiary and its attestation,
    and « Valider » / « Refuser » for all of them."""
    batch.task = task  # already loaded, with the rights checked by the page
    progress = attestation_batch_progress(batch)
    context = {
        "batch": batch,
        "progress": progress,
        "summary": attestation_batch_summary(batch, progress.total),
        "requests": attestation_batch_requests(batch),
        "field_values": attestation_request_field_values(request=batch),
        "can_decide": task.is_open and task_can_decide(task=task, user=request.user),
        "decidable": attestation_batch_decidable(progress),
        "refusal_form": RefusalForm(),
        "can_view_contract": request.user.has_perm("contracts.view_contract"),
    }
    return "intranet/attestation_batch_task_extra.html", context


# -- the views --------------------------------------------------------------------------------


def attestation_urls(admin_site) -> list:
    """The URLs of the decisions and of the staff download, for ``IntranetSite.get_urls``."""
    return [
        path(
            "attestations/<int:pk>/valider/",
            admin_site.admin_view(attestation_approve_view),
            name="attestation_approve",
        ),
        path(
            "attestations/<int:pk>/refuser/",
            admin_site.admin_view(attestation_refuse_view),
            name="attestation_refuse",
        ),
        path(
            "attestations/lots/<int:pk>/valider/",
            admin_site.admin_view(attestation_batch_approve_view),
            name="attestation_batch_approve",
        ),
        path(
            "attestations/lots/<int:pk>/refuser/",
            admin_site.admin_view(attestation_batch_refuse_view),
            name="attestation_batch_refuse",
        ),
        path(
            "documents/<int:pk>/fichier/",
            admin_site.admin_view(document_file_view),
            name="document_file",
        ),
    ]


def _request_for_staff_user(user, pk: int) -> AttestationRequest:
    """The request ``pk`` if ``user`` may see its task; 404 otherwise (as for its task)."""
    attestation_request = get_object_or_404(
        AttestationRequest.objects.exclude(task=None).select_related("task"), pk=pk
    )
    attestation_request.task = task_for_staff_user(user, attestation_request.task_id)
    return attestation_request


def _decide(request, pk: int, decide, success: str):
    attestation_request = _request_for_staff_user(request.user, pk)
    return _decided(request, attestation_request.task, lambda: decide(attestation_request), success)


def _decided(request, task, decide, success: str):
    """Run ``decide()`` (a decision service), tell what happened, back to the task's page."""
    try:
        # PermissionDenied (not a recipient) propagates: a 403 page.
        won = decide()
    except AttestationDecisionImpossible as exc:
        messages.error(request, str(exc))
    else:
        if won:
            messages.success(request, success)
        else:
            messages.warning(request, task_decision_taken_message(task=task))
    return redirect(f"{site.name}:tasks_inbox_task", pk=task.pk)


@require_POST
def attestation_approve_view(request, pk: int):
    return _decide(
        request,
        pk,
        lambda req: attestation_request_approve(request=req, user=request.user),
        gettext("L'attestation est validée : elle est partagée sur l'extranet du client."),
    )


@require_POST
def attestation_refuse_view(request, pk: int):
    form = RefusalForm(request.POST)
    if not form.is_valid():
        attestation_request = _request_for_staff_user(request.user, pk)
        messages.error(
            request,
            gettext("Le motif est trop long (%(max)s caractères au plus).")
            % {"max": REFUSAL_REASON_MAX_LENGTH},
        )
        return redirect(f"{site.name}:tasks_inbox_task", pk=attestation_request.task_id)
    return _decide(
        request,
        pk,
        lambda req: attestation_request_refuse(
            request=req, user=request.user, reason=form.cleaned_data["reason"]
        ),
        gettext("La demande est refusée : l'attestation est détruite (Word et PDF)."),
    )


def _batch_for_staff_user(user, pk: int) -> AttestationBatch:
    """The batch ``pk`` if ``user`` may see its task; 404 otherwise (as for its task)."""
    batch = get_object_or_404(
        AttestationBatch.objects.exclude(task=None).select_related("task"), pk=pk
    )
    batch.task = task_for_staff_user(user, batch.task_id)
    return batch


@require_POST
def attestation_batch_approve_view(request, pk: int):
    batch = _batch_for_staff_user(request.user, pk)
    return _decided(
        request,
        batch.task,
        lambda: attestation_batch_approve(batch=batch, user=request.user),
        gettext("Les attestations sont validées : elles sont partagées sur l'extranet du client."),
    )


@require_POST
def attestation_batch_refuse_view(request, pk: int):
    batch = _batch_for_staff_user(request.user, pk)
    form = RefusalForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            gettext("Le motif est trop long (%(max)s caractères au plus).")
            % {"max": REFUSAL_REASON_MAX_LENGTH},
        )
        return redirect(f"{site.name}:tasks_inbox_task", pk=batch.task_id)
    return _decided(
        request,
        batch.task,
        lambda: attestation_batch_refuse(
            batch=batch, user=request.user, reason=form.cleaned_data["reason"]
        ),
        gettext("La demande est refusée : ses attestations sont détruites (Word et PDF)."),
    )


@require_safe
def document_file_view(request, pk: int):
    """A document's file for staff, shown in the browser: the PDF, or ``?format=word``."""
    document = document_for_staff_user(request.user, pk)
    stored = document.word_file if request.GET.get("format") == "word" else document.main_file
    if not stored:
        raise Http404
    extension = file_extension(stored.name)
    name = download_name(document.title, document.numero, extension, fallback=gettext("Document"))
    try:
        return private_file_response(stored, filename=name, inline=True)
    except FileNotFoundError:
        raise Http404 from None
