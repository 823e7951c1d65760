"""Task templates (« Modèles de tâches ») and the tasks they generate.

Generic: a task points at a client and optionally a contract, never at a document. The
attestation workflow (``documents``) links its requests to tasks from its own side.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contracts.models import Client, Contract
from products.models import Product


class TaskType(models.TextChoices):
    NOTIFICATION = "notification", _("Notification")
    ACTION = "action", _("Action")
    VALIDATION = "validation", _("Validation")
    VALIDATION_EXTRANET = "validation_extranet", _("Validation (action extranet)")


class Trigger:
    """What makes a template generate tasks. Grouped by category, as the intranet shows them."""

    MANUAL = "manual"
    EXTRANET_ATTESTATION_REQUEST = "extranet_attestation_request"

    CHOICES = [
        (_("Manuel"), [(MANUAL, _("Aucun (création manuelle)"))]),
        (
            _("Sur une action client depuis l'extranet client"),
            [(EXTRANET_ATTESTATION_REQUEST, _("Demande d'attestation depuis l'extranet client"))],
        ),
    ]


class TaskTemplate(models.Model):
    subject = models.CharField(_("objet de la tâche"), max_length=200)
    type = models.CharField(
        _("type de tâche"), max_length=30, choices=TaskType.choices, default=TaskType.ACTION
    )
    trigger = models.CharField(
        _("élément déclencheur"), max_length=50, choices=Trigger.CHOICES, default=Trigger.MANUAL
    )
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateurs destinataires"),
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True, "is_active": True},
    )
    recipient_groups = models.ManyToManyField(
        Group, verbose_name=_("groupes destinataires"), blank=True, related_name="+"
    )
    recipient_account_manager = models.BooleanField(
        _("le gestionnaire du client"),
        default=False,
        help_text=_("La tâche est aussi adressée au gestionnaire du client concerné."),
    )
    due_in_days = models.PositiveSmallIntegerField(
        _("délai d'échéance (jours)"),
        default=2,
        help_text=_("Nombre de jours entre la création de la tâche et son échéance."),
    )
    is_priority = models.BooleanField(_("marquer comme prioritaire"), default=False)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    products = models.ManyToManyField(
        Product,
        verbose_name=_("produits concernés"),
        blank=True,
        related_name="task_templates",
        help_text=_("Laisser vide pour que le modèle s'applique à tous les produits."),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("modèle de tâche")
        verbose_name_plural = _("modèles de tâches")
        ordering = ["subject", "pk"]
        indexes = [models.Index(fields=["trigger", "is_active"])]

    def __str__(self) -> str:
        return self.subject


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("À traiter")
        APPROVED = "approved", _("Validée")
        REFUSED = "refused", _("Refusée")
        DONE = "done", _("Terminée")
        CANCELLED = "cancelled", _("Annulée")

    template = models.ForeignKey(
        TaskTemplate,
        verbose_name=_("modèle de tâche"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
    )
    subject = models.CharField(_("objet"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    type = models.CharField(_("type"), max_length=30, choices=TaskType.choices)
    due_date = models.DateField(_("échéance"))
    is_priority = models.BooleanField(_("prioritaire"), default=False)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="tasks"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contrat"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tasks",
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utilisateurs destinataires"),
        blank=True,
        related_name="tasks_received",
    )
    recipient_groups = models.ManyToManyField(
        Group, verbose_name=_("groupes destinataires"), blank=True, related_name="tasks_received"
    )
    # Resolved when the task is created: a later change of account manager does not move
    # the task (whoever was told by e-mail keeps it).
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gestionnaire du client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks_as_account_manager",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("traitée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    decision_note = models.TextField(_("commentaire"), blank=True)
    # Set by the e-mail job once the recipients were told: a re-delivered job sends nothing.
    notified_at = models.DateTimeField(_("destinataires prévenus le"), null=True, blank=True)

    class Meta:
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        ordering = ["-is_priority", "due_date", "created_at", "pk"]
        permissions = [("decide_any_task", _("Peut décider de toute tâche"))]
        indexes = [
            # The inbox: tasks of a status, priority first then due date.
            models.Index(
                fields=["status", "-is_priority", "due_date", "created_at"],
                name="task_inbox_idx",
            ),
            models.Index(fields=["account_manager", "status"], name="task_manager_status_idx"),
        ]
        constraints = [
            # A decided task says who decided and when; an open one says neither.
            models.CheckConstraint(
                condition=(Q(status="open") & Q(decided_at__isnull=True))
                | (~Q(status="open") & Q(decided_at__isnull=False)),
                name="task_decided_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
