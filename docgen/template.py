"""The Jinja sandbox a broker's model is compiled and rendered in (inside the child).

One environment for the upload check and the render: only the allowed filters, no private
attribute, no include, autoescaping always on. ``describe`` turns a failure into a JSON-able
report that the parent (``docgen.messages``) phrases in French. Never imports the project.
"""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile

from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, Undefined, meta, nodes
from jinja2.exceptions import (
    SecurityError,
    TemplateAssertionError,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.sandbox import SandboxedEnvironment, safe_range
from lxml import etree

# Filters a broker may use. Everything else is removed, so it is an "unknown filter" refused
# at upload. Left out on purpose: `safe` (a client value would go into the XML raw),
# `urlize`, `xmlattr`, `tojson` (return markup that escapes autoescaping), `indent`/`center`/
# `wordwrap`/`pprint`/`filesizeformat`/`urlencode` (no use in a Word document).
ALLOWED_FILTERS = frozenset(
    {
        "abs", "attr", "batch", "capitalize", "count", "d", "default", "dictsort", "e",
        "escape", "first", "float", "format", "groupby", "int", "join", "last", "length",
        "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse",
        "round", "select", "selectattr", "slice", "sort", "string", "striptags", "sum",
        "title", "trim", "truncate", "unique", "upper", "wordcount",
    }
)  # fmt: skip


ATTRIBUTE_FILTERS = frozenset(
    {"attr", "map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique", "min", "max"}
)


class ForbiddenConstruct(SecurityError):
    """A construct refused before anything runs (private attributes, autoescape off...)."""

    def __init__(self, message: str, lineno: int | None) -> None:
        super().__init__(message)
        self.lineno = lineno


class NotAList(TypeError):
    """Raised when a model loops over a value that is not a list (checked at upload only)."""


class CheckStr(str):
    """A text value during the upload check: a loop over it is an error, not characters."""

    _tag_path = ""

    def __iter__(self):
        # Only a {% for %} (compiled template code, or Jinja's LoopContext) is refused;
        # filters such as |first or |join may still walk the characters.
        caller = sys._getframe(1).f_code.co_filename
        if caller == "<template>" or caller.endswith(os.path.join("jinja2", "runtime.py")):
            raise NotAList(self._tag_path)
        return str.__iter__(self)


class TagDict(dict):
    """A dict of the tag dictionary that knows its name, for readable error messages."""

    _tag_path = ""


class CheckUndefined(StrictUndefined):
    """StrictUndefined whose message names the missing tag the way the broker wrote it."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:  # type: ignore[override]
        obj, name = self._undefined_obj, self._undefined_name
        parent = getattr(obj, "_tag_path", "")
        if parent and isinstance(obj, dict):
            return f"missing-key:{parent}.{name}"
        if parent and isinstance(obj, str):
            return f"text-has-no-key:{parent}.{name}"
        return f"missing:{name}"


def _finalize(value):
    # None renders as nothing, not the text "None".
    return "" if value is None else value


class DocxSandbox(SandboxedEnvironment):
    """The one environment every model is compiled and rendered with."""

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        _refuse_forbidden(tree)
        return tree


def _refuse_forbidden(tree: nodes.Template) -> None:
    """Refuse, before running anything, what the sandbox would only catch if reached."""
    for node in tree.find_all(
        (nodes.Getattr, nodes.Getitem, nodes.Name, nodes.EvalContextModifier, nodes.Include)
    ):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise ForbiddenConstruct(f"attribute:{node.attr}", node.lineno)
        if (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and node.arg.value.startswith("_")
        ):
            raise ForbiddenConstruct(f"attribute:{node.arg.value}", node.lineno)
        if isinstance(node, nodes.Name) and node.name.startswith("_"):
            raise ForbiddenConstruct(f"attribute:{node.name}", node.lineno)
        if isinstance(node, nodes.EvalContextModifier):
            # {% autoescape false %} would put client values into the XML raw.
            raise ForbiddenConstruct("autoescape", node.lineno)
        if isinstance(node, nodes.Include):
            raise ForbiddenConstruct("include", node.lineno)
    for node in tree.find_all((nodes.Import, nodes.FromImport, nodes.Extends)):
        raise ForbiddenConstruct("include", node.lineno)
    # Filters that reach attributes by name: |attr('__class__'), |map(attribute='__class__').
    for node in tree.find_all(nodes.Filter):
        if node.name not in ATTRIBUTE_FILTERS:
            continue
        for arg in [*node.args, *(kw.value for kw in node.kwargs)]:
            if isinstance(arg, nodes.Const) and str(arg.value).startswith("_"):
                raise ForbiddenConstruct(f"attribute:{arg.value}", node.lineno)


def make_env(*, strict: bool = False) -> DocxSandbox:
    env = DocxSandbox(
        autoescape=True,
        finalize=_finalize,
        undefined=CheckUndefined if strict else Undefined,
        keep_trailing_newline=True,
    )
    # No cycler/joiner/lipsum/namespace/dict: a model needs none, and fewer objects in reach
    # means fewer ways out. `range` stays (bounded by the sandbox to 100,000 items).
    env.globals = {"range": safe_range}
    env.filters = {k: v for k, v in env.filters.items() if k in ALLOWED_FILTERS}
    return env


# -- rendering (in the child) -----------------------------------------------------------------

PART_LABELS = {"document": "body", "header": "header", "footer": "footer", "footnotes": "notes"}


def part_kind(partname: str) -> str:
    base = partname.rsplit("/", 1)[-1]
    for prefix, kind in PART_LABELS.items():
        if base.startswith(prefix):
            return kind
    return "other"


# ``{{r x }}`` and ``{{p x }}`` (the tag's braces and letter possibly split over runs): docxtpl
# drops the run (the paragraph) around them and expects a RichText (a paragraph) object, so
# a client's text vanishes. Values here are only ever plain text (the context is JSON): they
# print as ``{{ x }}``, in the run or paragraph the broker formatted.
_RICH_VALUE_TAG = re.compile(r"\{((?:<[^>]*>)*)\{((?:<[^>]*>)*)[rp](?=(?:<[^>]*>)*\s)")
# Document properties docxtpl fills (and keywords, which it leaves out), rendered as plain
# text: python-docx escapes what it stores, so autoescaping would escape twice (A &amp; B).
PROPERTIES = ("author", "comments", "identifier", "keywords", "language", "subject", "title")


class _Docx(DocxTemplate):
    """Remembers the XML being rendered, to point at the paragraph an error comes from;
    prints plain text through ``{{r }}``, ``{{p }}`` and the document properties."""

    last_source = ""
    last_part = ""

    def patch_xml(self, src_xml):
        return super().patch_xml(_RICH_VALUE_TAG.sub(r"{\1{\2", src_xml))

    def render_properties(self, context, jinja_env=None):
        env = (jinja_env or make_env()).overlay(autoescape=False)
        props = self.docx.core_properties
        for prop in PROPERTIES:
            source = getattr(props, prop) or ""
            if source:
                self.last_part, self.last_source = "/docProps/core.xml", source
                setattr(props, prop, env.from_string(source).render(context))

    def render_xml_part(self, src_xml, part, context, jinja_env=None):
        self.last_source = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
        self.last_part = str(getattr(part, "partname", ""))
        return super().render_xml_part(src_xml, part, context, jinja_env)


def model_parts(tpl: DocxTemplate) -> list[tuple[str, str]]:
    """(partname, patched XML) of every part docxtpl renders, as docxtpl prepares them."""
    tpl.init_docx()
    parts = [("/word/document.xml", tpl.patch_xml(tpl.get_xml()))]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _key, part in tpl.get_headers_footers(uri):
            parts.append((str(part.partname), tpl.patch_xml(tpl.get_part_xml(part))))
    for part in tpl.docx.part.package.parts:
        if part.content_type.endswith(".footnotes+xml"):
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else part.blob
            parts.append((str(part.partname), tpl.patch_xml(blob)))
    props = tpl.docx.core_properties
    for prop in PROPERTIES:
        parts.append(("/docProps/core.xml", getattr(props, prop) or ""))
    return parts


def _wrap(value, path: str, *, strict: bool):
    """Known tags as TagDicts (and, at upload, texts that refuse to be looped over)."""
    if isinstance(value, dict):
        wrapped = TagDict({k: _wrap(v, f"{path}.{k}" if path else k, strict=strict)
                           for k, v in value.items()})  # fmt: skip
        wrapped._tag_path = path
        return wrapped
    if isinstance(value, list):
        return [_wrap(v, path, strict=strict) for v in value]
    if strict and isinstance(value, str):
        text = CheckStr(value)
        text._tag_path = path
        return text
    return value


class PlacedImage:
    """The image a known tag stands for (``{{ attestation.qr_code }}``). A model reaches
    nothing of it but its rendering: the InlineImage (and its template) is private."""

    __slots__ = ("_inline",)

    def __init__(self, inline: InlineImage):
        self._inline = inline

    def __html__(self) -> str:
        return self._inline.__html__()

    __str__ = __html__


def _place_images(tpl: DocxTemplate, context: dict, images: dict) -> None:
    """``images``: dotted tag path -> (PNG bytes, width in mm), put into ``context``."""
    for path, (png, width_mm) in images.items():
        *parents, name = path.split(".")
        target = context
        for key in parents:
            target = target.setdefault(key, TagDict())
        target[name] = PlacedImage(InlineImage(tpl, io.BytesIO(png), width=Mm(width_mm)))


def render(
    template: bytes, context: dict, *, strict: bool, images: dict | None = None
) -> tuple[bytes, _Docx]:
    tpl = _Docx(io.BytesIO(template))
    env = make_env(strict=strict)
    wrapped = _wrap(context, "", strict=strict)
    _place_images(tpl, wrapped, images or {})
    tpl.render(wrapped, jinja_env=env, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue(), tpl


def check(template: bytes, context: dict, placeholder: str) -> list[str]:
    """Compile every part, list undeclared names, then render once with strict checks.

    Names not in ``context`` (the client's fields) are given ``placeholder`` for the trial.
    """
    tpl = _Docx(io.BytesIO(template))
    env = make_env(strict=True)
    undeclared: set[str] = set()
    for partname, source in model_parts(tpl):
        tpl.last_part, tpl.last_source = partname, re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
        tree = env.parse(tpl.last_source)
        undeclared |= meta.find_undeclared_variables(tree)
        env.compile(tree)  # unknown filters and tests fail here
    names = sorted(undeclared - set(context))
    trial = {**{n: placeholder for n in names}, **context}
    render(template, trial, strict=True)
    return names


# -- the child's error report -----------------------------------------------------------------


def _template_lineno(exc: BaseException) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return lineno
    tb = exc.__traceback__
    found = None
    while tb is not None:
        # Jinja rewrites template frames into fake ones that carry the template's line.
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def _excerpt(source: str, lineno: int | None) -> str:
    """The text of the paragraph at ``lineno`` (docxtpl puts one paragraph per line)."""
    if not lineno or not source:
        return ""
    lines = source.split("\n")
    if not 0 < lineno <= len(lines):
        return ""
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1])
    text = (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&apos;", "'").replace("&amp;", "&")
    )  # fmt: skip
    text = " ".join(text.split())
    return text[:200] + ("…" if len(text) > 200 else "")


def describe(exc: BaseException, tpl: _Docx | None) -> dict:
    """A JSON-able account of a failure; the parent turns it into a French sentence."""
    if isinstance(exc, MemoryError):
        kind = "memory"
    elif isinstance(exc, ForbiddenConstruct | SecurityError):
        kind = "security"
    elif isinstance(exc, TemplateAssertionError):
        kind = "assertion"
    elif isinstance(exc, TemplateSyntaxError):
        kind = "syntax"
    elif isinstance(exc, UndefinedError):
        kind = "undefined"
    elif isinstance(exc, NotAList):
        kind = "not_a_list"
    elif isinstance(exc, etree.XMLSyntaxError):
        kind = "xml"
    elif isinstance(exc, zipfile.BadZipFile | PackageNotFoundError):
        kind = "unreadable"
    else:
        kind = "error"
    source = tpl.last_source if tpl is not None else ""
    return {
        "ok": False,
        "kind": kind,
        "detail": str(exc)[:500],
        "type": type(exc).__name__,
        "part": part_kind(tpl.last_part) if tpl is not None and tpl.last_part else "",
        "excerpt": _excerpt(source, _template_lineno(exc)) if kind != "memory" else "",
    }


def find_docx(exc: BaseException) -> _Docx | None:
    """The innermost model object on the failing stack (the render's, not the check's)."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        for value in tb.tb_frame.f_locals.values():
            if isinstance(value, _Docx):
                found = value
        tb = tb.tb_next
    return found
