"""« Révoquer » and « Réémettre »: the pages a document's admin adds to Django's
(``DocumentViewsMixin``), both behind the change permission on documents.

The rules (what may be revoked or re-issued, how, who is told) live in
``documents.revocation``; these views validate input, call it and render.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from documents.attestations.values import RequestRefused
from documents.engine import ConversionError, TemplateInvalid
from documents.forms import template_field_form_field
from documents.models import Document
from documents.revocation import (
    PUBLIC_REASON_MAX_LENGTH,
    REVOCATION_REASON_MAX_LENGTH,
    AttestationChangeRefused,
    attestation_reissue,
    attestation_reissue_refusal,
    attestation_revoke,
    attestation_revoke_refusal,
)
from documents.selectors import attestation_values_of, document_state
from documents.storage import StorageUnavailable
from modulr.http import pk_or_404


class RevocationForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif interne"),
        max_length=REVOCATION_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Pour le cabinet seulement : ni le client ni les tiers ne le voient."),
    )
    public_reason = forms.CharField(
        label=_("Motif affiché publiquement (facultatif)"),
        max_length=PUBLIC_REASON_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_(
            "Visible par toute personne qui détient l'attestation (page de vérification) et "
            "par le client. Par exemple : « Émise par erreur », « Véhicule sorti du contrat »."
        ),
    )


class ReissueForm(forms.Form):
    """The model's fields, filled with the values the attestation was generated with."""

    def __init__(self, *args, fields, initial_values: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.template_fields = fields
        for field in fields:
            # The service checks the values and says what is wrong with each.
            self.fields[f"field_{field.name}"] = template_field_form_field(
                field, initial=initial_values.get(field.name, ""), check_required=False
            )

    def field_values(self) -> dict[str, str]:
        return {
            field.name: self.cleaned_data.get(f"field_{field.name}") or ""
            for field in self.template_fields
        }

    def add_refusal(self, refused: RequestRefused) -> None:
        for name, error in refused.value_errors.items():
            key = f"field_{name}"
            self.add_error(key if key in self.fields else None, error)
        self.add_error(None, refused.message)


class DocumentViewsMixin:
    """For ``DocumentAdmin``: « Révoquer » and « Réémettre », checked with its permissions."""

    def document_tool_urls(self) -> list:
        wrap = self.admin_site.admin_view
        methods = require_http_methods(["GET", "HEAD", "POST"])
        return [
            path(
                "<int:object_id>/revoquer/",
                wrap(methods(self.revoke_view)),
                name="documents_document_revoke",
            ),
            path(
                "<int:object_id>/reemettre/",
                wrap(methods(self.reissue_view)),
                name="documents_document_reissue",
            ),
        ]

    def _document_to_change(self, request, object_id) -> Document:
        document = get_object_or_404(
            Document.objects.select_related("contract", "replaced_by", "template", "beneficiary"),
            pk=pk_or_404(object_id),
        )
        if not self.has_change_permission(request, document):
            raise PermissionDenied
        return document

    def _render(self, request, template: str, document: Document, title: str, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "original": document,
            "state": document_state(document),
            **extra,
        }
        return TemplateResponse(request, f"admin/documents/document/{template}", context)

    # -- « Révoquer » ---------------------------------------------------------------------

    def revoke_view(self, request, object_id):
        document = self._document_to_change(request, object_id)
        form = RevocationForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                attestation_revoke(
                    document=document,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    public_reason=form.cleaned_data["public_reason"],
                )
            except AttestationChangeRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    gettext("L'attestation n° %(numero)s est révoquée.")
                    % {"numero": document.numero},
                )
                return redirect("intranet:documents_document_change", document.pk)
        title = gettext("Révoquer l'attestation n° %(numero)s") % {"numero": document.numero}
        return self._render(
            request,
            "revoke.html",
            document,
            title,
            form=form,
            refusal=attestation_revoke_refusal(document),
        )

    # -- « Réémettre » --------------------------------------------------------------------

    def reissue_view(self, request, object_id):
        document = self._document_to_change(request, object_id)
        refusal = attestation_reissue_refusal(document)
        form = None
        if not refusal:
            form = ReissueForm(
                request.POST if request.method == "POST" else None,
                fields=list(document.template.fields.all()),
                initial_values=attestation_values_of(document),
            )
            if request.method == "POST" and form.is_valid():
                new = self._reissue(request, document, form)
                if new is not None:
                    return redirect("intranet:documents_document_change", new.pk)
        title = gettext("Réémettre l'attestation n° %(numero)s") % {"numero": document.numero}
        return self._render(request, "reissue.html", document, title, form=form, refusal=refusal)

    def _reissue(self, request, document: Document, form: ReissueForm) -> Document | None:
        """The new attestation, or None with the reason on the form."""
        try:
            new = attestation_reissue(
                document=document, user=request.user, values=form.field_values()
            )
        except RequestRefused as refused:
            form.add_refusal(refused)
            return None
        except (AttestationChangeRefused, TemplateInvalid, ConversionError) as error:
            form.add_error(None, str(error))
            return None
        except StorageUnavailable:
            form.add_error(
                None,
                gettext(
                    "Le stockage des fichiers est momentanément indisponible : réessayez dans "
                    "quelques instants."
                ),
            )
            return None
        messages.success(
            request,
            gettext("L'attestation n° %(new)s remplace désormais l'attestation n° %(old)s.")
            % {"new": new.numero, "old": document.numero},
        )
        return new
