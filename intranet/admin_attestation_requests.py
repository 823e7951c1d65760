"""« Demandes d'attestation » in the intranet: every request, read only, with its audit trail,
and the requests' block on a contract's page. Requests are made on the extranet and decided
from tasks (``admin_attestations``)."""

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.attestations.selectors import attestation_request_field_values
from documents.attestations.submit import RequestRefused, attestation_request_retry
from documents.models import AttestationEvent, AttestationRequest
from modulr.formatting import user_display_name

from .admin_base import ReadOnlyAdminMixin, ReadOnlySummaryInline
from .admin_sharing import document_sends_html
from .sites import site


def _when(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y %H:%M}" if value else ""


def _who(user) -> str:
    return user_display_name(user) if user is not None else gettext("le système")


class AttestationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The request's audit trail: every step, who and when; kept after the document goes."""

    model = AttestationEvent
    fields = ("at", "kind", "actor", "detail")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("historique de la demande")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(AttestationRequest, site=site)
class AttestationRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every request, read only: requests are made on the extranet and decided from tasks."""

    list_display = (
        "created_at",
        "title",
        "contract",
        "client",
        "user",
        "status",
        "needs_validation",
        "decided_by",
    )
    list_select_related = ("contract", "contract__client", "user", "decided_by")
    list_filter = ("status", "needs_validation")
    search_fields = ("contract__numero", "contract__client__nom", "user__email", "numero")
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [AttestationEventInline]
    fieldsets = (
        (None, {"fields": ("title", "status", "needs_validation", "numero", "attestation")}),
        (
            _("Demande"),
            {
                "fields": (
                    "user",
                    "created_at",
                    "contract_link",
                    "client",
                    "beneficiary_label",
                    "typed_values",
                )
            },
        ),
        (
            _("Décision"),
            {"fields": ("task_link", "decided_by", "decided_at", "refusal_reason")},
        ),
        (_("Génération"), {"fields": ("error", "attempts")}),
        (_("Envois à des tiers"), {"fields": ("third_party_sends",)}),
    )
    # Everything shown is read only: the fields are the fieldsets'.
    readonly_fields = tuple(name for _title, options in fieldsets for name in options["fields"])

    actions = ["retry_generation"]

    # Sending a request again acts on it: the change right, though its fields stay read only.
    RETRY_PERMISSION = "documents.change_attestationrequest"

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm(self.RETRY_PERMISSION)

    @admin.action(
        description=_("Relancer la génération des demandes en échec"), permissions=["retry"]
    )
    def retry_generation(self, request, queryset):
        for attestation_request in queryset.select_related("contract", "template", "beneficiary"):
            try:
                attestation_request_retry(request=attestation_request, user=request.user)
            except RequestRefused as refused:
                self.message_user(
                    request, f"{attestation_request} : {refused}", level=messages.WARNING
                )
            else:
                self.message_user(
                    request, gettext("%s : génération relancée.") % attestation_request
                )

    @admin.display(description=_("client"), ordering="contract__client__nom")
    def client(self, obj):
        return obj.contract.client

    @admin.display(description=_("contrat"))
    def contract_link(self, obj):
        url = reverse(f"{site.name}:contracts_contract_change", args=[obj.contract_id])
        return format_html('<a href="{}">{}</a>', url, obj.contract.numero)

    @admin.display(description=_("valeurs saisies"))
    def typed_values(self, obj):
        values = attestation_request_field_values(request=obj)
        if not values:
            return "—"
        return format_html_join(
            "", "<div><strong>{}</strong> : {}</div>", ((v.label, v.value) for v in values)
        )

    @admin.display(description=_("attestation"))
    def attestation(self, obj):
        if obj.document_id is None:
            return gettext("Détruite") if obj.status == obj.Status.REFUSED else "—"
        url = reverse(f"{site.name}:document_file", args=[obj.document_id])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Ouvrir l'attestation"))

    @admin.display(description=_("envois"))
    def third_party_sends(self, obj):
        return document_sends_html(obj.document)

    @admin.display(description=_("tâche de validation"))
    def task_link(self, obj):
        if obj.task_id is None:
            return "—"
        url = reverse(f"{site.name}:tasks_inbox_task", args=[obj.task_id])
        return format_html('<a href="{}">{}</a>', url, obj.task)


class AttestationRequestInline(ReadOnlySummaryInline):
    """The contract's requests, newest first, each with its history in one cell."""

    model = AttestationRequest
    fk_name = "contract"
    fields = ("request_link", "beneficiary_label", "user", "status", "history")
    readonly_fields = fields
    row_limit = 50
    verbose_name_plural = _("demandes d'attestation")

    def get_queryset(self, request):
        events = AttestationEvent.objects.select_related("actor").order_by("at", "id")
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related(Prefetch("events", queryset=events))
            .order_by("-created_at", "-id")
        )

    def see_all_url(self, obj) -> str:
        url = reverse(f"{site.name}:documents_attestationrequest_changelist")
        return f"{url}?contract__id__exact={obj.pk}"

    @admin.display(description=_("demande"))
    def request_link(self, obj):
        url = reverse(f"{site.name}:documents_attestationrequest_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.display(description=_("historique"))
    def history(self, obj):
        return format_html_join(
            "",
            "<div>{} – {} ({})</div>",
            (
                (_when(event.at), event.get_kind_display(), _who(event.actor))
                for event in obj.events.all()
            ),
        )
