"""The model's unused styles are dropped before rendering; what the document uses stays."""

import io
import re
import zipfile

from docx import Document

from docgen import docx_unused_styles_drop, render_docx
from documents.tags import sample_context
from tests.docx_models import _rewrite, _save, simple_model


def _style_ids(docx: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        styles = archive.read("word/styles.xml").decode()
    return set(re.findall(r'<w:style\b[^>]*w:styleId="([^"]+)"', styles))


def _styled_model() -> bytes:
    document = Document()
    document.add_heading("Attestation d'assurance", level=1)
    document.add_paragraph("Véhicule {{ beneficiaire.immatriculation }}", style="List Bullet")
    table = document.add_table(rows=1, cols=2)
    table.style = "Light Grid Accent 1"
    table.rows[0].cells[0].text = "{{ contrat.numero }}"
    return _save(document)


def test_styles_in_use_are_kept_and_the_rest_dropped():
    model = _styled_model()
    before = _style_ids(model)

    lean = docx_unused_styles_drop(model)

    after = _style_ids(lean)
    # Used, their bases and links, and the defaults:
    assert {"Heading1", "Heading1Char", "ListBullet", "LightGrid-Accent1", "Normal"} <= after
    assert {"DefaultParagraphFont", "TableNormal", "NoList"} <= after
    # Never used in this model:
    assert {"Heading9", "Quote", "Caption", "TOC1"}.isdisjoint(after)
    assert len(after) < len(before) / 4
    # Still a Word document python-docx reads, with the same text and styles.
    document = Document(io.BytesIO(lean))
    assert [(p.style.name, p.text) for p in document.paragraphs] == [
        ("Heading 1", "Attestation d'assurance"),
        ("List Bullet", "Véhicule {{ beneficiaire.immatriculation }}"),
    ]
    assert document.tables[0].style.name == "Light Grid Accent 1"


def test_the_rendered_document_keeps_its_styles():
    context = sample_context()
    plate = context["beneficiaire"]["immatriculation"]

    docx = render_docx(template=_styled_model(), context=context, values={})

    document = Document(io.BytesIO(docx))
    assert document.paragraphs[0].style.name == "Heading 1"
    assert document.paragraphs[1].text == f"Véhicule {plate}"
    assert "Quote" not in _style_ids(docx)


def test_a_model_with_a_table_of_contents_is_left_whole():
    def add_toc(name, data):
        if name != "word/document.xml":
            return data
        return data.replace(
            b"<w:body>",
            b'<w:body><w:p><w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" </w:instrText>'
            b"</w:r></w:p>",
        )

    model = _rewrite(simple_model("Bonjour"), add_toc)

    assert docx_unused_styles_drop(model) == model


def test_a_model_written_with_another_namespace_prefix_is_left_whole():
    def other_prefix(name, data):
        if name != "word/document.xml":
            return data
        return (
            data.replace(b"xmlns:w=", b"xmlns:x=")
            .replace(b"<w:", b"<x:")
            .replace(b"</w:", b"</x:")
            .replace(b" w:", b" x:")
        )

    model = _rewrite(_styled_model(), other_prefix)

    assert docx_unused_styles_drop(model) == model


def test_what_is_not_a_word_file_comes_back_unchanged():
    assert docx_unused_styles_drop(b"not a zip") == b"not a zip"
