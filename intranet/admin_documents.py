"""Document templates in the intranet: the list, and the upload with checking; stored
documents: the list with each attestation's state, and the page of one.

« Configurer le modèle », the tag dictionary and the preview are in
``intranet.template_views``; « Révoquer » and « Réémettre » in ``intranet.document_views``.
The rules (what a valid model is, which tags are fields, an attestation's state, what may
be revoked) live in ``documents``; these screens validate input and call them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from documents import engine, services
from documents.models import AttestationRequest, Document, DocumentTemplate, ProductAttestationModel
from documents.revocation import attestation_reissue_refusal, attestation_revoke_refusal
from documents.selectors import attestations_in_force_q, document_state
from documents.verification import validity_text, verification_code_normalize
from modulr.formatting import format_date, user_display_name

from .admin_base import NoAddDeleteMixin, change_url, selected_only_filter
from .admin_sharing import document_sends_html
from .document_views import DocumentViewsMixin
from .sites import site
from .template_views import DocumentTemplateViewsMixin


class DocumentTemplateForm(forms.ModelForm):
    """Checks the Word model on upload: the reason of a refusal shows on the file field."""

    class Meta:
        model = DocumentTemplate
        fields = ["name", "type", "entity", "file", "pdf_conversion"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": ".docx"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # None: the file was not (re)placed, so the fields stay as they are.
        self.unknown_tags: list[str] | None = None
        self.font_warnings: list[str] = []

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # the stored file, kept as is
        # One byte past the limit is enough for template_check to refuse a huge file.
        data = upload.read(engine.MAX_UPLOAD_BYTES + 1)
        upload.seek(0)
        try:
            self.unknown_tags = engine.template_check(data=data, filename=upload.name)
        except engine.TemplateInvalid as exc:
            raise ValidationError(str(exc), code="invalid_template") from exc
        self.font_warnings = engine.fonts_warnings(data)
        return upload


def _names(names) -> str:
    return ", ".join(names) if names else gettext("aucune")


@admin.register(DocumentTemplate, site=site)
class DocumentTemplateAdmin(DocumentTemplateViewsMixin, admin.ModelAdmin):
    form = DocumentTemplateForm
    list_display = [
        "name",
        "type",
        "entity",
        "pdf",
        "added_on",
        "field_count",
        "products",
        "tools",
    ]
    list_filter = ["type", "entity"]
    search_fields = ["name"]
    fields = ["name", "type", "entity", "file", "pdf_conversion"]

    def get_queryset(self, request):
        links = ProductAttestationModel.objects.select_related("product").order_by("product__name")
        return (
            super()
            .get_queryset(request)
            .annotate(field_count=Count("fields", distinct=True))
            .prefetch_related(Prefetch("product_links", queryset=links))
        )

    # Short headers: the list has to fit beside the filters.
    @admin.display(description=_("PDF auto"), boolean=True, ordering="pdf_conversion")
    def pdf(self, obj: DocumentTemplate) -> bool:
        return obj.pdf_conversion

    @admin.display(description=_("ajouté le"), ordering="created_at")
    def added_on(self, obj: DocumentTemplate) -> str:
        return format_date(timezone.localtime(obj.created_at).date())

    @admin.display(description=_("zones de saisie"), ordering="field_count")
    def field_count(self, obj: DocumentTemplate) -> int:
        return obj.field_count

    @admin.display(description=_("produits"))
    def products(self, obj: DocumentTemplate) -> str:
        return ", ".join(link.product.name for link in obj.product_links.all()) or "—"

    @admin.display(description=_("actions"))
    def tools(self, obj: DocumentTemplate) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("intranet:documents_documenttemplate_configure", args=[obj.pk]),
            gettext("Configurer"),
            reverse("intranet:documents_documenttemplate_preview", args=[obj.pk]),
            gettext("Aperçu"),
        )

    def save_model(self, request, obj, form, change):
        previous = form.initial.get("file")
        previous_name = getattr(previous, "name", previous) or ""
        super().save_model(request, obj, form, change)
        for warning in form.font_warnings:
            messages.warning(request, warning)
        if change:
            services.document_template_file_replaced(template=obj, previous_name=previous_name)
        if form.unknown_tags is None:
            return
        diff = services.document_template_sync_fields(template=obj, unknown_tags=form.unknown_tags)
        if change:
            messages.info(
                request,
                gettext("Nouvelles zones de saisie : %(added)s ; zones retirées : %(removed)s.")
                % {"added": _names(diff.added), "removed": _names(diff.removed)},
            )
        elif diff.added:
            messages.info(
                request,
                gettext("Zones de saisie créées : %(added)s.") % {"added": _names(diff.added)},
            )

    def delete_model(self, request, obj):
        services.document_template_delete(template=obj)

    def delete_queryset(self, request, queryset):
        for template in queryset:
            services.document_template_delete(template=template)

    def get_urls(self):
        return [*self.template_tool_urls(), *super().get_urls()]


# -- stored documents ---------------------------------------------------------------------------


class AttestationStateFilter(admin.SimpleListFilter):
    """« Révoquée », « Remplacée », « En vigueur » (``documents.selectors``'s rule)."""

    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [
            ("revoquee", _("Révoquée")),
            ("remplacee", _("Remplacée")),
            ("en_vigueur", _("En vigueur")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "revoquee":
            return queryset.filter(revoked_at__isnull=False)
        if value == "remplacee":
            return queryset.filter(revoked_at__isnull=True, replaced_by__isnull=False)
        if value == "en_vigueur":
            return queryset.filter(attestations_in_force_q())
        return queryset


@admin.register(Document, site=site)
class DocumentAdmin(DocumentViewsMixin, NoAddDeleteMixin, admin.ModelAdmin):
    """Every stored document; an attestation's page shows its state, validity and code, and
    offers « Révoquer » and « Réémettre ». Nothing is edited here: documents are generated,
    and change only through those two (and a validation task's decision)."""

    list_display = ("title", "numero", "contract", "client", "created_on", "shared", "state")
    # attestation_state reads the contract and the replacing attestation's number.
    list_select_related = ("contract__client", "replaced_by")
    list_filter = (
        AttestationStateFilter,
        "shared_on_extranet",
        selected_only_filter(_("contrat"), "contract", Contract, "contract_id"),
    )
    search_fields = ("numero", "title", "contract__numero", "contract__client__nom")
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "numero",
                    "contract_link",
                    "beneficiary",
                    "template",
                    "files",
                    "shared_on_extranet",
                    "shared_at",
                    "created_at",
                    "created_by",
                    "request_link",
                )
            },
        ),
        (_("Vérification"), {"fields": ("state", "validity", "code", "verification_link")}),
        (
            _("Révocation et remplacement"),
            {
                "fields": (
                    "revoked_at",
                    "revoked_by",
                    "revocation_reason",
                    "revocation_public_reason",
                    "replaced_by_link",
                    "replaces_link",
                )
            },
        ),
        (_("Envois à des tiers"), {"fields": ("third_party_sends",)}),
    )
    readonly_fields = tuple(name for _title, options in fieldsets for name in options["fields"])

    def get_urls(self):
        return [*self.document_tool_urls(), *super().get_urls()]

    def get_search_results(self, request, queryset, search_term):
        # A verification code as a third party reads it out (« abcd-efgh … »).
        code = verification_code_normalize(search_term)
        if code:
            return queryset.filter(verification_code=code), False
        return super().get_search_results(request, queryset, search_term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            # Every field is read only: nothing to save.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        document = self.get_object(request, object_id)
        if document is not None and self.has_change_permission(request, document):
            extra_context["can_revoke"] = not attestation_revoke_refusal(document)
            extra_context["can_reissue"] = not attestation_reissue_refusal(document)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("contract__client", "replaced_by", "beneficiary", "template")
        )

    # -- columns and fields ---------------------------------------------------------------

    @admin.display(description=_("client"), ordering="contract__client__nom")
    def client(self, obj: Document):
        return obj.contract.client

    @admin.display(description=_("créé le"), ordering="created_at")
    def created_on(self, obj: Document) -> str:
        return format_date(timezone.localtime(obj.created_at).date())

    @admin.display(description=_("extranet"), boolean=True, ordering="shared_on_extranet")
    def shared(self, obj: Document) -> bool:
        return obj.shared_on_extranet

    @admin.display(description=_("état"))
    def state(self, obj: Document) -> str:
        state = document_state(obj)
        if state is None:
            return "—"
        return f"{state.text} – {state.note}" if state.note else state.text

    @admin.display(description=_("validité"))
    def validity(self, obj: Document) -> str:
        return validity_text(obj) or "—"

    @admin.display(description=_("code de vérification"))
    def code(self, obj: Document) -> str:
        return obj.verification_code_display or "—"

    @admin.display(description=_("page de vérification"))
    def verification_link(self, obj: Document) -> str:
        if not obj.verification_code:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("verification:code", args=[obj.verification_code]),
            gettext("Voir la page de vérification"),
        )

    @admin.display(description=_("contrat"))
    def contract_link(self, obj: Document) -> str:
        return format_html('<a href="{}">{}</a>', change_url(obj.contract), obj.contract.numero)

    @admin.display(description=_("fichiers"))
    def files(self, obj: Document) -> str:
        url = reverse(f"{site.name}:document_file", args=[obj.pk])
        links = []
        if obj.pdf_file:
            links.append(format_html('<a href="{}" target="_blank">{}</a>', url, "PDF"))
        if obj.word_file:
            links.append(
                format_html('<a href="{}?format=word" target="_blank">{}</a>', url, "Word")
            )
        return format_html_join(" · ", "{}", ((link,) for link in links)) or "—"

    @admin.display(description=_("demande d'attestation"))
    def request_link(self, obj: Document) -> str:
        request = AttestationRequest.objects.filter(document=obj).select_related("user").first()
        if request is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({})',
            change_url(request),
            request.title,
            user_display_name(request.user),
        )

    @admin.display(description=_("envois"))
    def third_party_sends(self, obj: Document) -> str:
        return document_sends_html(obj)

    @admin.display(description=_("remplacée par"))
    def replaced_by_link(self, obj: Document) -> str:
        return _document_link(obj.replaced_by)

    @admin.display(description=_("remplace"))
    def replaces_link(self, obj: Document) -> str:
        return _document_link(Document.objects.filter(replaced_by=obj).first())


def _document_link(document: Document | None) -> str:
    if document is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>', change_url(document), document.numero or document.title
    )
