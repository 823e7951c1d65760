"""Writes of the documents app: model fields, attestation numbers, generation, preview.

``attestation_generate`` is the pipeline: number → tag context → sandboxed render → PDF →
seal → private storage → Document row. Call it outside a transaction (the counter row stays locked
until the caller's transaction ends; files cannot be unwritten by a later rollback).
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from modulr.formatting import format_date

from .engine import render_docx
from .models import (
    AttestationCounter,
    Document,
    DocumentTemplate,
    ProductAttestationModel,
    TemplateField,
    document_upload_to,
)
from .storage import (
    StorageUnavailable,
    private_file_read,
    private_file_save,
    private_files_delete,
)
from .tags import tag_context
from .verification import (
    attestation_validity,
    file_digest,
    verification_code_display,
    verification_code_new,
    verification_qr_png,
    verification_url,
)

logger = logging.getLogger(__name__)

PREVIEW_NUMERO = "APERÇU"
PREVIEW_MARK = "APERÇU – document sans valeur"

# -- fields of a model (its unknown tags) -----------------------------------------------------

# Common words of field names, with the accents a name cannot carry.
_ACCENTED = {
    "activite": "activité", "age": "âge", "annee": "année", "arrivee": "arrivée",
    "batiment": "bâtiment", "beneficiaire": "bénéficiaire", "categorie": "catégorie",
    "controle": "contrôle", "cout": "coût", "date": "date", "debut": "début", "deces": "décès",
    "delai": "délai", "depart": "départ", "designation": "désignation", "duree": "durée",
    "echeance": "échéance", "electrique": "électrique", "emission": "émission",
    "employe": "employé", "entree": "entrée", "equipe": "équipe", "etablissement":
    "établissement", "etage": "étage", "evenement": "événement", "evenements": "événements",
    "general": "général", "generale": "générale", "identite": "identité", "interet": "intérêt",
    "materiel": "matériel", "medecin": "médecin", "modele": "modèle", "numero": "numéro",
    "operation": "opération", "periode": "période", "precision": "précision",
    "precisions": "précisions", "prenom": "prénom", "prevu": "prévu", "prevue": "prévue",
    "qualite": "qualité", "reference": "référence", "securite": "sécurité", "siege": "siège",
    "societe": "société", "specifique": "spécifique", "telephone": "téléphone",
    "vehicule": "véhicule", "vehicules": "véhicules",
}  # fmt: skip
_ELIDED = {"d", "l", "qu", "j", "n", "s"}  # date_d_effet → « Date d'effet »


def field_label_default(name: str) -> str:
    """A readable label for a tag name: date_debut → « Date début »."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)", "_", name)
    words = [w.lower() for w in spaced.split("_") if w]
    if not words:
        return name
    label = ""
    for word in words:
        word = _ACCENTED.get(word, word)
        if label and not label.endswith("'"):
            label += " "
        label += word + ("'" if word in _ELIDED else "")
    label = label.rstrip("'")
    return label[:1].upper() + label[1:]


def field_type_default(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("date"):
        return TemplateField.Type.DATE
    if lowered.startswith(("montant", "nombre", "nb_")):
        return TemplateField.Type.NUMBER
    if lowered.startswith(("commentaire", "observation", "description", "precisions")):
        return TemplateField.Type.TEXTAREA
    return TemplateField.Type.TEXT


@dataclass(frozen=True)
class FieldsDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def document_template_sync_fields(
    *, template: DocumentTemplate, unknown_tags: list[str]
) -> FieldsDiff:
    """Make the model's fields match its unknown tags; settings of kept tags are untouched."""
    with transaction.atomic():
        existing = {f.name: f for f in TemplateField.objects.select_for_update().filter(
            template=template)}  # fmt: skip
        wanted = list(dict.fromkeys(unknown_tags))
        added = [name for name in wanted if name not in existing]
        removed = sorted(name for name in existing if name not in wanted)
        kept = sorted(name for name in wanted if name in existing)
        TemplateField.objects.filter(template=template, name__in=removed).delete()
        start = (existing and max(f.position for f in existing.values()) + 1) or 0
        TemplateField.objects.bulk_create(
            [
                TemplateField(
                    template=template,
                    name=name,
                    label=field_label_default(name)[:200],
                    type=field_type_default(name),
                    position=start + index,
                )
                for index, name in enumerate(added)
            ]
        )
    return FieldsDiff(added=sorted(added), removed=removed, kept=kept)


def field_initial(*, field: TemplateField, today: datetime.date | None = None) -> str:
    """The value a field starts with in the client's form (28/11/2026 for a date)."""
    if field.type == TemplateField.Type.DATE and field.default_days_offset is not None:
        today = today or timezone.localdate()
        return format_date(today + datetime.timedelta(days=field.default_days_offset))
    return field.default


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def field_values_printed(*, template: DocumentTemplate, values: dict[str, str]) -> dict[str, str]:
    """Values as the document shows them: a date typed as 2026-11-28 prints 28/11/2026."""
    dates = set(template.fields.filter(type=TemplateField.Type.DATE).values_list("name", flat=True))
    shown = {}
    for name, value in values.items():
        value = "" if value is None else str(value)
        match = _ISO_DATE.match(value.strip()) if name in dates else None
        shown[name] = f"{match[3]}/{match[2]}/{match[1]}" if match else value
    return shown


# -- attestation numbers ----------------------------------------------------------------------


def attestation_number_next(*, today: datetime.date | None = None) -> str:
    """The next attestation number of the year: ATT-2026-000123. Unique under concurrency.

    The UPDATE ... SET last = last + 1 locks the year's row until commit, so two
    generations at once are serialised there and never read the same value (on SQLite the
    IMMEDIATE transaction does the same). A number taken by a generation that fails later is
    not reused: numbers are unique, not gapless.
    """
    year = (today or timezone.localdate()).year
    with transaction.atomic():
        # The year's first number: create the row, or do nothing if someone just did.
        AttestationCounter.objects.bulk_create(
            [AttestationCounter(year=year, last=0)], ignore_conflicts=True
        )
        AttestationCounter.objects.filter(year=year).update(last=F("last") + 1)
        last = AttestationCounter.objects.values_list("last", flat=True).get(year=year)
    return f"ATT-{year}-{last:06d}"


# -- generation -------------------------------------------------------------------------------


def template_bytes(template: DocumentTemplate) -> bytes:
    # A handle of its own from the storage: FieldFile.open() reuses (and closes) one file
    # object per instance, which threads sharing the template would trip over.
    return private_file_read(template.file.storage, template.file.name)


def template_fonts_warnings(template: DocumentTemplate) -> list[str]:
    """The model's fonts that the server lacks, and their substitutes, in French sentences."""
    from .engine import fonts_warnings

    if not template.file:
        return []
    try:
        data = template_bytes(template)
    except StorageUnavailable:  # advice only: the page says what matters without it
        logger.warning("Modèle %s : polices non vérifiées, stockage indisponible", template.pk)
        return []
    return fonts_warnings(data)


def pdf_convert(docx: bytes) -> bytes:
    from .engine import convert_to_pdf

    return convert_to_pdf(docx)


def _seal(pdf: bytes) -> bytes:
    from contracts.selectors import cabinet_get

    from .engine import seal_configured, seal_pdf

    if not seal_configured():
        return pdf  # and no query for the cabinet's name
    cabinet = cabinet_get()
    return seal_pdf(pdf, cabinet_name=cabinet.nom, location=cabinet.ville)


def attestation_title(*, template: DocumentTemplate, contract, beneficiary=None) -> str:
    """« Attestation – <title on the extranet> – <beneficiary> »."""
    link = ProductAttestationModel.objects.filter(
        product_id=contract.product_id, template=template
    ).first()
    title = link.display_title if link else template.name
    kind = str(template.get_type_display())
    parts = [title] if title.lower().startswith(kind.lower()) else [kind, title]
    if beneficiary is not None:
        parts.append(beneficiary.libelle)
    return " – ".join(p for p in parts if p)[:250]


def _documents_storage():
    return Document._meta.get_field("word_file").storage


def _store(filename: str, data: bytes) -> str:
    return private_file_save(_documents_storage(), document_upload_to(None, filename), data)


def verification_tags(
    *, template: DocumentTemplate, code: str, valid_from, valid_until
) -> tuple[dict[str, str], dict[str, tuple[bytes, float]]]:
    """The attestation's validity and verification tags, and its QR code image (no code: the
    preview's, which shows the verification form)."""
    url = verification_url(code)
    tags = {
        "valable_du": format_date(valid_from),
        "valable_jusqu_au": format_date(valid_until),
        "code_verification": verification_code_display(code) if code else PREVIEW_NUMERO,
        "url_verification": url,
    }
    return tags, {"attestation.qr_code": (verification_qr_png(url), template.qr_code_size_mm)}


def attestation_generate(
    *,
    template: DocumentTemplate,
    contract,
    beneficiary=None,
    values: dict[str, str],
    user: AbstractBaseUser | None = None,
    shared: bool,
) -> Document:
    """Generate, store and record an attestation; returns the new Document.

    Raises ``TemplateInvalid``, ``ConversionError`` or ``SealError`` (``documents.engine``),
    or ``StorageUnavailable`` (``documents.storage``); nothing is stored then. The Word file
    is always kept, the PDF too when the model converts, sealed when a seal is configured.
    """
    if beneficiary is not None and beneficiary.contract_id != contract.pk:
        raise ValueError("the beneficiary is not covered by this contract")
    today = timezone.localdate()
    numero = attestation_number_next(today=today)
    valid_from, valid_until = attestation_validity(
        template=template, contract=contract, beneficiary=beneficiary, values=values, today=today
    )
    code = verification_code_new()
    tags, images = verification_tags(
        template=template, code=code, valid_from=valid_from, valid_until=valid_until
    )
    context = tag_context(
        contract=contract, beneficiary=beneficiary, numero=numero, today=today, attestation=tags
    )
    docx = render_docx(
        template=template_bytes(template),
        context=context,
        values=field_values_printed(template=template, values=values),
        images=images,
    )
    pdf = pdf_convert(docx) if template.pdf_conversion else b""
    if pdf:
        # Sealed before anything is stored: the fingerprint below is the sealed file's, and
        # a seal that fails leaves nothing behind.
        pdf = _seal(pdf)
    base = f"{slugify(template.name)[:60] or 'attestation'}-{numero}"
    written: list[str] = []
    try:
        written.append(_store(f"{base}.docx", docx))
        if pdf:
            written.append(_store(f"{base}.pdf", pdf))
        now = timezone.now()
        # A savepoint: a refused insert leaves the caller's transaction usable.
        with transaction.atomic():
            return Document.objects.create(
                contract=contract,
                beneficiary=beneficiary,
                template=template,
                title=attestation_title(
                    template=template, contract=contract, beneficiary=beneficiary
                ),
                numero=numero,
                word_file=written[0],
                pdf_file=written[1] if pdf else "",
                valid_from=valid_from,
                valid_until=valid_until,
                verification_code=code,
                sha256=file_digest(pdf or docx),  # the file the client is handed
                values=dict(values),
                shared_on_extranet=shared,
                shared_at=now if shared else None,
                shared_by=user if shared else None,
                created_at=now,
                created_by=user,
            )
    except BaseException:
        # A failed insert, or the PDF refused after the Word file was written, must not
        # leave orphan files in the private storage.
        private_files_delete(_documents_storage(), written)
        raise


def _storage_delete_on_commit(stored: list[tuple]) -> None:
    def delete_files() -> None:
        for storage, name in stored:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Fichier non supprimé : %s", name)

    transaction.on_commit(delete_files)


def document_template_file_replaced(*, template: DocumentTemplate, previous_name: str) -> None:
    """A model's .docx was replaced: its former file leaves the storage once committed."""
    if previous_name and previous_name != template.file.name:
        _storage_delete_on_commit([(template.file.storage, previous_name)])


def document_template_delete(*, template: DocumentTemplate) -> None:
    """Delete a model and, once committed, its .docx (products' links protect it)."""
    stored = [(template.file.storage, template.file.name)] if template.file else []
    template.delete()
    _storage_delete_on_commit(stored)


def document_destroy(*, document: Document) -> str:
    """Destroy the document in every form: its row now, its Word file and PDF on commit.

    The files go only once the transaction commits (at once outside a transaction): a
    rollback must not leave a row pointing at deleted files. A file that cannot be deleted
    then is logged; its path is random and served by no URL. Returns what was destroyed
    (number and file names), for the audit trail.
    """
    stored = [(f.storage, f.name) for f in (document.word_file, document.pdf_file) if f]
    numero = document.numero or ""
    document.delete()
    _storage_delete_on_commit(stored)
    names = ", ".join(PurePosixPath(name).name for _storage, name in stored)
    return " – ".join(part for part in (numero, names) if part)
