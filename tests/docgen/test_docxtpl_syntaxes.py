"""Every syntax docxtpl offers a model prints a client's text exactly, in the PDF.

A corpus of our own, one model per syntax (python-docx and a little XML surgery): plain
tags, ``{{r }}``, ``{{p }}``, ``{%p if %}``, ``{%tr for %}``, ``{%tc for %}``, header and
footer, footnotes, and the document properties (title, subject, author, keywords, comments)
shown through Word fields. Each value is rendered in the sandbox, converted by the real
LibreOffice and read back with pdftotext.
"""

import subprocess

import pytest
from docx import Document

from docgen import convert_to_pdf, render_docx, template_check
from tests import docx_models, docx_tricks
from tests.converter_pool import STATE_DIR

VALUES = ["A & B", "<x>", "{{ 7*7 }}", "🚚 camion", "L'été « déjà »"]
FIELDS = {f"v{index}": value for index, value in enumerate(VALUES)}
NAMES = list(FIELDS)


def _lines(tag: str) -> list[str]:
    """One paragraph per value: ``[v0] <tag for v0> [/v0]``."""
    return [f"[{name}] {tag.format(name=name)} [/{name}]" for name in NAMES]


def _save(document) -> bytes:
    return docx_models._save(document)


def plain() -> bytes:
    return docx_models.simple_model(*_lines("{{{{ {name} }}}}"))


def run_tag() -> bytes:
    """``{{r v }}`` in a bold run of its own, between plain runs."""
    document = Document()
    for name in NAMES:
        paragraph = document.add_paragraph(f"[{name}] ")
        paragraph.add_run(f"{{{{r {name} }}}}").bold = True
        paragraph.add_run(f" [/{name}]")
    return _save(document)


def paragraph_tag() -> bytes:
    """``{{p v }}`` alone in its paragraph, between two marker paragraphs."""
    paragraphs = []
    for name in NAMES:
        paragraphs += [f"[{name}]", f"{{{{p {name} }}}}", f"[/{name}]"]
    return docx_models.simple_model(*paragraphs)


def paragraph_if() -> bytes:
    paragraphs = []
    for name in NAMES:
        paragraphs += [
            f"{{%p if {name} %}}",
            f"[{name}] {{{{ {name} }}}} [/{name}]",
            "{%p endif %}",
        ]
    paragraphs += ["{%p if absent %}", "[cache] jamais [/cache]", "{%p endif %}"]
    return docx_models.simple_model(*paragraphs)


def table_row_loop() -> bytes:
    document = Document()
    table = document.add_table(rows=3, cols=1)
    table.rows[0].cells[0].text = "{%tr for v in valeurs %}"
    table.rows[1].cells[0].text = "[ligne] {{ v }} [/ligne]"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    return _save(document)


def table_cell_loop() -> bytes:
    document = Document()
    table = document.add_table(rows=1, cols=3)
    table.rows[0].cells[0].text = "{%tc for v in valeurs %}"
    table.rows[0].cells[1].text = "[cellule] {{ v }} [/cellule]"
    table.rows[0].cells[2].text = "{%tc endfor %}"
    return _save(document)


def header_footer() -> bytes:
    document = Document()
    document.add_paragraph("Corps")
    section = document.sections[0]
    section.header.paragraphs[0].text = f"[{NAMES[0]}] {{{{ {NAMES[0]} }}}} [/{NAMES[0]}]"
    for name in NAMES[1:3]:
        section.header.add_paragraph(f"[{name}] {{{{ {name} }}}} [/{name}]")
    section.footer.paragraphs[0].text = f"[{NAMES[3]}] {{{{ {NAMES[3]} }}}} [/{NAMES[3]}]"
    section.footer.add_paragraph(f"[{NAMES[4]}] {{{{ {NAMES[4]} }}}} [/{NAMES[4]}]")
    return _save(document)


FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f"<w:footnotes {docx_tricks.NS}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
    "</w:r></w:p></w:footnote>"
    '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r>'
    + "".join(
        f'<w:r><w:t xml:space="preserve"> [{n}] {{{{ {n} }}}} [/{n}]</w:t></w:r>' for n in NAMES
    )
    + "</w:p></w:footnote></w:footnotes>"
)


def footnotes() -> bytes:
    return docx_tricks._with_body(
        '<w:p><w:r><w:t>Note</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>',
        f'<Relationship Id="rId96" Type="{docx_tricks.RELS}/footnotes" Target="footnotes.xml"/>',
        [("word/footnotes.xml", FOOTNOTES.encode())],
        '<Override PartName="/word/footnotes.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>',
    )


PROPERTIES = ["title", "subject", "author", "keywords", "comments"]


def properties() -> bytes:
    """Each property set to a tag, and shown in the body through its Word field. (LibreOffice
    imports Word's AUTHOR field as its own, fixed, author field: the author is read in the
    PDF's information instead, where the export puts it.)"""
    document = Document()
    for prop, name in zip(PROPERTIES, NAMES, strict=True):
        setattr(document.core_properties, prop, f"{{{{ {name} }}}}")
    docx = _save(document)
    fields = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">[{name}] </w:t></w:r>'
        f'<w:fldSimple w:instr=" {prop.upper()} "><w:r><w:t>?</w:t></w:r></w:fldSimple>'
        f'<w:r><w:t xml:space="preserve"> [/{name}]</w:t></w:r></w:p>'
        for prop, name in zip(PROPERTIES, NAMES, strict=True)
        if prop != "author"
    )

    def edit(part, data):
        if part == "word/document.xml":
            return data.replace(b"<w:sectPr", fields.encode() + b"<w:sectPr", 1)
        return data if part else None

    return docx_models._rewrite(docx, edit)


MODELS = {
    "plain": (plain, "v"),
    "run_tag": (run_tag, "v"),
    "paragraph_tag": (paragraph_tag, "v"),
    "paragraph_if": (paragraph_if, "v"),
    "table_row_loop": (table_row_loop, "ligne"),
    "table_cell_loop": (table_cell_loop, "cellule"),
    "header_footer": (header_footer, "v"),
    "footnotes": (footnotes, "v"),
    "properties": (properties, "v"),
}


def pdf_info(pdf: bytes) -> dict[str, str]:
    output = subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return {
        key.strip(): value.strip()
        for key, _colon, value in (line.partition(":") for line in output.splitlines())
    }


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.libreoffice
@pytest.mark.parametrize("syntax", sorted(MODELS))
def test_every_syntax_prints_every_client_value_exactly(syntax, converter_pool):
    make, marker = MODELS[syntax]
    model = make()
    # Accepted at upload, every value a field of the client's.
    context = {"valeurs": VALUES, "contrat": {"numero": "CT-1"}}
    unknown = template_check(data=model, filename="modele.docx", sample_context=context)
    assert set(unknown) <= {*NAMES, "absent"}

    docx = render_docx(template=model, context=context, values={**FIELDS, "absent": ""})
    pdf = convert_to_pdf(docx, ports=converter_pool, state_dir=STATE_DIR)
    text = flat(docx_models.pdf_text(pdf))

    expected = {
        f"v{index}" if marker == "v" else marker: value for index, value in enumerate(VALUES)
    }
    if syntax == "properties":
        # LibreOffice shows the keywords one by one, joined by commas: "🚚, camion".
        text = text.replace(", ", " ")
        assert pdf_info(pdf)["Author"] == expected.pop(NAMES[PROPERTIES.index("author")])
    if syntax == "paragraph_tag":
        # pdftotext reads "A & B" alone on its line as "A&B" (the PDF has the spaces: its
        # -raw mode shows them): compare without spaces.
        text = text.replace(" ", "")
        expected = {tag: value.replace(" ", "") for tag, value in expected.items()}
        for tag, value in expected.items():
            assert f"[{tag}]{value}[/{tag}]" in text, (value, text)
    else:
        for tag, value in expected.items():
            assert f"[{tag}] {value} [/{tag}]" in text, (value, text)
    assert "49" not in text and "&amp;" not in text and "&lt;" not in text
    assert "jamais" not in text
