"""The intranet's pages for the cabinet, clients and their extranet accounts, products,
contracts and quittances.

Lists are built for a cabinet with thousands of contracts: related objects are
joined (``list_select_related``), foreign keys to big tables use autocompletes,
and the read-only summaries on a contract page show a bounded number of rows.
"""

from pathlib import PurePosixPath

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import SetPasswordMixin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts.models import (
    Beneficiary,
    Cabinet,
    Client,
    Contract,
    ExtranetAccess,
    Guarantee,
    Payment,
    Quittance,
)
from contracts.selectors import (
    cabinet_get,
    quittance_annotate_balance,
    quittance_is_settled,
    quittances_filter_settled,
)
from documents.models import Document, ProductAttestationModel
from modulr.formatting import format_amount, format_date
from products.models import BeneficiaryKind, Product

from .sites import site

User = get_user_model()

# A contract page edits its beneficiaries inline up to this many; past it (a big fleet)
# the inline would exceed DATA_UPLOAD_MAX_NUMBER_FIELDS and the page would be too heavy,
# so the page links to the beneficiaries' own list instead.
BENEFICIARY_INLINE_MAX = 50


def _changelist_url(model, **filters) -> str:
    url = reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return f"{url}?{query}" if query else url


def _change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _selected_only_filter(title, parameter_name, model, lookup):
    """A list filter for a big table (clients, contracts): it never lists every row.

    It appears only when a link (e.g. a client's contract count) selected one object,
    so that the selection shows in the sidebar and can be cleared.
    """

    class SelectedOnlyFilter(admin.SimpleListFilter):
        def lookups(self, request, model_admin):
            value = self.value()
            if not value or not value.isdigit():
                return []
            return [(str(obj.pk), str(obj)) for obj in model.objects.filter(pk=value)]

        def queryset(self, request, queryset):
            value = self.value()
            if value and value.isdigit():
                return queryset.filter(**{lookup: value})
            return queryset

    SelectedOnlyFilter.title = title
    SelectedOnlyFilter.parameter_name = parameter_name
    return SelectedOnlyFilter


def _period(quittance) -> str:
    return _("du %(debut)s au %(fin)s") % {
        "debut": format_date(quittance.periode_debut),
        "fin": format_date(quittance.periode_fin),
    }


def _soldee(quittance) -> bool | None:
    return quittance_is_settled(quittance)


# --- Cabinet -------------------------------------------------------------------------


@admin.register(Cabinet, site=site)
class CabinetAdmin(admin.ModelAdmin):
    fieldsets = (
        (None, {"fields": ("nom", "orias")}),
        (_("Coordonnées"), {"fields": ("adresse", "code_postal", "ville", "telephone", "email")}),
    )

    def has_add_permission(self, request):
        # The single row exists as soon as any intranet page is shown (cabinet_get).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(_change_url(cabinet_get()))


# --- Extranet accounts and staff -----------------------------------------------------


class AccountCreationForm(SetPasswordMixin, forms.ModelForm):
    """An account logs in with its e-mail address: it is its username too."""

    password1, password2 = SetPasswordMixin.create_password_fields()
    client = forms.ModelChoiceField(
        label=_("client"),
        queryset=Client.objects.all(),
        required=False,
        help_text=_("Le client dont ce compte verra les contrats (facultatif)."),
        widget=AutocompleteSelect(ExtranetAccess._meta.get_field("client"), site),
    )

    class Meta:
        model = User
        fields = ("email",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].widget.attrs["autofocus"] = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email) | User.objects.filter(
            username__iexact=email
        )
        if taken.exists():
            raise forms.ValidationError(_("Un compte existe déjà avec cette adresse e-mail."))
        return email

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def _post_clean(self):
        super()._post_clean()
        self.instance.username = self.cleaned_data.get("email", "")
        self.validate_password_for_user(self.instance)

    def save(self, commit=True):
        user = super().save(commit=False)
        user.username = user.email
        return self.set_password_and_save(user, commit=commit)


class AccountTypeFilter(admin.SimpleListFilter):
    title = _("type de compte")
    parameter_name = "compte"

    def lookups(self, request, model_admin):
        return [("extranet", _("Compte extranet")), ("personnel", _("Personnel du cabinet"))]

    def queryset(self, request, queryset):
        if self.value() == "extranet":
            return queryset.filter(is_staff=False)
        if self.value() == "personnel":
            return queryset.filter(is_staff=True)
        return queryset


class ClientAccessInline(admin.TabularInline):
    """On an extranet account: the clients it reaches (a group's account may reach several)."""

    model = ExtranetAccess
    fk_name = "user"
    fields = ("client", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("client",)
    extra = 0
    verbose_name = _("client accessible")
    verbose_name_plural = _("clients accessibles sur l'extranet")


@admin.register(User, site=site)
class AccountAdmin(UserAdmin):
    add_form = AccountCreationForm
    add_form_template = "admin/auth/user/add_account_form.html"
    add_fieldsets = ((None, {"fields": ("email", "password1", "password2", "client")}),)
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active")
    list_filter = (AccountTypeFilter, "is_active", "is_superuser", "groups")

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {"title": _("Ajouter un compte extranet"), **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and IS_POPUP_VAR in request.GET:
            # Opened from a client's page: the access is that page's inline row.
            return ((None, {"fields": ("email", "password1", "password2")}),)
        return fieldsets

    def get_inlines(self, request, obj):
        return [ClientAccessInline] if obj is not None and not obj.is_staff else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        client = form.cleaned_data.get("client") if not change else None
        if client is not None:
            ExtranetAccess.objects.create(user=obj, client=client)


site.register(Group, GroupAdmin)


# --- Clients ---------------------------------------------------------------------------


class ExtranetAccessInline(admin.TabularInline):
    model = ExtranetAccess
    fk_name = "client"
    fields = ("user", "created_at")
    readonly_fields = ("created_at",)
    # An autocomplete, not a <select> of every account; limit_choices_to keeps it
    # to non-staff accounts, in the search results and on save alike.
    autocomplete_fields = ("user",)
    extra = 0
    verbose_name = _("compte extranet")
    verbose_name_plural = _("comptes extranet ayant accès à ce client")


@admin.register(Client, site=site)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("nom", "kind", "ville", "account_manager", "contract_count")
    list_select_related = ("account_manager",)
    list_filter = ("kind", "account_manager")
    search_fields = ("nom", "siren", "email", "ville", "code_postal")
    fieldsets = (
        (None, {"fields": ("kind", "nom", "siren", "account_manager")}),
        (_("Coordonnées"), {"fields": ("adresse", "code_postal", "ville", "email")}),
    )
    inlines = [ExtranetAccessInline]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(contract_count=Count("contracts"))

    @admin.display(description=_("contrats"), ordering="contract_count")
    def contract_count(self, obj):
        url = _changelist_url(Contract, client=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.contract_count)


# --- Products --------------------------------------------------------------------------


class ProductAttestationModelInline(admin.TabularInline):
    """The product page's attestation models, as the product page describes them.

    The dropdown comes from the link's ``limit_choices_to`` (type Attestation, entity
    Contrat or Bénéficiaire): the form field's queryset is filtered too, so a posted id
    of any other template is refused. Django's delete checkbox removes the link only
    (the link's foreign key to the template is PROTECT), and nothing is saved before
    the product's « Enregistrer ».
    """

    model = ProductAttestationModel
    fields = (
        "template",
        "template_entity",
        "template_pdf_conversion",
        "extranet_title",
        "position",
    )
    readonly_fields = ("template_entity", "template_pdf_conversion")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template")

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


class RecentRowsFormSet(BaseInlineFormSet):
    """Shows the first ``row_limit`` rows of a read-only summary, and says when there are more."""

    row_limit = 50
    see_all_url = ""

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._all_rows = super().get_queryset()
            self._queryset = self._all_rows[: self.row_limit]
        return self._queryset

    @property
    def truncated(self) -> bool:
        rows = self.get_queryset()
        return len(rows) == self.row_limit and self._all_rows.count() > self.row_limit


class ReadOnlySummaryInline(admin.TabularInline):
    """A table of related rows with no form field at all (see ``ContractAdmin``).

    Its template renders no input, so a contract with hundreds of documents posts no
    more fields than one with none; the contract admin leaves it out of POST requests.
    """

    template = "admin/edit_inline/readonly_summary.html"
    formset = RecentRowsFormSet
    row_limit = 50
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def see_all_url(self, obj) -> str:
        return ""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.row_limit = self.row_limit
        formset.see_all_url = self.see_all_url(obj) if obj is not None else ""
        return formset


class QuittanceSummaryInline(ReadOnlySummaryInline):
    model = Quittance
    fields = ("numero_link", "periode", "type", "prime", "restant", "soldee", "status")
    readonly_fields = fields
    verbose_name_plural = _("quittances")

    def get_queryset(self, request):
        return quittance_annotate_balance(super().get_queryset(request))

    def see_all_url(self, obj) -> str:
        return _changelist_url(Quittance, contract__id__exact=obj.pk)

    @admin.display(description=_("numéro"))
    def numero_link(self, obj):
        return format_html('<a href="{}">{}</a>', _change_url(obj), obj.numero)

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
    fields = ("title", "numero", "beneficiary", "shared_on_extranet", "created_at", "files")
    readonly_fields = fields
    row_limit = 100

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("beneficiary")

    @admin.display(description=_("fichiers"))
    def files(self, obj):
        names = [PurePosixPath(f.name).name for f in (obj.word_file, obj.pdf_file) if f]
        return ", ".join(names) or "—"


@admin.register(Contract, site=site)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("numero", "client", "product", "assureur", "status", "date_effet")
    list_select_related = ("client", "product")
    search_fields = ("numero", "client__nom", "assureur")
    list_filter = (
        "status",
        "product",
        "assureur",
        "client__account_manager",
        _selected_only_filter(_("client"), "client", Client, "client_id"),
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

    def get_inlines(self, request, obj):
        inlines = [GuaranteeInline]
        if obj is None or obj.beneficiaries.count() <= BENEFICIARY_INLINE_MAX:
            inlines.append(BeneficiaryInline)
        if obj is not None:
            inlines += [QuittanceSummaryInline, DocumentInline]
            from .admin_attestations import AttestationRequestInline  # imports this module

            inlines.append(AttestationRequestInline)
        return inlines

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if request.method == "POST" and isinstance(inline, ReadOnlySummaryInline):
                continue  # rendered without inputs: nothing to read back
            yield formset, inline

    @admin.display(description=_("liens"))
    def related_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            _changelist_url(Quittance, contract__id__exact=obj.pk),
            _("Toutes les quittances"),
            reverse(f"{site.name}:contracts_quittance_add") + f"?contract={obj.pk}",
            _("Ajouter une quittance"),
            _changelist_url(Beneficiary, contract=obj.pk),
            _("Tous les bénéficiaires"),
        )


@admin.register(Beneficiary, site=site)
class BeneficiaryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "contract", "client", "date_entree", "date_sortie")
    list_select_related = ("contract__client",)
    list_filter = (
        "kind",
        _selected_only_filter(_("contrat"), "contract", Contract, "contract_id"),
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

    @admin.display(description=_("client"), ordering="contract__client__nom")
    def client(self, obj):
        return obj.contract.client


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
        _selected_only_filter(_("client"), "client", Client, "contract__client_id"),
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
