"""Products in the intranet, with the attestation models each one offers (inline).

The link between a product and a model lives in ``documents``; the product page is where
brokers set it.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentTemplate, ProductAttestationModel
from products.models import Product

from .sites import site


class ProductAttestationModelForm(forms.ModelForm):
    class Meta:
        model = ProductAttestationModel
        fields = ("template", "extranet_title", "generate_on_entry", "position")

    def clean(self):
        cleaned = super().clean()
        template = cleaned.get("template")
        if (
            cleaned.get("generate_on_entry")
            and template is not None
            and template.entity != DocumentTemplate.Entity.BENEFICIAIRE
        ):
            self.add_error(
                "generate_on_entry",
                _("Seul un modèle lié au bénéficiaire peut être généré à son entrée."),
            )
        return cleaned


class ProductAttestationModelInline(admin.TabularInline):
    """The product page's attestation models, as the product page describes them.

    The dropdown comes from the link's ``limit_choices_to`` (type Attestation, entity
    Contrat or Bénéficiaire): the form field's queryset is filtered too, so a posted id
    of any other template is refused. Django's delete checkbox removes the link only
    (the link's foreign key to the template is PROTECT), and nothing is saved before
    the product's « Enregistrer ».
    """

    model = ProductAttestationModel
    form = ProductAttestationModelForm
    fields = (
        "template",
        "template_entity",
        "template_pdf_conversion",
        "extranet_title",
        "generate_on_entry",
        "position",
    )
    readonly_fields = ("template_entity", "template_pdf_conversion")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "template" and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            # Next to the dropdown, Django's buttons would add, change or delete the Word
            # model itself, for every product using it; here only the link is removed (the
            # trash). Models are managed on their own page; the eye still opens one.
            formfield.widget.can_add_related = False
            formfield.widget.can_change_related = False
            formfield.widget.can_delete_related = False
        return formfield

    @admin.display(description=_("entité liée"))
    def template_entity(self, obj):
        return obj.template.get_entity_display() if obj.template_id else "—"

    @admin.display(description=_("conversion PDF automatique"), boolean=True)
    def template_pdf_conversion(self, obj):
        return obj.template.pdf_conversion if obj.template_id else None


@admin.register(Product, site=site)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "beneficiary_kind", "attestation_model_count")
    list_filter = ("beneficiary_kind",)
    search_fields = ("name",)
    inlines = [ProductAttestationModelInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(attestation_model_count=Count("attestation_models"))
        )

    @admin.display(description=_("modèles d'attestation"), ordering="attestation_model_count")
    def attestation_model_count(self, obj):
        return obj.attestation_model_count
