"""Insurance products (« Flotte automobile », « Multirisque »…) and the kind of beneficiary
a product covers (person, vehicle, building), which decides what a client may pick.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BeneficiaryKind(models.TextChoices):
    PERSONNE = "personne", _("Personne")
    VEHICULE = "vehicule", _("Véhicule")
    IMMEUBLE = "immeuble", _("Immeuble")


class Product(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    beneficiary_kind = models.CharField(
        _("type de bénéficiaires"),
        max_length=20,
        choices=BeneficiaryKind.choices,
        blank=True,
        help_text=_("Ce que couvrent les contrats de ce produit ; vide si aucun bénéficiaire."),
    )

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
