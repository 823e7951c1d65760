"""A client company's address book (« Mes destinataires ») and each attestation sent to a third
party: to whom, when, with which message, and what the third party did with the link.

Rules live in ``sharing.services`` and ``sharing.selectors``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Client
from documents.models import Document

NAME_MAX_LENGTH = 200
MESSAGE_MAX_LENGTH = 1000


class Role(models.TextChoices):
    """Who the third party is to the client (« Who receives an attestation »)."""

    BAILLEUR = "bailleur", _("Bailleur")
    MAITRE_OUVRAGE = "maitre_ouvrage", _("Maître d'ouvrage")
    DONNEUR_ORDRE = "donneur_ordre", _("Donneur d'ordre")
    ORGANISATEUR = "organisateur", _("Organisateur")
    AUTRE = "autre", _("Autre")


class Recipient(models.Model):
    """A third party in a client company's address book: every extranet account reaching the
    client shares it. Filled by each send; one row per address."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="recipients"
    )
    name = models.CharField(_("nom"), max_length=NAME_MAX_LENGTH)
    # Stored in lower case (``sharing.services``): one row per address, however it was typed.
    email = models.EmailField(_("adresse e-mail"), max_length=254)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.AUTRE)
    created_at = models.DateTimeField(_("ajouté le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernier envoi le"), default=timezone.now)

    class Meta:
        verbose_name = _("destinataire")
        verbose_name_plural = _("destinataires")
        ordering = ["-last_used_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "email"], name="recipient_client_email"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class DocumentSend(models.Model):
    """One attestation sent to one third party, with a link valid 30 days.

    The link's token is never stored: only its SHA-256 (``token_hash``), as for a password.
    The recipient is a snapshot: removing them from the address book keeps the history.
    """

    # PROTECT: who received an attestation is part of its history, like its request's.
    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="sends"
    )
    recipient_name = models.CharField(_("destinataire"), max_length=NAME_MAX_LENGTH)
    recipient_email = models.EmailField(_("adresse du destinataire"), max_length=254)
    recipient_role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    message = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH, blank=True)
    copy_to_sender = models.BooleanField(_("copie à l'expéditeur"), default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyée par"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    token_hash = models.CharField(_("empreinte du lien"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("lien valable jusqu'au"))
    first_opened_at = models.DateTimeField(_("ouverte le"), null=True, blank=True)
    opened_count = models.PositiveIntegerField(_("ouvertures"), default=0)
    downloaded_at = models.DateTimeField(_("téléchargée le"), null=True, blank=True)
    download_count = models.PositiveIntegerField(_("téléchargements"), default=0)

    class Meta:
        verbose_name = _("envoi à un tiers")
        verbose_name_plural = _("envois à des tiers")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["document", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_name} <{self.recipient_email}>"
