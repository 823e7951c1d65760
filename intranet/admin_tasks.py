"""« Modèles de tâches » and the tasks' history in the intranet.

The rules (which template applies, who may decide, what a template needs) live in
``tasks``; these screens validate input and call them. The staff inbox « Mes tâches »
is in ``intranet.task_views``.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tasks.models import Task, TaskTemplate
from tasks.selectors import task_template_errors

from .admin_base import ReadOnlyAdminMixin
from .sites import site


class TaskTemplateForm(forms.ModelForm):
    class Meta:
        model = TaskTemplate
        fields = [
            "subject",
            "type",
            "trigger",
            "is_active",
            "recipient_users",
            "recipient_groups",
            "recipient_account_manager",
            "due_in_days",
            "is_priority",
            "description",
            "products",
        ]

    def clean(self):
        cleaned = super().clean()
        has_recipients = bool(
            cleaned.get("recipient_users")
            or cleaned.get("recipient_groups")
            or cleaned.get("recipient_account_manager")
        )
        errors = task_template_errors(
            type=cleaned.get("type", ""),
            trigger=cleaned.get("trigger", ""),
            has_recipients=has_recipients,
        )
        if errors:
            raise ValidationError(errors)
        return cleaned


@admin.register(TaskTemplate, site=site)
class TaskTemplateAdmin(admin.ModelAdmin):
    form = TaskTemplateForm
    list_display = (
        "subject",
        "type",
        "trigger",
        "due_in_days",
        "is_priority",
        "is_active",
    )
    list_filter = ("is_active", "type", "trigger", "is_priority")
    search_fields = ("subject", "description")
    filter_horizontal = ("recipient_users", "recipient_groups", "products")
    fieldsets = (
        (None, {"fields": ("subject", "type", "trigger", "is_active")}),
        (
            _("Destinataires"),
            {"fields": ("recipient_users", "recipient_groups", "recipient_account_manager")},
        ),
        (_("Échéance et priorité"), {"fields": ("due_in_days", "is_priority")}),
        (_("Description"), {"fields": ("description",)}),
        (
            _("Produits concernés"),
            {
                "fields": ("products",),
                "description": _("Sans produit choisi, le modèle s'applique à tous les produits."),
            },
        ),
    )


@admin.register(Task, site=site)
class TaskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The history of every task, read only: tasks are created by triggers and decided from
    « Mes tâches »."""

    list_display = (
        "subject",
        "client",
        "contract",
        "type",
        "status",
        "is_priority",
        "due_date",
        "created_at",
        "decided_by",
        "inbox_link",
    )
    list_select_related = ("client", "contract", "decided_by")
    list_filter = ("status", "type", "is_priority", "template")
    search_fields = ("subject", "client__nom", "contract__numero")
    date_hierarchy = "created_at"
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("subject", "type", "status", "is_priority", "due_date", "template")}),
        (_("Contexte"), {"fields": ("client", "contract", "requested_by", "created_at")}),
        (
            _("Destinataires"),
            {"fields": ("recipient_users", "recipient_groups", "account_manager")},
        ),
        (_("Description"), {"fields": ("description",)}),
        (_("Décision"), {"fields": ("decided_by", "decided_at", "decision_note")}),
    )

    @admin.display(description=_("page de la tâche"))
    def inbox_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse(f"{site.name}:tasks_inbox_task", args=[obj.pk]),
            _("Ouvrir"),
        )
