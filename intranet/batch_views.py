"""« Attestations pour tous les bénéficiaires » on a contract's intranet page: staff choose the
model and the values once, ``documents.attestations.batches`` makes one attestation per
current beneficiary (shared at once: staff are the ones who validate).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from contracts.models import Contract
from documents.attestations.batch_selectors import beneficiaries_count_text
from documents.attestations.batches import (
    STAFF_BATCH_PERMISSION,
    BatchAlreadySent,
    attestation_batch_submit,
)
from documents.attestations.selectors import attestation_models_for
from documents.attestations.values import RequestRefused
from documents.forms import template_field_form_field
from documents.models import AttestationBatch
from modulr.http import pk_or_404

from .sites import site

FIELD_PREFIX = "champ_"


def staff_batch_allowed(user) -> bool:
    """Who sees the button and may use the page: the right to launch, and to see contracts."""
    return user.has_perm(STAFF_BATCH_PERMISSION) and user.has_perm("contracts.view_contract")


class StaffBatchForm(forms.Form):
    """The model (when the product offers several « Bénéficiaire » models), then its fields."""

    def __init__(self, *args, links, link, **kwargs):
        super().__init__(*args, **kwargs)
        if len(links) > 1:
            self.fields["modele"] = forms.ChoiceField(
                label=_("Attestation"), choices=[(str(m.pk), m.display_title) for m in links]
            )
        if link is not None:
            for field in link.template.fields.all():
                self.fields[FIELD_PREFIX + field.name] = template_field_form_field(
                    field, check_required=False
                )

    def values(self) -> dict[str, str]:
        prefix = len(FIELD_PREFIX)
        return {
            name[prefix:]: value or ""
            for name, value in self.cleaned_data.items()
            if name.startswith(FIELD_PREFIX)
        }

    def add_refusal(self, refused: RequestRefused) -> None:
        self.add_error(None, refused.message)
        for name, message in refused.value_errors.items():
            field = FIELD_PREFIX + name
            self.add_error(field if field in self.fields else None, message)


def _initial(link, data) -> dict[str, str]:
    from documents.services import field_initial

    initial = {"modele": str(link.pk) if link else ""}
    if link is not None:
        for field in link.template.fields.all():
            name = FIELD_PREFIX + field.name
            initial[name] = data[name] if name in data else field_initial(field=field)
    return initial


def _send(request, contract, link, form) -> bool:
    """Launch the batch; True when done (or already done), else the refusal is on ``form``."""
    try:
        batch = attestation_batch_submit(
            user=request.user,
            contract=contract,
            product_model=link,
            values=form.values(),
            origin=AttestationBatch.Origin.INTRANET,
        )
    except BatchAlreadySent:
        messages.info(request, gettext("Cette demande vient d'être envoyée."))
        return True
    except RequestRefused as refused:
        form.add_refusal(refused)
        return False
    count = beneficiaries_count_text(contract.product.beneficiary_kind, batch.requests.count())
    messages.success(request, gettext(
        "Génération lancée : une attestation pour chacun des %(count)s en cours. Elles sont "
        "partagées sur l'extranet du client dès qu'elles sont prêtes."
    ) % {"count": count})  # fmt: skip
    return True


@require_http_methods(["GET", "POST"])
def contract_batch_view(request, object_id):
    """The form; POST ``action=refresh`` redraws it for another model, any other POST sends."""
    if not staff_batch_allowed(request.user):
        raise PermissionDenied
    contract = get_object_or_404(
        Contract.objects.select_related("product", "client"), pk=pk_or_404(object_id)
    )
    links = attestation_models_for(contract=contract, beneficiary_chosen=True)
    data = request.POST if request.method == "POST" else request.GET
    by_pk = {str(m.pk): m for m in links}
    link = by_pk.get(data.get("modele", "")) or (links[0] if links else None)
    sending = request.method == "POST" and data.get("action") != "refresh"
    form = StaffBatchForm(
        data if sending else None, links=links, link=link, initial=_initial(link, data)
    )
    if sending and form.is_valid() and _send(request, contract, link, form):
        return redirect(f"{site.name}:contracts_contract_change", contract.pk)
    context = {
        **site.each_context(request),
        "title": gettext("Attestations pour tous les bénéficiaires"),
        "opts": Contract._meta,
        "original": contract,
        "form": form,
        "links": links,
    }
    return TemplateResponse(request, "admin/contracts/contract/attestation_batch.html", context)
