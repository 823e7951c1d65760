"""The cabinet and its book of business: clients and their extranet accounts, contracts with
their guarantees and beneficiaries (person, vehicle, building), quittances and payments.
No rule lives here: eligibility and balances are in ``contracts.selectors``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from products.models import BeneficiaryKind, Product


class Cabinet(models.Model):
    """The broker firm running this installation: one row (``contracts.selectors.cabinet_get``)."""

    nom = models.CharField(_("nom"), max_length=200)
    orias = models.CharField(
        _("n° ORIAS"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^\d{8}$", _("Le n° ORIAS compte 8 chiffres."))],
    )
    adresse = models.CharField(_("adresse"), max_length=250, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=10, blank=True)
    ville = models.CharField(_("ville"), max_length=120, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("cabinet")
        verbose_name_plural = _("cabinet")
        constraints = [
            # One installation, one cabinet: the row is always pk=1.
            models.CheckConstraint(condition=Q(pk=1), name="cabinet_single_row"),
        ]

    def __str__(self) -> str:
        return self.nom

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)


class Client(models.Model):
    class Kind(models.TextChoices):
        PHYSIQUE = "physique", _("Personne physique")
        MORALE = "morale", _("Personne morale")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.MORALE)
    nom = models.CharField(
        _("nom"), max_length=200, help_text=_("Raison sociale, ou « Nom Prénom ».")
    )
    adresse = models.CharField(_("adresse"), max_length=250, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=10, blank=True)
    ville = models.CharField(_("ville"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    siren = models.CharField(
        _("SIREN"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", _("Le SIREN compte 9 chiffres."))],
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("gestionnaire"),
        on_delete=models.PROTECT,
        related_name="managed_clients",
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom


class ExtranetAccess(models.Model):
    """Gives an extranet account (a non-staff user who logs in by e-mail) access to a client."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte extranet"),
        on_delete=models.CASCADE,
        related_name="extranet_accesses",
        limit_choices_to={"is_staff": False},
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="extranet_accesses",
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("accès extranet")
        verbose_name_plural = _("accès extranet")
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="extranet_access_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.client}"


class Contract(models.Model):
    class Status(models.TextChoices):
        DEVIS = "devis", _("Devis")
        EN_COURS = "en_cours", _("En cours")
        SUSPENDU = "suspendu", _("Suspendu")
        RESILIE = "resilie", _("Résilié")
        SANS_EFFET = "sans_effet", _("Sans effet")

    numero = models.CharField(_("numéro"), max_length=50, unique=True)
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="contracts"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("produit"), on_delete=models.PROTECT, related_name="contracts"
    )
    assureur = models.CharField(_("compagnie"), max_length=200)
    date_effet = models.DateField(_("date d'effet"))
    echeance_principale = models.CharField(
        _("échéance principale"),
        max_length=5,
        blank=True,
        help_text=_("Jour et mois, au format JJ/MM."),
        validators=[
            RegexValidator(
                r"^(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])$", _("Au format JJ/MM, ex. 01/01.")
            )
        ],
    )
    date_fin = models.DateField(_("date de fin"), null=True, blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.EN_COURS
    )
    date_resiliation = models.DateField(_("date de résiliation"), null=True, blank=True)
    motif_resiliation = models.CharField(_("motif de résiliation"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["numero"]
        indexes = [models.Index(fields=["client", "status"])]

    def __str__(self) -> str:
        return self.numero


class Guarantee(models.Model):
    contract = models.ForeignKey(
        Contract, verbose_name=_("contrat"), on_delete=models.CASCADE, related_name="guarantees"
    )
    nom = models.CharField(_("garantie"), max_length=200)
    plafond = models.DecimalField(
        _("plafond"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    franchise = models.DecimalField(
        _("franchise"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("garantie")
        verbose_name_plural = _("garanties")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.nom


class Beneficiary(models.Model):
    """A person, vehicle or building covered by a contract; the kind follows the product."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contrat"),
        on_delete=models.CASCADE,
        related_name="beneficiaries",
    )
    kind = models.CharField(_("type"), max_length=20, choices=BeneficiaryKind.choices)
    # personne
    nom = models.CharField(_("nom"), max_length=120, blank=True)
    prenom = models.CharField(_("prénom"), max_length=120, blank=True)
    date_naissance = models.DateField(_("date de naissance"), null=True, blank=True)
    # véhicule
    immatriculation = models.CharField(_("immatriculation"), max_length=20, blank=True)
    marque = models.CharField(_("marque"), max_length=80, blank=True)
    modele = models.CharField(_("modèle"), max_length=80, blank=True)
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    # immeuble
    adresse = models.CharField(_("adresse"), max_length=250, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=10, blank=True)
    ville = models.CharField(_("ville"), max_length=120, blank=True)
    nature = models.CharField(_("nature"), max_length=120, blank=True)

    date_entree = models.DateField(_("date d'entrée"))
    date_sortie = models.DateField(_("date de sortie"), null=True, blank=True)

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["kind", "nom", "immatriculation", "adresse", "id"]

    def __str__(self) -> str:
        return self.libelle

    @property
    def libelle(self) -> str:
        """The one-line label a client recognises: a name, a plate, an address."""
        if self.kind == BeneficiaryKind.PERSONNE:
            return f"{self.prenom} {self.nom}".strip()
        if self.kind == BeneficiaryKind.VEHICULE:
            parts = [self.immatriculation, " ".join(p for p in (self.marque, self.modele) if p)]
            return " – ".join(p for p in parts if p)
        return ", ".join(p for p in (self.adresse, f"{self.code_postal} {self.ville}".strip()) if p)


class Quittance(models.Model):
    class Type(models.TextChoices):
        TERME = "terme", _("Terme")
        COMPTANT = "comptant", _("Comptant")

    class Status(models.TextChoices):
        EMISE = "emise", _("Émise")
        ANNULEE = "annulee", _("Annulée")
        POUR_INFORMATION = "pour_information", _("Pour information")

    numero = models.CharField(_("numéro"), max_length=50, unique=True)
    contract = models.ForeignKey(
        Contract, verbose_name=_("contrat"), on_delete=models.CASCADE, related_name="quittances"
    )
    periode_debut = models.DateField(_("période du"))
    periode_fin = models.DateField(_("au"))
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.TERME)
    prime_ht = models.DecimalField(_("prime HT"), max_digits=12, decimal_places=2)
    prime_ttc = models.DecimalField(_("prime TTC"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.EMISE
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("quittance")
        verbose_name_plural = _("quittances")
        ordering = ["-periode_debut", "numero"]
        indexes = [models.Index(fields=["contract", "periode_debut", "periode_fin"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(periode_fin__gte=models.F("periode_debut")),
                name="quittance_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.numero


class Payment(models.Model):
    class Mode(models.TextChoices):
        VIREMENT = "virement", _("Virement")
        PRELEVEMENT = "prelevement", _("Prélèvement")
        CHEQUE = "cheque", _("Chèque")
        CARTE = "carte", _("Carte bancaire")

    quittance = models.ForeignKey(
        Quittance, verbose_name=_("quittance"), on_delete=models.CASCADE, related_name="payments"
    )
    date = models.DateField(_("date"))
    montant = models.DecimalField(_("montant"), max_digits=12, decimal_places=2)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.VIREMENT)

    class Meta:
        verbose_name = _("règlement")
        verbose_name_plural = _("règlements")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.montant} € ({self.date:%d/%m/%Y})"


ZERO = Decimal("0.00")
