"""Rendering with docxtpl in the sandbox, checked where a reader checks it: in the PDF.

docgen is called directly, no database. PDFs come from the real LibreOffice (the session's
converter pool) and their text from poppler's ``pdftotext``. Each conversion takes a second
or more: tests group what they check in as few documents as they can.
"""

import re

import pytest

from docgen import clean_text, convert_to_pdf
from docgen import render_docx as docgen_render_docx
from documents.tags import KNOWN_ROOTS, sample_context
from tests import docx_models
from tests.converter_pool import STATE_DIR


def render_docx(**arguments) -> bytes:
    """docgen's render, with the tag dictionary's names reserved as the app does."""
    return docgen_render_docx(reserved=KNOWN_ROOTS, **arguments)


def flat(text: str) -> str:
    """Whitespace of any kind (line wraps, no-break spaces) as single spaces."""
    return " ".join(text.split())


def pdf_of(docx: bytes, ports: list[int]) -> str:
    return docx_models.pdf_text(convert_to_pdf(docx, ports=ports, state_dir=STATE_DIR))


@pytest.mark.libreoffice
def test_a_tag_split_over_three_runs_with_different_formatting(converter_pool):
    model = docx_models.split_runs_model()
    context = {**sample_context(), "contrat": {**sample_context()["contrat"], "numero": "RC-77"}}

    text = flat(pdf_of(render_docx(template=model, context=context, values={}), converter_pool))

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
def test_client_values_come_out_exactly_as_typed(converter_pool):
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
    pdf_text = pdf_of(docx, converter_pool)
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
