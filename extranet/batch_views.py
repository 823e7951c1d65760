"""The extranet's pages of a batch (« Tous les véhicules en cours »): its progress, its ZIP
and its merged PDF. What a batch holds is each request's own rule (ready and shared)."""

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from documents.attestations.batch_selectors import (
    attestation_batch_progress,
    attestation_batch_retryable,
    beneficiaries_count_text,
)
from documents.attestations.bundles import (
    attestation_batch_has_pdf,
    attestation_batch_merged_pdf,
    attestation_batch_zip_members,
    attestation_batch_zip_stream,
)
from documents.attestations.selectors import (
    attestation_request_client_error,
    attestation_request_field_values,
)
from modulr.downloads import private_built_response

from .access import attestation_batch_for_client_user, client_required


def _batch_status_context(batch) -> dict:
    progress = attestation_batch_progress(batch)
    has_pdf = attestation_batch_has_pdf(batch)
    return {
        "batch": batch,
        "progress": progress,
        "kind_count": beneficiaries_count_text(
            batch.contract.product.beneficiary_kind, progress.total
        ),  # fmt: skip
        "retryable": [
            (failed, attestation_request_client_error(failed))
            for failed in (attestation_batch_retryable(batch) if progress.failed else [])
        ],
        "has_pdf": has_pdf,
    }


@require_safe
@client_required
def attestation_batch_detail(request, pk):
    """A batch: « 37 / 120 générées », updated by htmx every second while it runs (a meta
    refresh without JavaScript), then its ZIP and merged PDF, and « Réessayer » for each
    attestation that failed."""
    batch = attestation_batch_for_client_user(request.user, pk)
    context = _batch_status_context(batch)
    if request.htmx:
        response = render(request, "extranet/_attestation_batch_status.html", context)
    else:
        # A batch has a request's ``template_id`` and ``values``: labelled by the same rule.
        context["field_values"] = attestation_request_field_values(request=batch)
        response = render(request, "extranet/attestation_batch_detail.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _batch_filename(batch, extension: str) -> str:
    return f"{_('Attestations')} {batch.contract.numero}.{extension}"


@require_safe
@client_required
def attestation_batch_zip(request, pk):
    """The batch's ZIP: one file per attestation ready and shared, named by plate or label."""
    batch = attestation_batch_for_client_user(request.user, pk)
    members = attestation_batch_zip_members(batch)
    if not members:
        raise Http404(_("Aucune attestation de cette demande n'est disponible."))
    return private_built_response(
        attestation_batch_zip_stream(members), filename=_batch_filename(batch, "zip")
    )


@require_safe
@client_required
def attestation_batch_pdf(request, pk):
    """The batch's attestations merged into one PDF (404 for a model without PDF)."""
    batch = attestation_batch_for_client_user(request.user, pk)
    if not attestation_batch_has_pdf(batch):
        raise Http404(_("Ces attestations ne sont pas au format PDF."))
    merged, pages = attestation_batch_merged_pdf(batch)
    if not pages:
        merged.close()
        raise Http404(_("Aucune attestation de cette demande n'est disponible."))
    return private_built_response(merged, filename=_batch_filename(batch, "pdf"))
