"""The intranet's pages for the cabinet, its clients and the accounts: extranet accounts
(with the clients they reach) and the cabinet's staff and groups.

The client list is built for thousands of clients: contract counts are annotated and
foreign keys to big tables use autocompletes.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import SetPasswordMixin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts.models import Cabinet, Client, Contract, ExtranetAccess
from contracts.selectors import cabinet_get

from .admin_base import NoAddDeleteMixin, ProtectedOnDeleteMixin, change_url, changelist_url
from .sites import site

User = get_user_model()

# --- Cabinet -------------------------------------------------------------------------


@admin.register(Cabinet, site=site)
class CabinetAdmin(NoAddDeleteMixin, admin.ModelAdmin):
    """The single row, changed in place: it exists as soon as any intranet page is shown
    (``cabinet_get``), so nobody adds or deletes it."""

    fieldsets = (
        (None, {"fields": ("nom", "orias")}),
        (_("Coordonnées"), {"fields": ("adresse", "code_postal", "ville", "telephone", "email")}),
    )

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(change_url(cabinet_get()))


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
class ClientAdmin(ProtectedOnDeleteMixin, admin.ModelAdmin):
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
        url = changelist_url(Contract, client=obj.pk)
        return format_html('<a href="{}">{}</a>', url, obj.contract_count)
