"""The fonts a model uses that the server lacks, and what LibreOffice prints instead."""

from docx import Document

from docgen import docx_fonts_missing
from tests import docx_models


def fonts_model(*fonts: str, header_font: str = "") -> bytes:
    """One paragraph per font, its run set in that font (as Word's font menu does)."""
    document = Document()
    for font in fonts:
        document.add_paragraph().add_run(f"Texte en {font}").font.name = font
    if header_font:
        document.sections[0].header.paragraphs[0].add_run("En-tête").font.name = header_font
    return docx_models._save(document)


def test_only_the_fonts_the_server_lacks_are_listed_with_their_substitute():
    missing = docx_fonts_missing(fonts_model("Garamond", "Liberation Serif"))

    assert [name for name, _substitute in missing] == ["Garamond"]
    assert missing[0][1]  # what fontconfig (and so LibreOffice) uses instead
    assert missing[0][1] != "Garamond"


def test_header_fonts_count_and_metric_compatible_twins_do_not():
    missing = docx_fonts_missing(
        fonts_model("Calibri", "Arial", "Times New Roman", header_font="Century Gothic")
    )

    assert [name for name, _substitute in missing] == ["Century Gothic"]


def test_a_plain_model_lacks_nothing():
    assert docx_fonts_missing(docx_models.attestation_model()) == []
