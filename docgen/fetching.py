"""What in a .docx could make Word or LibreOffice fetch a file or an address.

``docx_fetch_problem`` reads the package (relationships, field codes, objects) and returns
the French reason to refuse it, or "" when nothing fetches. It runs on the model at upload
(docgen.checks) and again on every filled document before conversion (docgen.render): a
field code can be built by the model's own tags.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import PurePosixPath

from lxml import etree

from .i18n import _

# A clickable link is not fetched by LibreOffice: Word turns every e-mail address and web
# address typed in a footer into one, so refusing them would refuse most real models.
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
# Field codes that make Word or LibreOffice load another file or URL.
FETCHING_FIELD_NAMES = frozenset(
    {"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "DDEAUTO", "DDE", "IMPORT"}
)
FETCHING_FIELDS = re.compile(
    r"(?<![A-Za-z])(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)(?![A-Za-z])",
    re.IGNORECASE,
)
JINJA_TAG = re.compile(r"\{[{%#]")
# The elements that may point at an external (hyperlink) relationship: clickable links.
LINK_ELEMENTS = frozenset({"hyperlink", "hlinkClick", "hlinkHover", "hlinkMouseOver"})
# Embedded or imported content: another document inside this one, loaded by LibreOffice.
OBJECT_ELEMENTS = frozenset({"altChunk", "object", "OLEObject", "objectEmbed", "objectLink"})
OBJECT_REL_TYPES = frozenset({"aFChunk", "oleObject", "package", "control", "activeXControl"})
REL_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
# The digests of the last documents found clean: a filled document is checked after the
# render, then again before its conversion, and the second time costs nothing.
_CLEAN_KEPT = 256
_clean: OrderedDict[bytes, None] = OrderedDict()
_clean_lock = threading.Lock()


class DocxUnreadable(Exception):
    """The package or one of its XML parts cannot be read (``str``: the part)."""


def docx_fetch_problem(data: bytes) -> str:
    """The French reason why this .docx could fetch something, or "". Raises
    DocxUnreadable when it cannot be read."""
    digest = hashlib.sha256(data).digest()
    with _clean_lock:
        if digest in _clean:
            _clean.move_to_end(digest)
            return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problem = _package_problem(archive)
    except (zipfile.BadZipFile, ValueError, KeyError, RuntimeError) as error:
        raise DocxUnreadable("") from error
    if not problem:
        with _clean_lock:
            _clean[digest] = None
            while len(_clean) > _CLEAN_KEPT:
                _clean.popitem(last=False)
    return problem


def _xml(archive: zipfile.ZipFile, name: str):
    try:
        return etree.fromstring(archive.read(name), _XML_PARSER)
    except etree.XMLSyntaxError:
        raise DocxUnreadable(name) from None


def _rels_name(part: str) -> str:
    path = PurePosixPath(part)
    return str(path.parent / "_rels" / f"{path.name}.rels")


def _package_problem(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    external: dict[str, dict[str, str]] = {}  # rels file -> external rel id -> target
    for name in sorted(n for n in names if n.endswith(".rels")):
        problem, external[name] = _relationships_problem(_xml(archive, name))
        if problem:
            return problem
    for name in sorted(names):
        if not name.endswith(".xml") or not (name.startswith("word/") or "/" not in name):
            continue
        problem = _part_problem(_xml(archive, name), external.get(_rels_name(name), {}))
        if problem:
            return problem
    return ""


def _external_message(target: str) -> str:
    return _(
        "Le modèle fait référence à une ressource externe (image liée, modèle "
        "distant…) : « %(target)s ». Insérez les images dans le document au lieu de "
        "les lier (Insertion > Images > Cet appareil), puis déposez-le à nouveau."
    ) % {"target": target[:120]}


def _object_message() -> str:
    return _(
        "Le modèle contient un objet incorporé ou importé (document, feuille Excel, "
        "contenu « altChunk »…) : remplacez-le par du texte, un tableau ou une image "
        "insérée, puis déposez-le à nouveau."
    )


def _relationships_problem(root) -> tuple[str, dict[str, str]]:
    """Refuses embedded objects and external targets other than links; returns the ids of
    the (allowed) external links, which only a link element may use."""
    links: dict[str, str] = {}
    for rel in root:
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        if kind in OBJECT_REL_TYPES:
            return _object_message(), links
        if (rel.get("TargetMode") or "").lower() != "external":
            continue
        target = rel.get("Target", "")
        if kind == "hyperlink" and target.lower().startswith(SAFE_LINK_SCHEMES):
            links[rel.get("Id", "")] = target
            continue
        return _external_message(target), links
    return "", links


_names: dict[str, tuple[str, str]] = {}  # "{namespace}local" -> (namespace, local)


def _split(name) -> tuple[str, str]:
    """(namespace, local name) of an element's tag or an attribute's name; ("", "") for a
    comment's or a processing instruction's tag. Cached: a part has a few dozen names."""
    if not isinstance(name, str):
        return "", ""
    split = _names.get(name)
    if split is None:
        namespace, _brace, local = name[1:].rpartition("}") if name[:1] == "{" else ("", "", name)
        split = _names.setdefault(name, (namespace, local))
    return split


def _local(tag) -> str:
    return _split(tag)[1]


_OBJECT_TAGS = tuple(f"{{*}}{name}" for name in sorted(OBJECT_ELEMENTS))
# Attributes that name a relationship: in its namespaces, or VML's ``o:relid``.
_REFERENCES = etree.XPath(
    "//@*[namespace-uri() = $ns1 or namespace-uri() = $ns2 or local-name() = 'relid']"
)


def _part_problem(root, links: dict[str, str]) -> str:
    if next(root.iter(*_OBJECT_TAGS), None) is not None:
        return _object_message()
    for found in _REFERENCES(root, ns1=REL_NAMESPACES[0], ns2=REL_NAMESPACES[1]):
        value = str(found)
        namespace, name = _split(found.attrname)
        if namespace in REL_NAMESPACES and name == "link":  # a linked, not embedded, image
            return _external_message(links.get(value, value))
        if value in links and _local(found.getparent().tag) not in LINK_ELEMENTS:
            return _external_message(links[value])
    for instruction in field_instructions(root):
        problem = _instruction_problem(instruction)
        if problem:
            return problem
    return ""


_FIELD_TAGS = ("{*}fldChar", "{*}instrText", "{*}delInstrText", "{*}fldSimple")


def field_instructions(root) -> Iterator[str]:
    """Each field's instruction on its own: complex fields (begin, instruction runs,
    separate, end; nested fields included), simple fields, deleted instructions too."""
    stack: list[list[str]] = []  # the instructions of the open fields, innermost last
    collecting: list[bool] = []
    for element in root.iter(*_FIELD_TAGS):
        local = _local(element.tag)
        if local == "fldChar":
            kind = next((v for k, v in element.attrib.items() if k.endswith("fldCharType")), "")
            if kind == "begin":
                stack.append([])
                collecting.append(True)
            elif kind == "separate" and collecting:
                collecting[-1] = False
            elif kind == "end" and stack:
                collecting.pop()
                yield "".join(stack.pop())
        elif local in ("instrText", "delInstrText"):
            if stack and collecting[-1]:
                stack[-1].append(element.text or "")
            else:
                yield element.text or ""  # an instruction outside any field: judged alone
        elif local == "fldSimple":
            yield next((v for k, v in element.attrib.items() if k.endswith("instr")), "")
    for parts in stack:  # fields never closed
        yield "".join(parts)


def _instruction_problem(instruction: str) -> str:
    words = instruction.split()
    name = words[0].upper() if words else ""
    match = FETCHING_FIELDS.search(instruction)
    if name in FETCHING_FIELD_NAMES or match:
        return _(
            "Le modèle contient un champ Word qui va chercher un fichier ou une adresse "
            "extérieure (%(field)s) : supprimez-le."
        ) % {"field": name if name in FETCHING_FIELD_NAMES else match.group(1).upper()}
    if JINJA_TAG.search(instruction):
        return _(
            "Le modèle contient une balise dans le code d'un champ Word (« %(code)s ») : "
            "les balises ne peuvent être que dans le texte du document."
        ) % {"code": " ".join(words)[:80]}
    return ""
