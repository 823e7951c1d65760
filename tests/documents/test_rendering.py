"""Rendering with docxtpl in the sandbox, checked where a reader checks it: in the PDF.

PDFs come from the real LibreOffice (``documents.conversion.convert_to_pdf``) and their text
from poppler's ``pdftotext``. Each conversion takes a second or more: tests group what they
check in as few documents as they can.
"""

import re

import pytest

from documents.conversion import convert_to_pdf
from documents.rendering import clean_text, render_docx
from documents.tags import sample_context, tag_context
from tests import docx_models
from tests.documents.generation_helpers import cabinet_make, fleet_contract_make


def flat(text: str) -> str:
    """Whitespace of any kind (line wraps, no-break spaces) as single spaces."""
    return " ".join(text.split())


def pdf_of(docx: bytes) -> str:
    return docx_models.pdf_text(convert_to_pdf(docx))


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_a_fleet_attestation_filled_from_the_contract(client_a):
    cabinet_make()
    contract, vehicle = fleet_contract_make(client_a)
    context = tag_context(contract=contract, beneficiary=vehicle, numero="ATT-2026-000042")
    today = context["date_du_jour"]

    docx = render_docx(
        template=docx_models.attestation_model(),
        context=context,
        values={"motif": "Salon de l'auto", "date_debut": "01/12/2026", "date_fin": "05/12/2026"},
    )
    pdf = convert_to_pdf(docx)
    text = flat(docx_models.pdf_text(pdf))
    rows = [flat(line) for line in docx_models.pdf_text(pdf, layout=True).splitlines()]

    # body: known tags
    assert (
        "Nous soussignés, Courtage Martin & Associés, attestons que Transports Dupont SAS, "
        "12 rue de la Paix 75002 Paris, est titulaire du contrat n° FL-2026-0042 « Flotte "
        "automobile » souscrit auprès de Allianz IARD, en vigueur depuis le 01/01/2025 "
        "(statut : En cours)."
    ) in text
    quittance = context["quittance"]
    assert (
        f"Période couverte : du {quittance['periode_debut']} au {quittance['periode_fin']}." in text
    )
    # the vehicle beneficiary's plate
    assert "Véhicule assuré : GH-456-JK (Peugeot 308) – GH-456-JK – Peugeot 308" in text
    # the client's fields
    assert "Motif : Salon de l'auto" in text
    assert "Du 01/12/2026 au 05/12/2026" in text
    # the guarantees table: one row per guarantee, the {%tr %} rows themselves gone
    assert "Garantie Plafond Franchise" in rows
    assert "Responsabilité civile 1 500 000,00 €" in rows  # no franchise: nothing, not "None"
    assert "Bris de glace 2 500,00 € 150,00 €" in rows
    assert "{%" not in text and "endfor" not in text
    # header and footer
    assert "Courtage Martin & Associés – ORIAS n° 07001234" in text
    assert "3 quai Saint-Antoine, 69002 Lyon" in text
    assert f"Attestation ATT-2026-000042 délivrée le {today} – Tél. 04 78 00 00 00" in text
    assert f"Fait pour servir et valoir ce que de droit, le {today}." in text


@pytest.mark.libreoffice
def test_a_tag_split_over_three_runs_with_different_formatting():
    model = docx_models.split_runs_model()
    context = {**sample_context(), "contrat": {**sample_context()["contrat"], "numero": "RC-77"}}

    text = flat(pdf_of(render_docx(template=model, context=context, values={})))

    assert "Contrat n° RC-77 fin." in text


ODD_VALUES = {
    "esperluette": "A & B",
    "balises": "<b>x</b>",
    "guillemets": "\"quotes\" 'apostrophes'",
    "emoji": "Emoji 😀🚗 fin",
    "jinja_expr": "{{ 7*7 }}",  # data, never evaluated: no "49"
    "jinja_bloc": "{% for x in y %}",
    "tab_vertical": "avant\x0baprès",
    "controles": "a\x00b\x07c\x1bd\x7fe",
}
ARABIC = "مرحبا بالعالم"
LONG = " ".join(f"mot{i:05d}" for i in range(1200))[:10_000]


@pytest.mark.libreoffice
def test_client_values_come_out_exactly_as_typed():
    paragraphs = [f"[{name}] {{{{ {name} }}}} [/{name}]" for name in ODD_VALUES]
    # Arabic alone in its paragraph (right-to-left: the brackets would swap places), the
    # long text alone too (it wraps over many lines).
    paragraphs += ["{{ arabe }}", "{{ long }}"]
    values = {**ODD_VALUES, "arabe": ARABIC, "long": LONG}
    expected = {name: clean_text(value) for name, value in ODD_VALUES.items()}
    assert expected["tab_vertical"] == "avantaprès"
    assert expected["controles"] == "abcde"

    docx = render_docx(
        template=docx_models.simple_model(*paragraphs), context=sample_context(), values=values
    )

    # In the Word file: every value exactly, control characters removed.
    xml_text = docx_models.docx_text(docx)
    for name, value in expected.items():
        assert f"[{name}] {value} [/{name}]" in xml_text, name
    assert ARABIC in xml_text and LONG in xml_text
    # In the PDF: the same, as pdftotext reads it. The emoji show because the system
    # fonts include Symbola (scripts/install-system-deps.sh).
    pdf_text = pdf_of(docx)
    for name, value in expected.items():
        assert f"[{name}] {value} [/{name}]" in pdf_text, name
    assert ARABIC in pdf_text
    # pdftotext wraps the 10,000 characters over lines: compare without whitespace.
    assert re.sub(r"\s", "", LONG) in re.sub(r"\s", "", pdf_text)


def test_a_client_value_never_replaces_a_known_tag():
    model = docx_models.simple_model("{{ contrat.numero }}|{{ attestation.numero }}|{{ motif }}")

    docx = render_docx(
        template=model,
        context=sample_context(),
        values={"contrat": "faux", "attestation": "faux", "motif": "vrai", "__class__": "x"},
    )

    assert "CT-000123|ATT-2026-000123|vrai" in docx_models.docx_text(docx)


def test_none_renders_as_nothing_and_a_missing_field_as_nothing():
    model = docx_models.simple_model("[{{ rien }}][{{ champ_absent }}]")

    docx = render_docx(template=model, context={"rien": None}, values={"champ_absent": None})

    assert "[][]" in docx_models.docx_text(docx)


def test_a_long_text_keeps_its_line_breaks():
    model = docx_models.simple_model("{{ commentaire }}")

    docx = render_docx(
        template=model, context={}, values={"commentaire": "ligne 1\r\nligne 2\rligne 3"}
    )

    with docx_models.zipfile.ZipFile(docx_models.io.BytesIO(docx)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert re.search(r"ligne 1</w:t>\s*<w:br/>\s*<w:t[^>]*>ligne 2</w:t>\s*<w:br/>", xml)
