"""The tag dictionary: what brokers may write in their Word models, and its values.

Every value is text already formatted the French way (28/11/2026, 1 500 000,00 €), in plain
dicts and lists: a model never sees an ORM object. Any other top-level name in a model is an
unknown tag, i.e. a field the client fills (``documents.engine.template_check``).
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from modulr.formatting import format_amount, format_date


class TagDoc(NamedTuple):
    name: str
    description: str | Promise


# (name, description, example used for the upload check when no contract is at hand)
_TAGS: list[tuple[str, Promise, str]] = [
    ("cabinet.nom", _("Nom du cabinet"), "Cabinet Exemple Courtage"),
    ("cabinet.orias", _("N° ORIAS du cabinet"), "12345678"),
    ("cabinet.adresse", _("Adresse du cabinet"), "1 rue de la République"),
    ("cabinet.code_postal", _("Code postal du cabinet"), "69001"),
    ("cabinet.ville", _("Ville du cabinet"), "Lyon"),
    ("cabinet.telephone", _("Téléphone du cabinet"), "04 72 00 00 00"),
    ("cabinet.email", _("E-mail du cabinet"), "contact@cabinet.fr"),
    ("client.nom", _("Nom ou raison sociale du client (souscripteur)"), "Transports Dupont SAS"),
    ("client.adresse", _("Adresse du client"), "12 rue de la Paix"),
    ("client.code_postal", _("Code postal du client"), "75002"),
    ("client.ville", _("Ville du client"), "Paris"),
    ("client.email", _("E-mail du client"), "contact@client.fr"),
    ("client.siren", _("SIREN du client"), "552100554"),
    ("contrat.numero", _("Numéro du contrat"), "CT-000123"),
    ("contrat.produit", _("Produit du contrat"), "Flotte automobile"),
    ("contrat.compagnie", _("Compagnie d'assurance"), "AXA France IARD"),
    ("contrat.date_effet", _("Date d'effet du contrat"), "01/01/2026"),
    ("contrat.echeance", _("Échéance principale (jour/mois)"), "01/01"),
    ("contrat.date_fin", _("Date de fin du contrat (vide si sans fin)"), ""),
    ("contrat.statut", _("Statut du contrat"), "En cours"),
    (
        "contrat.garanties",
        _("Liste des garanties, pour une ligne de tableau {%tr for g in contrat.garanties %}"),
        "",
    ),
    ("g.nom", _("Dans la ligne des garanties : nom de la garantie"), "Responsabilité civile"),
    ("g.plafond", _("Dans la ligne des garanties : plafond"), "1\u202f500\u202f000,00\u00a0€"),
    ("g.franchise", _("Dans la ligne des garanties : franchise"), "500,00\u00a0€"),
    (
        "quittance.periode_debut",
        _("Début de la période de la quittance réglée couvrant la date du jour"),
        "01/01/2026",
    ),
    (
        "quittance.periode_fin",
        _("Fin de la période de la quittance réglée couvrant la date du jour"),
        "31/03/2026",
    ),
    ("beneficiaire.type", _("Type de bénéficiaire (Personne, Véhicule, Immeuble)"), "Véhicule"),
    ("beneficiaire.libelle", _("Bénéficiaire en une ligne"), "AB-123-CD – Renault Clio"),
    ("beneficiaire.nom", _("Personne : nom"), "Martin"),
    ("beneficiaire.prenom", _("Personne : prénom"), "Claire"),
    ("beneficiaire.date_naissance", _("Personne : date de naissance"), "14/03/1985"),
    ("beneficiaire.immatriculation", _("Véhicule : immatriculation"), "AB-123-CD"),
    ("beneficiaire.marque", _("Véhicule : marque"), "Renault"),
    ("beneficiaire.modele", _("Véhicule : modèle"), "Clio"),
    ("beneficiaire.vin", _("Véhicule : n° de série (VIN)"), "VF1RJA00012345678"),
    ("beneficiaire.adresse", _("Immeuble : adresse"), "8 place Bellecour"),
    ("beneficiaire.code_postal", _("Immeuble : code postal"), "69002"),
    ("beneficiaire.ville", _("Immeuble : ville"), "Lyon"),
    ("beneficiaire.nature", _("Immeuble : nature"), "Immeuble de bureaux"),
    ("beneficiaire.date_entree", _("Date d'entrée au contrat"), "01/02/2026"),
    ("beneficiaire.date_sortie", _("Date de sortie du contrat (vide si toujours couvert)"), ""),
    ("attestation.numero", _("Numéro unique de l'attestation"), "ATT-2026-000123"),
    ("attestation.date", _("Date de l'attestation"), "28/11/2026"),
    (
        "attestation.valable_du",
        _("Début de validité de l'attestation (sa date, ou le champ choisi pour le modèle)"),
        "28/11/2026",
    ),
    (
        "attestation.valable_jusqu_au",
        _(
            "Fin de validité : la fin de la quittance réglée, la fin du contrat, ou le champ "
            "choisi pour le modèle (vide si aucune fin n'est connue)"
        ),
        "31/12/2026",
    ),
    (
        "attestation.code_verification",
        _("Code de vérification de l'attestation, à saisir sur la page de vérification"),
        "K7PM-3QXD-9RTA-WB4H",
    ),
    (
        "attestation.url_verification",
        _("Adresse de la page publique qui dit si l'attestation est authentique et valide"),
        "https://attestations.cabinet.fr/verifier/K7PM3QXD9RTAWB4H/",
    ),
    (
        "attestation.qr_code",
        _(
            "QR code de cette adresse (une image, seule dans son paragraphe ou sa cellule ; "
            "sa taille se règle dans « Configurer le modèle »)"
        ),
        "[QR code]",
    ),
    ("date_du_jour", _("Date du jour"), "28/11/2026"),
]

KNOWN_TAGS: list[TagDoc] = [TagDoc(name, description) for name, description, _ex in _TAGS]
KNOWN_ROOTS: frozenset[str] = frozenset(
    {"cabinet", "client", "contrat", "quittance", "beneficiaire", "attestation", "date_du_jour"}
)
GUARANTEE_KEYS = ("nom", "plafond", "franchise")


def _fields(root: str) -> list[str]:
    return [name.split(".", 1)[1] for name, _d, _e in _TAGS if name.startswith(f"{root}.")]


def _blank(root: str) -> dict[str, str]:
    return {key: "" for key in _fields(root) if key != "garanties"}


def sample_context() -> dict:
    """The full shape of the context with example values, to check a model at upload."""
    context: dict = {root: {} for root in KNOWN_ROOTS if root != "date_du_jour"}
    for name, _d, example in _TAGS:
        root, _dot, key = name.partition(".")
        if root in context and key != "garanties":
            context[root][key] = example
        elif root == "date_du_jour":
            context[root] = example
    guarantee = {name[2:]: example for name, _d, example in _TAGS if name.startswith("g.")}
    context["contrat"]["garanties"] = [guarantee, {**guarantee, "nom": "Défense recours"}]
    return context


def _guarantees(contract) -> list[dict[str, str]]:
    return [
        {"nom": g.nom, "plafond": format_amount(g.plafond), "franchise": format_amount(g.franchise)}
        for g in contract.guarantees.all()
    ]


def _beneficiary(beneficiary) -> dict[str, str]:
    values = _blank("beneficiaire")
    if beneficiary is None:
        return values
    for key in values:
        value = getattr(beneficiary, key, "")
        values[key] = format_date(value) if isinstance(value, datetime.date) else str(value or "")
    values["type"] = str(beneficiary.get_kind_display())
    values["libelle"] = beneficiary.libelle
    return values


def tag_context(
    *,
    contract,
    beneficiary=None,
    numero: str = "",
    today: datetime.date | None = None,
    attestation: dict[str, str] | None = None,
) -> dict:
    """Every known tag for ``contract`` (and ``beneficiary``), as plain dicts of text.
    ``attestation``: the attestation's own tags besides its number and date (validity,
    verification code and URL; the QR code is an image the render adds)."""
    from contracts.selectors import cabinet_get, contract_eligibility

    today = today or timezone.localdate()
    cabinet, client = cabinet_get(), contract.client
    quittance = contract_eligibility(contract=contract, today=today).paid_quittance
    return {
        "cabinet": {key: str(getattr(cabinet, key) or "") for key in _fields("cabinet")},
        "client": {key: str(getattr(client, key) or "") for key in _fields("client")},
        "contrat": {
            "numero": contract.numero,
            "produit": contract.product.name,
            "compagnie": contract.assureur,
            "date_effet": format_date(contract.date_effet),
            "echeance": contract.echeance_principale,
            "date_fin": format_date(contract.date_fin),
            "statut": str(contract.get_status_display()),
            "garanties": _guarantees(contract),
        },
        "quittance": {
            "periode_debut": format_date(quittance.periode_debut) if quittance else "",
            "periode_fin": format_date(quittance.periode_fin) if quittance else "",
        },
        "beneficiaire": _beneficiary(beneficiary),
        "attestation": {
            **{key: "" for key in _fields("attestation")},
            "numero": numero,
            "date": format_date(today),
            **(attestation or {}),
        },
        "date_du_jour": format_date(today),
    }


def _lookup(context: dict, name: str) -> str:
    value = context
    for key in name.split("."):
        value = value.get(key, "") if isinstance(value, dict) else ""
    return value if isinstance(value, str) else ""


def tag_examples(*, contract, beneficiary=None) -> list[tuple[str, str, str]]:
    """(tag, description, value for this contract) for the dictionary page of the intranet."""
    today = timezone.localdate()
    context = tag_context(
        contract=contract,
        beneficiary=beneficiary,
        numero=f"ATT-{today.year}-000123",
        today=today,
    )
    guarantees = context["contrat"]["garanties"]
    rows = []
    for tag in KNOWN_TAGS:
        if tag.name == "contrat.garanties":
            example = ", ".join(g["nom"] for g in guarantees)
        elif tag.name.startswith("g."):
            example = guarantees[0][tag.name[2:]] if guarantees else ""
        else:
            example = _lookup(context, tag.name)
        rows.append((tag.name, str(tag.description), example))
    return rows
