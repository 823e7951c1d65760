"""What the intranet's admin modules share: read-only permissions, links between pages,
the filter for big tables and the bounded read-only summary inline.

No model is registered here; each ``admin_*`` module imports what it needs.
"""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse

from .sites import site


class NoAddDeleteMixin:
    """Rows nobody adds or deletes from the intranet; they may still be changed.

    ``obj=None`` fits both signatures: ``ModelAdmin.has_add_permission(request)`` and
    ``InlineModelAdmin.has_add_permission(request, obj)``.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProtectedOnDeleteMixin:
    """For a ModelAdmin whose rows own protected history (a contract's documents and
    attestation requests): when those block the deletion, the page says so.

    Django lists the protected rows, but first says the user lacks the right to delete rows
    that nobody deletes here (the requests), as if another right would do; with protected
    rows, nobody can delete, whatever the rights. ``admin/contracts/delete_confirmation.html``
    adds the sentence that says why.
    """

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
        return to_delete, model_count, perms_needed, protected


class ReadOnlyAdminMixin(NoAddDeleteMixin):
    """Rows the intranet only shows (a ModelAdmin or an inline): staff with the view
    permission see them, nobody adds, changes or deletes them here."""

    def has_change_permission(self, request, obj=None):
        return False


def changelist_url(model, **filters) -> str:
    url = reverse(f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return f"{url}?{query}" if query else url


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"{site.name}:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def selected_only_filter(title, parameter_name, model, lookup):
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


class ReadOnlySummaryInline(ReadOnlyAdminMixin, admin.TabularInline):
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

    def see_all_url(self, obj) -> str:
        return ""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.row_limit = self.row_limit
        formset.see_all_url = self.see_all_url(obj) if obj is not None else ""
        return formset
