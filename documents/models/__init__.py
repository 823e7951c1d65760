"""Document templates (the broker's Word models) and their configured fields, the product ↔
attestation-model link and stored documents; the attestation requests, their batches, their
audit trail and the number counter are in ``attestations.py``. Rules live in services,
selectors and ``documents/attestations/``.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from contracts.models import Beneficiary, Contract
from products.models import Product


def private_path(prefix: str, filename: str) -> str:
    """An unguessable storage path: nobody can list or predict it."""
    name = get_valid_filename(filename)[-80:] or "fichier"
    return f"{prefix}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}/{name}"


def template_upload_to(instance, filename: str) -> str:
    return private_path("modeles", filename)


def document_upload_to(instance, filename: str) -> str:
    return private_path("documents", filename)


class DocumentTemplate(models.Model):
    class Type(models.TextChoices):
        ATTESTATION = "attestation", _("Attestation")
        COURRIER = "courrier", _("Courrier")
        AVENANT = "avenant", _("Avenant")
        AUTRE = "autre", _("Autre")

    class Entity(models.TextChoices):
        CONTRAT = "contrat", _("Contrat")
        BENEFICIAIRE = "beneficiaire", _("Bénéficiaire")
        CLIENT = "client", _("Client")

    name = models.CharField(_("nom"), max_length=200)
    type = models.CharField(
        _("type"), max_length=20, choices=Type.choices, default=Type.ATTESTATION
    )
    entity = models.CharField(
        _("entité liée"), max_length=20, choices=Entity.choices, default=Entity.CONTRAT
    )
    file = models.FileField(_("fichier Word (.docx)"), upload_to=template_upload_to)
    pdf_conversion = models.BooleanField(
        _("conversion PDF automatique"),
        default=True,
        help_text=_("Sans cette option, les documents sont générés au format Word."),
    )
    # Validity: by default from the attestation's date to the end of the paid quittance
    # (documents.verification); or from two of the model's own date fields (an event's).
    validity_start_field = models.CharField(
        _("début de validité"),
        max_length=100,
        blank=True,
        help_text=_("Champ date du modèle qui donne le début de validité de l'attestation."),
    )
    validity_end_field = models.CharField(
        _("fin de validité"),
        max_length=100,
        blank=True,
        help_text=_("Champ date du modèle qui donne la fin de validité de l'attestation."),
    )
    qr_code_size_mm = models.PositiveSmallIntegerField(
        _("taille du QR code (mm)"),
        default=30,
        validators=[MinValueValidator(15), MaxValueValidator(80)],
        help_text=_("Côté du QR code de vérification, là où le modèle porte "
                    "{{ attestation.qr_code }} : de 15 à 80 mm."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("modèle de document")
        verbose_name_plural = _("modèles de documents")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateField(models.Model):
    """An unknown tag of a model: an input the client fills when requesting."""

    class Type(models.TextChoices):
        TEXT = "text", _("Texte")
        TEXTAREA = "textarea", _("Texte long")
        DATE = "date", _("Date")
        NUMBER = "number", _("Nombre")
        CHOICE = "choice", _("Liste de choix")

    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("modèle"),
        on_delete=models.CASCADE,
        related_name="fields",
    )
    name = models.CharField(_("étiquette"), max_length=100)
    label = models.CharField(_("intitulé"), max_length=200)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.TEXT)
    default = models.CharField(_("valeur par défaut"), max_length=500, blank=True)
    default_days_offset = models.IntegerField(
        _("date par défaut : aujourd'hui plus N jours"),
        null=True,
        blank=True,
        help_text=_("Pour une date : 0 pour aujourd'hui, 30 pour dans 30 jours ; vide : aucune."),
    )
    required = models.BooleanField(_("obligatoire"), default=True)
    help_text = models.CharField(_("aide"), max_length=300, blank=True)
    choices = models.TextField(_("choix"), blank=True, help_text=_("Un choix par ligne."))
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("zone de saisie")
        verbose_name_plural = _("zones de saisie")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "name"], name="template_field_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def choice_list(self) -> list[str]:
        return [c.strip() for c in self.choices.splitlines() if c.strip()]


class ProductAttestationModel(models.Model):
    """An attestation model offered on a product (never deletes the template itself)."""

    product = models.ForeignKey(
        Product,
        verbose_name=_("produit"),
        on_delete=models.CASCADE,
        related_name="attestation_models",
    )
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("modèle d'attestation"),
        on_delete=models.PROTECT,
        related_name="product_links",
        limit_choices_to={
            "type": DocumentTemplate.Type.ATTESTATION,
            "entity__in": [DocumentTemplate.Entity.CONTRAT, DocumentTemplate.Entity.BENEFICIAIRE],
        },
    )
    extranet_title = models.CharField(
        _("titre pour l'extranet"),
        max_length=200,
        blank=True,
        help_text=_("Affiché au client à la place du nom du modèle (facultatif)."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    # The « Mémo véhicule assuré » sent once per vehicle, on its entry into the fleet.
    generate_on_entry = models.BooleanField(
        _("générer à l'entrée d'un bénéficiaire"),
        default=False,
        help_text=_(
            "À l'ajout d'un bénéficiaire au contrat, son attestation est générée et partagée "
            "sur l'extranet (ou soumise à validation), et le client est prévenu par e-mail. "
            "Modèles liés au bénéficiaire seulement."
        ),
    )

    class Meta:
        verbose_name = _("modèle d'attestation du produit")
        verbose_name_plural = _("modèles d'attestation")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "template"], name="product_template_unique"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.extranet_title or self.template.name


class Document(models.Model):
    """A file in a contract's documents: the Word file and/or the PDF."""

    # PROTECT: deleting a contract never takes its documents (nor its requests and their
    # history) with it; the admin lists them on the delete page and refuses.
    contract = models.ForeignKey(
        Contract, verbose_name=_("contrat"), on_delete=models.PROTECT, related_name="documents"
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("bénéficiaire"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("modèle"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
    )
    title = models.CharField(_("titre"), max_length=250)
    numero = models.CharField(
        _("n° d'attestation"), max_length=20, unique=True, null=True, blank=True
    )
    word_file = models.FileField(
        _("fichier Word"), upload_to=document_upload_to, blank=True, max_length=300
    )
    pdf_file = models.FileField(
        _("fichier PDF"), upload_to=document_upload_to, blank=True, max_length=300
    )
    shared_on_extranet = models.BooleanField(_("partagé sur l'extranet"), default=False)
    shared_at = models.DateTimeField(_("partagé le"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("partagé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # -- verification (documents.verification): what a third party checks online ----------
    valid_from = models.DateField(_("valable du"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    # Random, never derived from the number: whoever holds the paper holds the code.
    verification_code = models.CharField(
        _("code de vérification"), max_length=16, unique=True, null=True, blank=True
    )
    sha256 = models.CharField(
        _("empreinte SHA-256 du fichier remis"),
        max_length=64,
        blank=True,
        editable=False,
        db_index=True,  # staff find an attestation from the file they are sent
    )
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("révoquée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.TextField(_("motif de la révocation (interne)"), blank=True)
    revocation_public_reason = models.CharField(
        _("motif affiché sur la page de vérification"), max_length=250, blank=True
    )
    # What the model's fields were filled with: a re-issue starts from them (the request's
    # values are the client's first ones, not a correction's).
    values = models.JSONField(_("valeurs saisies"), default=dict, blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("remplacée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contract", "shared_on_extranet", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def verification_code_display(self) -> str:
        """The code as printed: four groups of four (ABCD-EFGH-JKMN-PQRS)."""
        from documents.verification import verification_code_display

        return verification_code_display(self.verification_code or "")

    @property
    def main_file(self):
        """What a client downloads: the PDF when there is one, else the Word file."""
        return self.pdf_file or self.word_file


# The attestation requests' models, after the ones they point at; Django finds every model
# of the app here.
from .attestations import (  # noqa: E402
    AttestationBatch,
    AttestationCounter,
    AttestationEvent,
    AttestationRequest,
)

__all__ = [
    "AttestationBatch",
    "AttestationCounter",
    "AttestationEvent",
    "AttestationRequest",
    "Document",
    "DocumentTemplate",
    "ProductAttestationModel",
    "TemplateField",
    "document_upload_to",
    "private_path",
    "template_upload_to",
]
