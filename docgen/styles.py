"""Word models without the style definitions they never use: lighter to render and convert.

``render_docx`` applies it to the model before filling it (cached per model and process).
Anything this code does not understand is left whole: it is an optimisation, never a
reason for a render to fail. Why and what is kept: docs/engine.md.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import zipfile

from lxml import etree

logger = logging.getLogger(__name__)

STYLES_PART = "word/styles.xml"
_STYLE_PARTS = {STYLES_PART, "word/stylesWithEffects.xml"}
_MAIN_NS = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + _MAIN_NS.decode() + "}"
_W_PREFIX = b'xmlns:w="' + _MAIN_NS + b'"'
_VALUE = re.compile(rb'w:val="([^"]*)"')
_FIELD_BY_STYLE = re.compile(rb"\b(?:TOC|STYLEREF|INDEX)\b")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@functools.lru_cache(maxsize=32)
def docx_unused_styles_drop(docx: bytes) -> bytes:
    """`docx` without the style definitions nothing uses; `docx` itself when nothing to drop."""
    try:
        return _drop(docx)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError) as error:
        # Not worth a traceback: the render that follows says what is wrong with the file.
        logger.info("Styles inutilisés non retirés : document non reconnu (%s)", error)
        return docx


def _drop(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
        infos = archive.infolist()
    if STYLES_PART not in parts:
        return docx
    values: set[bytes] = set()
    for name, data in parts.items():
        if name in _STYLE_PARTS or not name.endswith(".xml"):
            continue
        if _FIELD_BY_STYLE.search(data):
            return docx
        if _MAIN_NS in data and _W_PREFIX not in data:
            return docx  # Word's namespace under another prefix: `w:val` would miss references
        values.update(_VALUE.findall(data))
    root = etree.fromstring(parts[STYLES_PART], _PARSER)
    styles = {style.get(f"{_W}styleId"): style for style in root.iter(f"{_W}style")}
    pending = [
        style_id
        for style_id, style in styles.items()
        if style_id is not None
        and (style_id.encode() in values or style.get(f"{_W}default") in ("1", "true", "on"))
    ]
    kept: set[str] = set()
    while pending:
        style_id = pending.pop()
        if style_id in kept or style_id not in styles:
            continue
        kept.add(style_id)
        for relation in ("basedOn", "link", "next"):
            if (element := styles[style_id].find(f"{_W}{relation}")) is not None:
                pending.append(element.get(f"{_W}val"))
    unused = [style for style_id, style in styles.items() if style_id not in kept]
    if not unused:
        return docx
    for style in unused:
        style.getparent().remove(style)
    parts[STYLES_PART] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in infos:
            archive.writestr(info, parts[info.filename], compresslevel=1)
    return buffer.getvalue()
