"""« Configurer le modèle », « Dictionnaire des étiquettes » and « Aperçu »: the pages a
document template's admin adds to Django's (``DocumentTemplateViewsMixin``).

The rules (which tags are fields, how a field defaults, how a preview renders) live in
``documents``; these views validate input, call them and render.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.forms import BaseModelFormSet, modelformset_factory
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from contracts.models import Beneficiary, Contract
from contracts.selectors import beneficiaries_current, contract_is_in_force
from documents import engine, preview, services, tags
from documents.forms import template_field_form_field
from documents.models import DocumentTemplate, TemplateField
from documents.storage import StorageUnavailable
from modulr.downloads import private_file_response
from modulr.http import pk_or_404

# The examples of the dictionary and the preview show a real contract's client data: only
# for staff who may open contracts anyway.
VIEW_CONTRACT_PERMISSION = "contracts.view_contract"


class DocumentTemplateViewsMixin:
    """For ``DocumentTemplateAdmin``: the three pages, checked with its permissions."""

    def template_tool_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path(
                "dictionnaire/",
                wrap(require_GET(self.tag_dictionary_view)),
                name="documents_documenttemplate_tags",
            ),
            path(
                "<int:object_id>/configurer/",
                wrap(self.configure_view),
                name="documents_documenttemplate_configure",
            ),
            path(
                "<int:object_id>/apercu/",
                wrap(self.preview_view),
                name="documents_documenttemplate_preview",
            ),
        ]

    # -- helpers shared by the custom views ---------------------------------------------

    def _template_or_404(self, request, object_id: int, *, change: bool) -> DocumentTemplate:
        template = get_object_or_404(DocumentTemplate, pk=object_id)
        allowed = (
            self.has_change_permission(request, template)
            if change
            else self.has_view_permission(request, template)
        )
        if not allowed:
            raise PermissionDenied
        return template

    def _context(self, request, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **extra,
        }

    # -- « Configurer le modèle » ---------------------------------------------------------

    def configure_view(self, request, object_id: int):
        template = self._template_or_404(request, object_id, change=True)
        FieldFormSet = modelformset_factory(
            TemplateField,
            form=TemplateFieldForm,
            formset=TemplateFieldFormSet,
            extra=0,
            can_delete=False,
        )
        data = request.POST if request.method == "POST" else None
        formset = FieldFormSet(data, queryset=template.fields.all())
        formset_valid = data is not None and formset.is_valid()
        verification = TemplateVerificationForm(
            data, instance=template, date_fields=_date_fields(template, formset, formset_valid)
        )
        if data is not None and formset_valid and verification.is_valid():
            with transaction.atomic():
                formset.save()
                verification.save()
            messages.success(request, gettext("La configuration du modèle est enregistrée."))
            return redirect("intranet:documents_documenttemplate_configure", template.pk)
        title = gettext("Configurer le modèle « %(name)s »") % {"name": template.name}
        return TemplateResponse(
            request,
            "admin/documents/documenttemplate/configure.html",
            self._context(
                request, title, original=template, formset=formset, verification=verification
            ),
        )

    # -- « Dictionnaire des étiquettes » --------------------------------------------------

    def tag_dictionary_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        may_see_contracts = request.user.has_perm(VIEW_CONTRACT_PERMISSION)
        if not may_see_contracts and (request.GET.get("contrat") or request.GET.get("numero")):
            raise PermissionDenied
        # Without the right to view contracts: the tags and what they mean, no example.
        contract = (
            _example_contract(request.GET.get("contrat"), request.GET.get("numero"))
            if may_see_contracts
            else None
        )
        beneficiary = _example_beneficiary(contract)
        examples = (
            tags.tag_examples(contract=contract, beneficiary=beneficiary)
            if contract is not None
            else [(tag.name, tag.description, "") for tag in tags.KNOWN_TAGS]
        )
        rows = [(_tag_syntax(name), description, ex) for name, description, ex in examples]
        return TemplateResponse(
            request,
            "admin/documents/documenttemplate/tag_dictionary.html",
            self._context(
                request,
                gettext("Dictionnaire des étiquettes"),
                rows=rows,
                contract=contract,
                beneficiary=beneficiary,
                numero=request.GET.get("numero") or (contract.numero if contract else ""),
                may_see_contracts=may_see_contracts,
            ),
        )

    # -- « Aperçu » -----------------------------------------------------------------------

    def preview_view(self, request, object_id: int):
        template = self._template_or_404(request, object_id, change=False)
        if not request.user.has_perm(VIEW_CONTRACT_PERMISSION):
            raise PermissionDenied  # every step of the preview shows a contract
        contract = None
        if request.GET.get("contrat"):
            contract = get_object_or_404(
                Contract.objects.select_related("client"), pk=pk_or_404(request.GET["contrat"])
            )
        fields = list(template.fields.all())
        form = None
        if contract is not None:
            form = PreviewForm(
                request.POST if request.method == "POST" else None,
                template=template,
                contract=contract,
                fields=fields,
            )
            if request.method == "POST" and form.is_valid():
                response = self._preview_response(template, contract, form)
                if response is not None:
                    return response
        for warning in services.template_fonts_warnings(template):
            messages.warning(request, warning)
        query = request.GET.get("q", "").strip()
        return TemplateResponse(
            request,
            "admin/documents/documenttemplate/preview.html",
            self._context(
                request,
                gettext("Aperçu du modèle « %(name)s »") % {"name": template.name},
                original=template,
                contract=contract,
                form=form,
                query=query,
                matches=_contract_search(query) if query and contract is None else None,
            ),
        )

    def _preview_response(self, template, contract, form) -> HttpResponse | None:
        """The file inline, or None with the reason on the form when it cannot be made."""

        try:
            data, filename = preview.template_preview(
                template=template,
                contract=contract,
                beneficiary=form.cleaned_data.get("beneficiary"),
                values=form.field_values(),
            )
        except (engine.TemplateInvalid, engine.ConversionError) as exc:
            form.add_error(None, str(exc))
            return None
        except StorageUnavailable:
            form.add_error(None, gettext(
                "Le modèle n'a pas pu être lu : le stockage des fichiers ne répond pas. "
                "Réessayez dans quelques instants."
            ))  # fmt: skip
            return None
        return private_file_response(data, filename=filename, inline=True)


class TemplateFieldFormSet(BaseModelFormSet):
    """The fields of one template. Django's formset accepts in each row's hidden id any
    TemplateField (then saves nothing and says it did): here only this template's."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[self.model._meta.pk.name].queryset = self.get_queryset()


class TemplateFieldForm(forms.ModelForm):
    class Meta:
        model = TemplateField
        fields = [
            "label",
            "type",
            "default",
            "default_days_offset",
            "required",
            "help_text",
            "choices",
            "position",
        ]
        widgets = {
            "label": forms.TextInput(attrs={"style": "width: 10em"}),
            "default": forms.TextInput(attrs={"style": "width: 8em"}),
            "default_days_offset": forms.NumberInput(attrs={"style": "width: 4em"}),
            "help_text": forms.TextInput(
                attrs={"style": "width: 12em", "placeholder": _("Aide (facultatif)")}
            ),
            "choices": forms.Textarea(
                attrs={"rows": 2, "style": "width: 12em", "placeholder": _("Choix, un par ligne")}
            ),
            "position": forms.NumberInput(attrs={"style": "width: 4em"}),
        }

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("type")
        if kind == TemplateField.Type.CHOICE and not (cleaned.get("choices") or "").strip():
            self.add_error("choices", gettext("Indiquez les choix de la liste, un par ligne."))
        if kind != TemplateField.Type.DATE and cleaned.get("default_days_offset") is not None:
            self.add_error(
                "default_days_offset",
                gettext("« Aujourd'hui plus N jours » ne vaut que pour une date."),
            )
        return cleaned


def _date_fields(template: DocumentTemplate, formset, formset_valid: bool) -> list[str]:
    """The model's date fields, with the types being saved when the formset is valid."""
    if formset_valid:
        return [
            form.instance.name
            for form in formset.forms
            if form.cleaned_data.get("type") == TemplateField.Type.DATE
        ]
    return list(template.fields.filter(type=TemplateField.Type.DATE).values_list("name", flat=True))


class TemplateVerificationForm(forms.ModelForm):
    """Where the attestation's validity comes from, and the size of its QR code."""

    class Meta:
        model = DocumentTemplate
        fields = ["validity_start_field", "validity_end_field", "qr_code_size_mm"]
        widgets = {"qr_code_size_mm": forms.NumberInput(attrs={"style": "width: 4em"})}

    def __init__(self, *args, date_fields: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— la quittance réglée (par défaut) —"))]
        choices += [(name, f"{{{{ {name} }}}}") for name in date_fields]
        for name in ("validity_start_field", "validity_end_field"):
            current = getattr(self.instance, name)
            extra = (
                [(current, f"{{{{ {current} }}}}")]
                if current and current not in date_fields
                else []
            )
            self.fields[name] = forms.ChoiceField(
                label=self.fields[name].label,
                help_text=self.fields[name].help_text,
                choices=choices + extra,
                required=False,
            )
        self.date_fields = date_fields

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("validity_start_field"), cleaned.get("validity_end_field")
        if start is None or end is None:  # a choice refused already
            return cleaned
        if bool(start) != bool(end):
            raise forms.ValidationError(
                gettext("Choisissez les deux dates de validité, ou aucune.")
            )
        for name in ("validity_start_field", "validity_end_field"):
            if cleaned.get(name) and cleaned[name] not in self.date_fields:
                self.add_error(name, gettext("Choisissez une zone de saisie de type date."))
        if start and start == end:
            self.add_error("validity_end_field", gettext("Choisissez deux dates différentes."))
        return cleaned


class PreviewForm(forms.Form):
    """The beneficiary (of that contract only) and the template's fields, defaults filled."""

    def __init__(self, *args, template, contract, fields, **kwargs):
        super().__init__(*args, **kwargs)
        self.template_fields = fields
        if template.entity == DocumentTemplate.Entity.BENEFICIAIRE:
            # As on the extranet: a « Bénéficiaire » model always names one, a « Contrat »
            # model never does.
            self.fields["beneficiary"] = forms.ModelChoiceField(
                label=_("Bénéficiaire"),
                # Those a client could pick today: covered by this contract now.
                queryset=beneficiaries_current(Beneficiary.objects.filter(contract=contract)),
            )
        for field in fields:
            self.fields[f"field_{field.name}"] = template_field_form_field(
                field, initial=services.field_initial(field=field)
            )

    def field_values(self) -> dict[str, str]:
        return {
            field.name: self.cleaned_data.get(f"field_{field.name}") or ""
            for field in self.template_fields
        }


def _tag_syntax(name: str) -> str:
    """How a broker writes the tag: a list is looped over, anything else printed."""
    if name == "contrat.garanties":
        return "{%tr for g in contrat.garanties %}"
    return "{{ " + name + " }}"


def _contract_search(query: str):
    return (
        Contract.objects.select_related("client", "product")
        .filter(Q(numero__icontains=query) | Q(client__nom__icontains=query))
        .order_by("numero")[:20]
    )


def _example_contract(contract_id: str | None, numero: str | None) -> Contract | None:
    """The contract the dictionary takes its examples from.

    The one asked for, else the first in-force contract with a beneficiary (so that the
    ``beneficiaire.*`` rows show something), else any contract.
    """
    contracts = Contract.objects.select_related("client", "product")
    if contract_id:
        return get_object_or_404(contracts, pk=pk_or_404(contract_id))
    if numero:
        return get_object_or_404(contracts, numero__iexact=numero.strip())
    today = timezone.localdate()
    # Only statuses that can be in force; a bounded look, this is a help page.
    candidates = (
        contracts.filter(
            status__in=[Contract.Status.EN_COURS, Contract.Status.RESILIE],
            beneficiaries__isnull=False,
        )
        .distinct()
        .order_by("pk")[:50]
    )
    for contract in candidates:
        if contract_is_in_force(contract=contract, today=today):
            return contract
    return contracts.order_by("pk").first()


def _example_beneficiary(contract: Contract | None) -> Beneficiary | None:
    if contract is None:
        return None
    covered = beneficiaries_current(contract.beneficiaries.all()).order_by("pk").first()
    return covered or contract.beneficiaries.order_by("pk").first()
