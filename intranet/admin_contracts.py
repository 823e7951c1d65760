"""The intranet's pages for contracts, their beneficiaries and quittances.

Lists are built for a cabinet with thousands of contracts: related objects are
joined (``list_select_related``), foreign keys to big tables use autocompletes,
and the read-only summaries on a contract page show a bounded number of rows.
"""

from pathlib import PurePosixPath

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contracts.models import Beneficiary, Client, Contract, Guarantee, Payment, Quittance
from contracts.selectors import (
    quittance_annotate_balance,
    quittance_is_settled,
    quittances_filter_settled,
)
from documents.attestations.entry import attestations_on_entry
from documents.models import Document
from modulr.formatting import format_amount, format_date
from products.models import BeneficiaryKind

from .admin_base import (
    ProtectedOnDeleteMixin,
    ReadOnlySummaryInline,
    change_url,
    changelist_url,
    selected_only_filter,
)
from .sites import site

# A contract page edits its beneficiaries inline up to this many; past it (a big fleet)
# the inline would exceed DATA_UPLOAD_MAX_NUMBER_FIELDS and the page would be too heavy,
# so the page links to the beneficiaries' own list instead.
BENEFICIARY_INLINE_MAX = 50


def _period(quittance) -> str:
    return _("du %(debut)s au %(fin)s") % {
        "debut": format_date(quittance.periode_debut),
        "fin": format_date(quittance.periode_fin),
    }


def _soldee(quittance) -> bool | None:
    return quittance_is_settled(quittance)


# --- Contracts -------------------------------------------------------------------------


class GuaranteeInline(admin.TabularInline):
    model = Guarantee
    fields = ("nom", "plafond", "franchise", "position")
    extra = 0


BENEFICIARY_FIELDS_BY_KIND = {
    BeneficiaryKind.PERSONNE: ("nom", "prenom", "date_naissance"),
    BeneficiaryKind.VEHICULE: ("immatriculation", "marque", "modele", "vin"),
    BeneficiaryKind.IMMEUBLE: ("adresse", "code_postal", "ville", "nature"),
}


class BeneficiaryInline(admin.TabularInline):
    model = Beneficiary
    extra = 0
    show_change_link = True

    def get_fields(self, request, obj=None):
        # ``obj`` is the contract: show the columns of its product's kind of beneficiary.
        kind = obj.product.beneficiary_kind if obj is not None else ""
        specific = BENEFICIARY_FIELDS_BY_KIND.get(kind) or tuple(
            field for fields in BENEFICIARY_FIELDS_BY_KIND.values() for field in fields
        )
        return ("kind", *specific, "date_entree", "date_sortie")


class QuittanceSummaryInline(ReadOnlySummaryInline):
    model = Quittance
    fields = ("numero_link", "periode", "type", "prime", "restant", "soldee", "status")
    readonly_fields = fields
    verbose_name_plural = _("quittances")

    def get_queryset(self, request):
        return quittance_annotate_balance(super().get_queryset(request))

    def see_all_url(self, obj) -> str:
        return changelist_url(Quittance, contract__id__exact=obj.pk)

    @admin.display(description=_("numéro"))
    def numero_link(self, obj):
        return format_html('<a href="{}">{}</a>', change_url(obj), obj.numero)

    @admin.display(description=_("période"))
    def periode(self, obj):
        return _period(obj)

    @admin.display(description=_("prime TTC"))
    def prime(self, obj):
        return format_amount(obj.prime_ttc)

    @admin.display(description=_("restant dû"))
    def restant(self, obj):
        return format_amount(obj.restant_du)

    @admin.display(description=_("soldée"), boolean=True)
    def soldee(self, obj):
        return _soldee(obj)


class DocumentInline(ReadOnlySummaryInline):
    """The contract's documents; files are named, never linked: they have no public URL."""

    model = Document
    fields = ("title_link", "numero", "beneficiary", "shared_on_extranet", "created_at", "files")
    readonly_fields = fields
    row_limit = 100

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("beneficiary")

    @admin.display(description=_("titre"))
    def title_link(self, obj):
        """To the document's page: its state, « Révoquer », « Réémettre »."""
        return format_html('<a href="{}">{}</a>', change_url(obj), obj.title)

    @admin.display(description=_("fichiers"))
    def files(self, obj):
        names = [PurePosixPath(f.name).name for f in (obj.word_file, obj.pdf_file) if f]
        return ", ".join(names) or "—"


@admin.register(Contract, site=site)
class ContractAdmin(ProtectedOnDeleteMixin, admin.ModelAdmin):
    list_display = ("numero", "client", "product", "assureur", "status", "date_effet")
    list_select_related = ("client", "product")
    search_fields = ("numero", "client__nom", "assureur")
    list_filter = (
        "status",
        "product",
        "assureur",
        "client__account_manager",
        selected_only_filter(_("client"), "client", Client, "client_id"),
    )
    autocomplete_fields = ("client",)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("numero", "client", "product", "assureur", "status")}),
        (_("Dates"), {"fields": ("date_effet", "echeance_principale", "date_fin")}),
        (
            _("Résiliation"),
            {"fields": ("date_resiliation", "motif_resiliation"), "classes": ("collapse",)},
        ),
        (_("Voir aussi"), {"fields": ("related_links",)}),
    )
    readonly_fields = ("related_links",)

    def get_urls(self):
        from .batch_views import contract_batch_view

        batch = path(
            "<path:object_id>/attestations-beneficiaires/",
            self.admin_site.admin_view(contract_batch_view),
            name="contracts_contract_attestation_batch",
        )
        return [batch, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        from .batch_views import staff_batch_allowed

        # « Attestations pour tous les bénéficiaires »: its page says why when it cannot.
        context["can_launch_batch"] = (
            obj is not None
            and bool(obj.product.beneficiary_kind)
            and staff_batch_allowed(request.user)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_inlines(self, request, obj):
        inlines = [GuaranteeInline]
        if obj is None or obj.beneficiaries.count() <= BENEFICIARY_INLINE_MAX:
            inlines.append(BeneficiaryInline)
        if obj is not None:
            inlines += [QuittanceSummaryInline, DocumentInline]
            # Imported here: that module registers its admin after this one.
            from .admin_attestation_requests import AttestationRequestInline

            inlines.append(AttestationRequestInline)
        return inlines

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if request.method == "POST" and isinstance(inline, ReadOnlySummaryInline):
                continue  # rendered without inputs: nothing to read back
            yield formset, inline

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Beneficiary and formset.new_objects:
            entered_attestations(request, formset.new_objects, self)

    @admin.display(description=_("liens"))
    def related_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            changelist_url(Quittance, contract__id__exact=obj.pk),
            _("Toutes les quittances"),
            reverse(f"{site.name}:contracts_quittance_add") + f"?contract={obj.pk}",
            _("Ajouter une quittance"),
            changelist_url(Beneficiary, contract=obj.pk),
            _("Tous les bénéficiaires"),
        )


@admin.register(Beneficiary, site=site)
class BeneficiaryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "contract", "client", "date_entree", "date_sortie")
    list_select_related = ("contract__client",)
    list_filter = (
        "kind",
        selected_only_filter(_("contrat"), "contract", Contract, "contract_id"),
    )
    search_fields = (
        "immatriculation",
        "vin",
        "nom",
        "prenom",
        "adresse",
        "contract__numero",
        "contract__client__nom",
    )
    autocomplete_fields = ("contract",)
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            entered_attestations(request, [obj], self)

    @admin.display(description=_("client"), ordering="contract__client__nom")
    def client(self, obj):
        return obj.contract.client


def entered_attestations(request, beneficiaries, model_admin) -> None:
    """Beneficiaries just added (in the page's transaction): the attestations their product
    generates on entry, and what the page says of them."""
    outcome = attestations_on_entry(beneficiaries=list(beneficiaries), user=request.user)
    for attestation_request in outcome.requested:
        model_admin.message_user(
            request,
            gettext("%(label)s : attestation « %(title)s » en cours de génération ; le client "
                    "sera prévenu par e-mail.")
            % {"label": attestation_request.beneficiary_label, "title": attestation_request.title},
        )  # fmt: skip
    for beneficiary, reason in outcome.skipped:
        model_admin.message_user(
            request,
            gettext("%(label)s : aucune attestation générée à l'entrée. %(reason)s")
            % {"label": beneficiary.libelle, "reason": reason},
            level=messages.WARNING,
        )


# --- Quittances ------------------------------------------------------------------------


class PaymentInline(admin.TabularInline):
    model = Payment
    fields = ("date", "montant", "mode")
    extra = 0


class SoldeeFilter(admin.SimpleListFilter):
    title = _("soldée")
    parameter_name = "soldee"

    def lookups(self, request, model_admin):
        return [("oui", _("Entièrement soldée")), ("non", _("Restant dû"))]

    def queryset(self, request, queryset):
        if self.value() in ("oui", "non"):
            return quittances_filter_settled(queryset, settled=self.value() == "oui")
        return queryset


@admin.register(Quittance, site=site)
class QuittanceAdmin(admin.ModelAdmin):
    list_display = (
        "numero",
        "contract",
        "client",
        "periode",
        "type",
        "prime",
        "restant",
        "soldee",
        "status",
    )
    list_select_related = ("contract__client",)
    search_fields = ("numero", "contract__numero", "contract__client__nom")
    list_filter = (
        "status",
        "type",
        SoldeeFilter,
        "contract__product",
        selected_only_filter(_("client"), "client", Client, "contract__client_id"),
    )
    autocomplete_fields = ("contract",)
    show_full_result_count = False
    fields = (
        "numero",
        "contract",
        ("periode_debut", "periode_fin"),
        "type",
        ("prime_ht", "prime_ttc"),
        "status",
        ("montant_regle", "restant"),
    )
    readonly_fields = ("montant_regle", "restant")
    inlines = [PaymentInline]

    def get_queryset(self, request):
        return quittance_annotate_balance(super().get_queryset(request))

    @admin.display(description=_("client"), ordering="contract__client__nom")
    def client(self, obj):
        return obj.contract.client

    @admin.display(description=_("période"), ordering="periode_debut")
    def periode(self, obj):
        return _period(obj)

    @admin.display(description=_("prime TTC"), ordering="prime_ttc")
    def prime(self, obj):
        return format_amount(obj.prime_ttc)

    @admin.display(description=_("montant réglé"))
    def montant_regle(self, obj):
        return format_amount(getattr(obj, "montant_regle", None)) or "—"

    @admin.display(description=_("restant dû"), ordering="restant_du")
    def restant(self, obj):
        return format_amount(getattr(obj, "restant_du", None)) or "—"

    @admin.display(description=_("soldée"), boolean=True)
    def soldee(self, obj):
        return _soldee(obj)
