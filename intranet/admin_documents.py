"""Document templates in the intranet: the list, and the upload with checking.

« Configurer le modèle », the tag dictionary and the preview are in
``intranet.template_views``. The rules (what a valid model is, which tags are fields)
live in ``documents``; these screens validate input and call them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents import engine, services
from documents.models import DocumentTemplate, ProductAttestationModel
from modulr.formatting import format_date

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
