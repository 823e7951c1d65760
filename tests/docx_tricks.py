"""Word models that try to make LibreOffice fetch something: one per trick.

Each function takes the address to fetch (a local HTTP server in the tests) and returns the
bytes of a .docx built with python-docx and a little XML surgery, as a broker (or someone who
stole a broker's account) could save it with Word or by hand.
"""

from __future__ import annotations

import io
import zipfile

from tests.docx_models import _png, _rewrite, simple_model

RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = f'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="{RELS}"'


def _with_body(xml: str, rels: str = "", extra=(), content_types: str = "") -> bytes:
    """A simple model with ``xml`` added at the end of the body, ``rels`` added to the
    body's relationships, ``extra`` (name, bytes) parts and ``content_types`` entries."""
    docx = simple_model("Contrat {{ contrat.numero }}")

    def edit(name, data):
        if name == "word/document.xml":
            return data.replace(b"<w:sectPr", xml.encode() + b"<w:sectPr", 1)
        if name == "word/_rels/document.xml.rels" and rels:
            return data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
        if name == "[Content_Types].xml" and content_types:
            return data.replace(b"</Types>", content_types.encode() + b"</Types>")
        return data if name else list(extra)

    return _rewrite(docx, edit)


def _complex_field(instruction: str, *, element: str = "w:instrText") -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><{element} xml:space="preserve">{instruction}</{element}></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>résultat</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def split_field(url: str) -> bytes:
    """``A`` in one field, ``INCLUDETEXT "url"`` in the next: joined, ``AINCLUDETEXT``."""
    return _with_body(
        "<w:p>" + _complex_field("A") + _complex_field(f'INCLUDETEXT "{url}"') + "</w:p>"
    )


def jinja_built_field(url: str) -> bytes:
    """A field code that only becomes INCLUDEPICTURE once Jinja has rendered it."""
    return _with_body(
        "<w:p>" + _complex_field('{{ "INCLUDEPIC" ~ "TURE" }} "' + url + '" \\d') + "</w:p>"
    )


def deleted_field(url: str) -> bytes:
    """A field code in a tracked deletion (``w:delInstrText``)."""
    return _with_body(
        '<w:p><w:del w:id="1" w:author="x" w:date="2026-01-01T00:00:00Z">'
        + _complex_field(f'INCLUDEPICTURE "{url}" \\d', element="w:delInstrText")
        + "</w:del></w:p>"
    )


def _picture(attribute: str, rel_id: str) -> str:
    return (
        '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
        'drawingml/2006/wordprocessingDrawing"><wp:extent cx="914400" cy="914400"/>'
        '<wp:docPr id="50" name="Image"/><a:graphic xmlns:a="http://schemas.openxmlformats.org/'
        'drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/'
        '2006/picture"><pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/'
        'picture"><pic:nvPicPr><pic:cNvPr id="0" name="i.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip {attribute}="{rel_id}"/><a:stretch><a:fillRect/></a:stretch>'
        '</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )


def _hyperlink_rel(rel_id: str, url: str) -> str:
    return (
        f'<Relationship Id="{rel_id}" Type="{RELS}/hyperlink" Target="{url}" '
        'TargetMode="External"/>'
    )


def picture_linked_to_hyperlink(url: str) -> bytes:
    """A picture whose ``r:link`` names an external relationship of the *hyperlink* type."""
    return _with_body(_picture("r:link", "rId91"), _hyperlink_rel("rId91", url))


def picture_embedded_from_hyperlink(url: str) -> bytes:
    """The same with ``r:embed``."""
    return _with_body(_picture("r:embed", "rId92"), _hyperlink_rel("rId92", url))


def alt_chunk(url: str) -> bytes:
    """An ``altChunk``: an HTML part imported into the document, with a remote picture."""
    html = f'<html><body><p>chunk</p><img src="{url}"></body></html>'.encode()
    return _with_body(
        '<w:altChunk r:id="rId93"/>',
        f'<Relationship Id="rId93" Type="{RELS}/aFChunk" Target="chunk.html"/>',
        [("word/chunk.html", html)],
        '<Override PartName="/word/chunk.html" ContentType="text/html"/>',
    )


def _inner_docx(url: str) -> bytes:
    """A whole .docx whose picture is linked to ``url`` (what an embedded object holds)."""
    from tests.docx_models import external_image_model

    return external_image_model(url)


def embedded_document(url: str) -> bytes:
    """An embedded Word document (``w:object`` / ``o:OLEObject`` on a package part)."""
    xml = (
        '<w:p><w:r><w:object xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office">'
        '<v:shape id="_x0000_i1025" type="#_x0000_t75" style="width:100pt;height:50pt">'
        '<v:imagedata r:id="rId95" o:title=""/></v:shape>'
        '<o:OLEObject Type="Embed" ProgID="Word.Document.12" ShapeID="_x0000_i1025" '
        'DrawAspect="Content" ObjectID="_1" r:id="rId94"/></w:object></w:r></w:p>'
    )
    rels = (
        f'<Relationship Id="rId94" Type="{RELS}/package" Target="embeddings/doc.docx"/>'
        f'<Relationship Id="rId95" Type="{RELS}/image" Target="media/preview.png"/>'
    )
    types = (
        '<Default Extension="png" ContentType="image/png"/>'
        '<Override PartName="/word/embeddings/doc.docx" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document"/>'
    )
    return _with_body(
        xml,
        rels,
        [("word/embeddings/doc.docx", _inner_docx(url)), ("word/media/preview.png", _png())],
        types,
    )


TRICKS = {
    "split_field": split_field,
    "jinja_built_field": jinja_built_field,
    "deleted_field": deleted_field,
    "picture_linked_to_hyperlink": picture_linked_to_hyperlink,
    "picture_embedded_from_hyperlink": picture_embedded_from_hyperlink,
    "alt_chunk": alt_chunk,
    "embedded_document": embedded_document,
}


def parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
