"""Real Word models for the tests, built with python-docx (and a little zip surgery).

Each function returns the bytes of a .docx file. Nothing here is a fake: LibreOffice and
docxtpl read these files exactly as they would read a broker's upload.
"""

from __future__ import annotations

import io
import re
import struct
import subprocess
import zipfile
import zlib

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

GUARANTEE_ROW = "{%tr for g in contrat.garanties %}"


def _save(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def simple_model(*paragraphs: str, header: str = "", footer: str = "") -> bytes:
    """One paragraph per text; optional one-line header and footer."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    return _save(document)


def attestation_model(*, fields: bool = True, beneficiary: bool = True) -> bytes:
    """A one-page attestation: header, footer, known tags, the guarantees table, fields."""
    document = Document()
    section = document.sections[0]
    head = section.header.paragraphs[0]
    head.text = "{{ cabinet.nom }} – ORIAS n° {{ cabinet.orias }}"
    section.header.add_paragraph(
        "{{ cabinet.adresse }}, {{ cabinet.code_postal }} {{ cabinet.ville }}"
    )
    section.footer.paragraphs[0].text = (
        "Attestation {{ attestation.numero }} délivrée le {{ attestation.date }} – "
        "Tél. {{ cabinet.telephone }}"
    )
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("ATTESTATION D'ASSURANCE")
    run.bold = True
    run.font.size = Pt(16)
    document.add_paragraph(
        "Nous soussignés, {{ cabinet.nom }}, attestons que {{ client.nom }}, "
        "{{ client.adresse }} {{ client.code_postal }} {{ client.ville }}, est titulaire du "
        "contrat n° {{ contrat.numero }} « {{ contrat.produit }} » souscrit auprès de "
        "{{ contrat.compagnie }}, en vigueur depuis le {{ contrat.date_effet }} "
        "(statut : {{ contrat.statut }})."
    )
    document.add_paragraph(
        "Période couverte : du {{ quittance.periode_debut }} au {{ quittance.periode_fin }}."
    )
    if beneficiary:
        document.add_paragraph(
            "Véhicule assuré : {{ beneficiaire.immatriculation }} "
            "({{ beneficiaire.marque }} {{ beneficiaire.modele }}) – {{ beneficiaire.libelle }}"
        )
    if fields:
        document.add_paragraph("Motif : {{ motif }}")
        document.add_paragraph("Du {{ date_debut }} au {{ date_fin }}")
    table = document.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Garantie", "Plafond", "Franchise"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = GUARANTEE_ROW
    for cell, key in zip(table.rows[2].cells, ("nom", "plafond", "franchise"), strict=True):
        cell.text = f"{{{{ g.{key} }}}}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    document.add_paragraph("Fait pour servir et valoir ce que de droit, le {{ date_du_jour }}.")
    return _save(document)


def split_runs_model() -> bytes:
    """``{{ contrat.numero }}`` typed in three runs: bold, italic, plain (as Word saves it)."""
    document = Document()
    paragraph = document.add_paragraph("Contrat n° ")
    paragraph.add_run("{{ contrat.").bold = True
    paragraph.add_run("num").italic = True
    colored = paragraph.add_run("ero }}")
    colored.font.color.rgb = RGBColor(0x00, 0x00, 0x00)
    paragraph.add_run(" fin.")
    return _save(document)


def _rewrite(docx: bytes, edit) -> bytes:
    """A copy of the zip where ``edit(name, data)`` may change each member."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, edit(info.filename, source.read(info.filename)))
        extra = edit(None, b"")
        if extra:
            for name, data in extra:
                target.writestr(name, data)
    return out.getvalue()


def _png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack("!I", len(data)) + body + struct.pack("!I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def external_image_model(url: str = "http://169.254.169.254/latest/meta-data/") -> bytes:
    """A picture "linked to file" as Word saves it: r:link to a TargetMode="External" rel."""
    document = Document()
    document.add_paragraph("Logo : ")
    document.add_picture(io.BytesIO(_png()))
    docx = _save(document)

    def edit(name, data):
        if name == "word/document.xml":
            return re.sub(rb'r:embed="(rId\d+)"', rb'r:link="\1"', data)
        if name == "word/_rels/document.xml.rels":
            return re.sub(
                rb'(Type="[^"]+/image" Target=")[^"]+"',
                rb"\1" + url.encode() + rb'" TargetMode="External"',
                data,
            )
        return data if name else None

    return _rewrite(docx, edit)


def remote_template_model() -> bytes:
    """A document attached to a template on a remote share (settings.xml attachedTemplate)."""
    docx = simple_model("Contrat {{ contrat.numero }}")
    rel = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/attachedTemplate" Target="file://serveur/partage/Normal.dotm" '
        b'TargetMode="External"/></Relationships>'
    )
    return _rewrite(
        docx, lambda name, data: data if name else [("word/_rels/settings.xml.rels", rel)]
    )


def hyperlink_model() -> bytes:
    """A footer e-mail that Word turned into a mailto: link, and a web link in the body."""
    docx = simple_model("Site : https://www.cabinet.fr", footer="contact@cabinet.fr")
    rels = (
        b'<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/hyperlink" Target="https://www.cabinet.fr/" TargetMode="External"/>'
    )

    def edit(name, data):
        if name == "word/_rels/document.xml.rels":
            return data.replace(b"</Relationships>", rels + b"</Relationships>")
        return data if name else None

    return _rewrite(docx, edit)


def docm_renamed() -> bytes:
    """A macro-enabled document (.docm) saved under a .docx name."""
    docx = simple_model("Contrat {{ contrat.numero }}")

    def edit(name, data):
        if name == "[Content_Types].xml":
            return data.replace(
                b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                b"application/vnd.ms-word.document.macroEnabled.main+xml",
            )
        return data if name else [("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 60)]

    return _rewrite(docx, edit)


def syntax_error_model() -> bytes:
    return simple_model("Contrat n° {{ contrat.numero }", "Client : {{ client.nom }}")


def unclosed_loop_model() -> bytes:
    return simple_model("{% for x in contrat.garanties %}", "{{ x.nom }}")


def unknown_filter_model() -> bytes:
    return simple_model("Client : {{ client.nom|majuscules }}")


def injection_model(command: str = "id") -> bytes:
    """The classic Jinja server-side template injection, as a broker could upload it."""
    return simple_model(
        "Résultat : {{ cycler.__init__.__globals__.os.popen('" + command + "').read() }}"
    )


def pdf_text(pdf: bytes, *, layout: bool = False) -> str:
    """What a reader sees: the text of the PDF by poppler's pdftotext.

    ``layout`` keeps the physical layout: a table row stays on one line.
    """
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def docx_text(docx: bytes) -> str:
    """The text of every w:t of the body, headers and footers (XML entities decoded)."""
    from lxml import etree

    texts = []
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for name in sorted(archive.namelist()):
            if re.match(r"word/(document|header\d*|footer\d*)\.xml$", name):
                root = etree.fromstring(archive.read(name))
                texts.extend(t.text or "" for t in root.iter("{*}t"))
    return "".join(texts)


def verified_model() -> bytes:
    """An attestation carrying its validity, its verification code and URL, and its QR code."""
    return simple_model(
        "Attestation n° {{ attestation.numero }} pour {{ contrat.numero }}",
        "Valable du {{ attestation.valable_du }} au {{ attestation.valable_jusqu_au }}",
        "Code de vérification : {{ attestation.code_verification }}",
        "Vérifier : {{ attestation.url_verification }}",
        "{{ attestation.qr_code }}",
        "Motif : {{ motif }}",
    )
