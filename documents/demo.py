"""Demo attestation models (``manage.py seed_demo_documents``, after ``seed_demo``), built
with python-docx like a broker's letterhead models (header, ORIAS footer, guarantees table).
Each goes through the real upload check, so a demo model is checked like any other.
Idempotent: a model that exists (by name) is left as staff may have changed it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from docx import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from products.models import Product

from .engine import template_check
from .models import DocumentTemplate, ProductAttestationModel, TemplateField
from .services import document_template_sync_fields

NAVY = RGBColor(0x1F, 0x3A, 0x5F)
GREY = RGBColor(0x59, 0x59, 0x59)
GUARANTEE_LOOP = "{%tr for g in contrat.garanties %}"


@dataclass
class DemoModel:
    name: str
    product: str
    entity: str
    subtitle: str
    intro: str
    details: list[tuple[str, str]]
    outro: str = ""
    extranet_title: str = ""
    fields: dict[str, dict] = field(default_factory=dict)
    validity_fields: tuple[str, str] = ("", "")  # the model's own dates, if it has some


MODELS = [
    DemoModel(
        name="Attestation d'assurance flotte",
        product="Flotte automobile",
        entity=DocumentTemplate.Entity.CONTRAT,
        subtitle="Flotte automobile",
        intro=(
            "Nous soussignés, {{ cabinet.nom }}, courtier en assurances, attestons que la "
            "société désignée ci-dessous est titulaire, par notre intermédiaire, d'un contrat "
            "d'assurance « {{ contrat.produit }} » souscrit auprès de {{ contrat.compagnie }}, "
            "garantissant les véhicules déclarés de sa flotte."
        ),
        details=[
            ("Souscripteur", "{{ client.nom }}"),
            ("Adresse", "{{ client.adresse }}, {{ client.code_postal }} {{ client.ville }}"),
            ("SIREN", "{{ client.siren }}"),
            ("Contrat n°", "{{ contrat.numero }}"),
            ("Date d'effet", "{{ contrat.date_effet }}"),
            ("Échéance principale", "{{ contrat.echeance }}"),
            (
                "Période de validité",
                "du {{ attestation.valable_du }} au {{ attestation.valable_jusqu_au }}",
            ),
        ],
        extranet_title="Attestation pour toute la flotte",
    ),
    DemoModel(
        name="Attestation véhicule – événement",
        product="Flotte automobile",
        entity=DocumentTemplate.Entity.BENEFICIAIRE,
        subtitle="Véhicule assuré – déplacement ou événement",
        intro=(
            "Nous soussignés, {{ cabinet.nom }}, courtier en assurances, attestons que le "
            "véhicule désigné ci-dessous est assuré au titre du contrat flotte n° "
            "{{ contrat.numero }} souscrit par {{ client.nom }} auprès de {{ contrat.compagnie }}."
        ),
        details=[
            ("Immatriculation", "{{ beneficiaire.immatriculation }}"),
            ("Marque et modèle", "{{ beneficiaire.marque }} {{ beneficiaire.modele }}"),
            ("N° de série (VIN)", "{{ beneficiaire.vin }}"),
            ("Dans la flotte depuis le", "{{ beneficiaire.date_entree }}"),
            ("Motif", "{{ motif }}"),
            ("Période", "du {{ date_debut }} au {{ date_fin }}"),
        ],
        outro=(
            "La présente attestation est délivrée pour le motif et la période indiqués "
            "ci-dessus, sous réserve que le contrat soit en vigueur pendant cette période."
        ),
        extranet_title="Attestation pour un véhicule (déplacement, événement)",
        fields={
            "motif": {
                "label": "Motif du déplacement ou de l'événement",
                "help_text": "Ex. : salon professionnel, tournée en Espagne, déménagement.",
                "position": 0,
            },
            "date_debut": {"label": "Date de début", "default_days_offset": 0, "position": 1},
            "date_fin": {"label": "Date de fin", "default_days_offset": 7, "position": 2},
        },
        validity_fields=("date_debut", "date_fin"),
    ),
    DemoModel(
        name="Attestation d'assurance immeuble",
        product="Multirisque immeuble",
        entity=DocumentTemplate.Entity.BENEFICIAIRE,
        subtitle="Multirisque immeuble",
        intro=(
            "Nous soussignés, {{ cabinet.nom }}, courtier en assurances, attestons que "
            "l'immeuble désigné ci-dessous est assuré au titre du contrat « {{ contrat.produit }} »"
            " n° {{ contrat.numero }} souscrit par {{ client.nom }} auprès de "
            "{{ contrat.compagnie }}."
        ),
        details=[
            (
                "Adresse du bien",
                "{{ beneficiaire.adresse }}, {{ beneficiaire.code_postal }} "
                "{{ beneficiaire.ville }}",
            ),
            ("Nature", "{{ beneficiaire.nature }}"),
            ("Assuré depuis le", "{{ beneficiaire.date_entree }}"),
            (
                "Période de validité",
                "du {{ attestation.valable_du }} au {{ attestation.valable_jusqu_au }}",
            ),
        ],  # fmt: skip
    ),
    DemoModel(
        name="Attestation RC Professionnelle",
        product="RC Professionnelle",
        entity=DocumentTemplate.Entity.CONTRAT,
        subtitle="Responsabilité civile professionnelle",
        intro=(
            "Nous soussignés, {{ cabinet.nom }}, courtier en assurances, attestons que "
            "{{ client.nom }} est titulaire auprès de {{ contrat.compagnie }} du contrat "
            "n° {{ contrat.numero }}, garantissant les conséquences pécuniaires de la "
            "responsabilité civile qu'il peut encourir dans l'exercice de son activité "
            "professionnelle."
        ),
        details=[
            ("Assuré", "{{ client.nom }}"),
            ("Adresse", "{{ client.adresse }}, {{ client.code_postal }} {{ client.ville }}"),
            ("Date d'effet", "{{ contrat.date_effet }}"),
            (
                "Période de validité",
                "du {{ attestation.valable_du }} au {{ attestation.valable_jusqu_au }}",
            ),
        ],
    ),
    DemoModel(
        name="Attestation d'affiliation santé",
        product="Santé collective",
        entity=DocumentTemplate.Entity.BENEFICIAIRE,
        subtitle="Complémentaire santé collective",
        intro=(
            "Nous soussignés, {{ cabinet.nom }}, courtier en assurances, attestons que "
            "{{ beneficiaire.prenom }} {{ beneficiaire.nom }}, né(e) le "
            "{{ beneficiaire.date_naissance }}, est affilié(e) depuis le "
            "{{ beneficiaire.date_entree }} au contrat collectif de complémentaire santé "
            "n° {{ contrat.numero }} souscrit par son employeur, {{ client.nom }}, auprès de "
            "{{ contrat.compagnie }}."
        ),
        details=[
            ("Employeur", "{{ client.nom }}"),
            (
                "Période de validité",
                "du {{ attestation.valable_du }} au {{ attestation.valable_jusqu_au }}",
            ),
        ],
    ),
]


def _run(paragraph, text: str, *, size: float = 10, bold: bool = False, color=None):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _letterhead(document) -> None:
    section = document.sections[0]
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2)
    section.left_margin = section.right_margin = Cm(2.2)
    header = section.header
    _run(header.paragraphs[0], "{{ cabinet.nom }}", size=15, bold=True, color=NAVY)
    line = header.add_paragraph()
    _run(line, "Courtier en assurances – {{ cabinet.adresse }}, {{ cabinet.code_postal }} "
               "{{ cabinet.ville }}", size=8.5, color=GREY)  # fmt: skip
    line = header.add_paragraph()
    _run(line, "Tél. {{ cabinet.telephone }} – {{ cabinet.email }}", size=8.5, color=GREY)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(
        footer,
        "{{ cabinet.nom }}, société de courtage d'assurances immatriculée à l'ORIAS sous le "
        "n° {{ cabinet.orias }} (www.orias.fr). Attestation n° {{ attestation.numero }} du "
        "{{ attestation.date }}.",
        size=7.5,
        color=GREY,
    )


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _guarantees_table(document) -> None:
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, ("Garantie", "Plafond", "Franchise"), strict=True):
        _run(cell.paragraphs[0], text, size=9.5, bold=True)
        _shade(cell, "DCE3EC")
    _run(table.rows[1].cells[0].paragraphs[0], GUARANTEE_LOOP)
    row = table.rows[2].cells
    _run(row[0].paragraphs[0], "{{ g.nom }}", size=9.5)
    _run(row[1].paragraphs[0], "{{ g.plafond or 'Selon contrat' }}", size=9.5)
    _run(row[2].paragraphs[0], "{{ g.franchise or 'Néant' }}", size=9.5)
    _run(table.rows[3].cells[0].paragraphs[0], "{%tr endfor %}")


def _verification_block(document) -> None:
    """The QR code and, beside it, how to check the attestation online."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    code_cell, text_cell = table.rows[0].cells
    code_cell.width, text_cell.width = Cm(3.6), Cm(13)
    _run(code_cell.paragraphs[0], "{{ attestation.qr_code }}")
    _run(text_cell.paragraphs[0], "Vérifier cette attestation", size=9.5, bold=True, color=NAVY)
    lines = [
        "Valable du {{ attestation.valable_du }}"
        "{% if attestation.valable_jusqu_au %} au {{ attestation.valable_jusqu_au }}{% endif %}.",
        "Scannez le QR code ou rendez-vous sur {{ attestation.url_verification }}",
        "Code de vérification : {{ attestation.code_verification }}",
    ]
    for text in lines:
        _run(text_cell.add_paragraph(), text, size=8.5, color=GREY)


def demo_docx(model: DemoModel) -> bytes:
    """A realistic French attestation model for ``model``, as .docx bytes."""
    document = WordDocument()
    document.styles["Normal"].font.name = "Arial"
    _letterhead(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(18)
    _run(title, "ATTESTATION D'ASSURANCE", size=16, bold=True, color=NAVY)
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(subtitle, model.subtitle, size=11, color=GREY)
    intro = document.add_paragraph()
    intro.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    intro.paragraph_format.space_before = Pt(12)
    _run(intro, model.intro, size=10.5)
    for label, value in model.details:
        line = document.add_paragraph()
        line.paragraph_format.space_after = Pt(2)
        _run(line, f"{label} : ", size=10.5, bold=True)
        _run(line, value, size=10.5)
    heading = document.add_paragraph()
    heading.paragraph_format.space_before = Pt(12)
    _run(heading, "Garanties souscrites", size=11, bold=True, color=NAVY)
    _guarantees_table(document)
    closing = document.add_paragraph()
    closing.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    closing.paragraph_format.space_before = Pt(12)
    _run(
        closing,
        (model.outro + " " if model.outro else "")
        + "La présente attestation ne peut engager l'assureur au-delà des limites et "
        "conditions du contrat auquel elle se réfère. Elle est délivrée pour servir et valoir "
        "ce que de droit.",
        size=10,
    )
    signature = document.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.space_before = Pt(18)
    _run(signature, "Fait à {{ cabinet.ville }}, le {{ date_du_jour }}", size=10.5)
    signature = document.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(signature, "Pour {{ cabinet.nom }}, la direction", size=10.5, bold=True)
    _verification_block(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@transaction.atomic
def seed_demo_documents() -> list[DocumentTemplate]:
    """The demo models, attached to the demo products. Safe to run any number of times."""
    templates = []
    for position, model in enumerate(MODELS):
        template = DocumentTemplate.objects.filter(name=model.name).first()
        if template is None:
            data = demo_docx(model)
            filename = f"{model.name}.docx"
            unknown = template_check(data=data, filename="modele.docx")
            template = DocumentTemplate.objects.create(
                name=model.name,
                type=DocumentTemplate.Type.ATTESTATION,
                entity=model.entity,
                pdf_conversion=True,
                file=ContentFile(data, name=filename),
                validity_start_field=model.validity_fields[0],
                validity_end_field=model.validity_fields[1],
            )
            document_template_sync_fields(template=template, unknown_tags=unknown)
            for name, settings in model.fields.items():
                TemplateField.objects.filter(template=template, name=name).update(**settings)
        product = Product.objects.filter(name=model.product).first()
        if product is not None:
            ProductAttestationModel.objects.get_or_create(
                product=product,
                template=template,
                defaults={"extranet_title": model.extranet_title, "position": position},
            )
        templates.append(template)
    return templates
