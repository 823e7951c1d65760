"""Document templates (the broker's Word models) and their configured fields, the product ↔
attestation-model link, stored documents, the attestation counter, and the attestation
requests with their audit trail. Rules live in services, selectors and ``attestations/``.
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
        from .verification import verification_code_display

        return verification_code_display(self.verification_code or "")

    @property
    def main_file(self):
        """What a client downloads: the PDF when there is one, else the Word file."""
        return self.pdf_file or self.word_file


class AttestationCounter(models.Model):
    """Last attestation number given per year (``documents.services.attestation_number_next``)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur d'attestations")
        verbose_name_plural = _("compteurs d'attestations")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class AttestationBatch(models.Model):
    """One request for every current beneficiary of a contract (« Tous les véhicules en
    cours »): the values typed once, one ``AttestationRequest`` per beneficiary, each
    generated by its own job. Its state is its requests' (``attestations.batch_selectors``):
    nothing here to keep in step with them.
    """

    class Origin(models.TextChoices):
        EXTRANET = "extranet", _("Extranet (client)")
        INTRANET = "intranet", _("Intranet (cabinet)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("demandée par"),
        on_delete=models.PROTECT,
        related_name="attestation_batches",
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contrat"),
        on_delete=models.PROTECT,
        related_name="attestation_batches",
    )
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("modèle"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="attestation_batches",
    )
    title = models.CharField(_("attestation demandée"), max_length=250)
    values = models.JSONField(_("valeurs saisies"), default=dict, blank=True)
    origin = models.CharField(
        _("origine"), max_length=10, choices=Origin.choices, default=Origin.EXTRANET
    )
    needs_validation = models.BooleanField(_("validation préalable"), default=False)
    # One decision for the whole batch: every request of it points at this task too.
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("tâche de validation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attestation_batches",
    )
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("demande groupée d'attestations")
        verbose_name_plural = _("demandes groupées d'attestations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.contract})"


class AttestationRequest(models.Model):
    """A client's request from the extranet; kept forever, even once its document is destroyed.

    Life: ``pending`` → ``generating`` → ``ready`` (shared) or ``awaiting_validation`` (held for
    staff) → ``ready`` / ``refused``; any generation error → ``failed`` (retryable).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En cours de génération")
        GENERATING = "generating", _("En cours de génération")
        READY = "ready", _("Disponible")
        AWAITING_VALIDATION = "awaiting_validation", _("En attente de validation")
        REFUSED = "refused", _("Refusée")
        FAILED = "failed", _("Échec de la génération")

    class Origin(models.TextChoices):
        EXTRANET = "extranet", _("Extranet (client)")
        INTRANET = "intranet", _("Intranet (cabinet)")
        ENTRY = "entree", _("Entrée d'un bénéficiaire")

    # The client's extranet account; for a request staff made (intranet, a beneficiary's
    # entry), the staff member.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte extranet"),
        on_delete=models.PROTECT,
        related_name="attestation_requests",
    )
    origin = models.CharField(
        _("origine"), max_length=10, choices=Origin.choices, default=Origin.EXTRANET
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contrat"),
        on_delete=models.PROTECT,
        related_name="attestation_requests",
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        verbose_name=_("bénéficiaire"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attestation_requests",
    )
    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("modèle"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="attestation_requests",
    )
    # Snapshots: what the client saw, readable after the model or beneficiary changes.
    title = models.CharField(_("attestation demandée"), max_length=250)
    beneficiary_label = models.CharField(_("bénéficiaire (libellé)"), max_length=250, blank=True)
    values = models.JSONField(_("valeurs saisies"), default=dict, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    needs_validation = models.BooleanField(_("validation préalable"), default=False)
    error = models.TextField(_("erreur"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    document = models.OneToOneField(
        Document,
        verbose_name=_("document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attestation_request",
    )
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("tâche de validation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attestation_requests",
    )
    # The batch it is one of (« Tous les véhicules en cours »); None for a single request.
    batch = models.ForeignKey(
        AttestationBatch,
        verbose_name=_("demande groupée"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    numero = models.CharField(_("n° d'attestation"), max_length=20, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("décidée par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    # When the broker (or the embedded pool) last accepted its job; empty while a job could
    # not be sent (broker down): the recovery sends it again within seconds.
    queued_at = models.DateTimeField(_("transmise au worker le"), null=True, blank=True)
    # The worker that claimed it last (Celery's hostname, or host:pid of a web process): the
    # one generating it, then the one that generated it.
    generated_by = models.CharField(_("générée par"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now, db_index=True)
    # While generating, the job holding the request refreshes it every few seconds (its
    # lease, docs/attestations.md).
    updated_at = models.DateTimeField(_("mise à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("demande d'attestation")
        verbose_name_plural = _("demandes d'attestation")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # The recovery's queries, every few seconds: only the requests in progress.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status__in=["pending", "generating"]),
                name="attestation_request_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.contract})"


class AttestationEvent(models.Model):
    """The audit trail of a request: who did what, when. Never deleted with the document."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Demande envoyée")
        GENERATED = "generated", _("Attestation générée")
        SHARED = "shared", _("Attestation partagée sur l'extranet")
        VALIDATED = "validated", _("Demande validée")
        REFUSED = "refused", _("Demande refusée")
        FAILED = "failed", _("Échec de la génération")
        RETRIED = "retried", _("Nouvelle tentative")
        DESTROYED = "destroyed", _("Attestation détruite")
        REVOKED = "revoked", _("Révoquée")
        REPLACED = "replaced", _("Remplacée")

    request = models.ForeignKey(
        AttestationRequest,
        verbose_name=_("demande"),
        on_delete=models.PROTECT,  # the audit trail outlives everything else
        related_name="events",
    )
    kind = models.CharField(_("étape"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("le"), default=timezone.now)
    detail = models.TextField(_("détail"), blank=True)

    class Meta:
        verbose_name = _("étape de la demande")
        verbose_name_plural = _("historique des demandes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%d/%m/%Y %H:%M})"
