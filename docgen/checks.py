"""The upload check of a broker's Word model: ``template_check``.

A real .docx only (not .docm/.dotx, not a renamed file), no external resource, embedded
object nor field code that fetches one (docgen.fetching), every tag compiles in the render
sandbox and a strict trial render passes.
Returns the unknown tags (the client's fields), or raises ``TemplateInvalid`` in French.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from lxml import etree

from .fetching import DocxUnreadable, docx_fetch_problem
from .i18n import _
from .messages import reply_message
from .render import (
    FIELD_NAME_RE,
    RENDER_MEMORY_LIMIT_MB,
    RENDER_TIMEOUT,
    TemplateInvalid,
    run_job,
)

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_UNZIPPED_BYTES = 150 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
PLACEHOLDER = "Exemple"

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
TEMPLATE_MAINS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}
OFFICE_DOCUMENT_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def template_check(
    *,
    data: bytes,
    filename: str,
    sample_context: dict,
    timeout: float = RENDER_TIMEOUT,
    memory_mb: int = RENDER_MEMORY_LIMIT_MB,
) -> list[str]:
    """The sorted unknown tags of a model, or TemplateInvalid with the reason in French.

    ``sample_context`` holds an example of every known tag, for the trial render.
    """
    if not filename.lower().endswith(".docx"):
        raise TemplateInvalid(_("Le modèle doit être un document Word au format .docx."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise TemplateInvalid(
            _("Le fichier dépasse %(size)s Mo.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    _check_package(data)
    reply, _payload = run_job(
        {"mode": "check", "context": sample_context, "placeholder": PLACEHOLDER},
        data,
        timeout=timeout,
        memory_mb=memory_mb,
    )
    if not reply.get("ok"):
        raise TemplateInvalid(reply_message(reply))
    names = reply["undeclared"]
    for name in names:
        if not FIELD_NAME_RE.match(name):
            raise TemplateInvalid(
                _(
                    "L'étiquette « %(name)s » ne peut pas devenir une zone de saisie : "
                    "n'utilisez que des lettres sans accent, des chiffres et « _ », en "
                    "commençant par une lettre (60 caractères au plus)."
                )
                % {"name": name}
            )
    return sorted(names)


def _check_package(data: bytes) -> None:
    """A real .docx: a Word main part (no macros), no external resource, no zip bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise TemplateInvalid(
            _(
                "Ce fichier n'est pas un vrai document Word .docx (un fichier .doc ou PDF "
                "renommé ?). Enregistrez-le depuis Word au format « Document Word (.docx) »."
            )
        ) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
            raise TemplateInvalid(_("Ce fichier est anormalement volumineux une fois décompressé."))
        names = {i.filename for i in infos}
        _check_main_part(archive, names)
        if any(PurePosixPath(n).name.lower() == "vbaproject.bin" for n in names):
            raise TemplateInvalid(_docm_message())
    try:
        problem = docx_fetch_problem(data)
    except DocxUnreadable as error:
        raise TemplateInvalid(
            _("Ce fichier n'est pas un document Word .docx lisible (partie %(name)s).")
            % {"name": str(error)}
        ) from None
    if problem:
        raise TemplateInvalid(problem)


def _docm_message() -> str:
    return _(
        "Ce fichier contient des macros (document .docm) : enregistrez-le au format "
        "« Document Word (.docx) », sans macros."
    )


def _read_xml(archive: zipfile.ZipFile, name: str):
    try:
        return etree.fromstring(archive.read(name), _XML_PARSER)
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, RuntimeError):
        raise TemplateInvalid(
            _("Ce fichier n'est pas un document Word .docx lisible (partie %(name)s).")
            % {"name": name}
        ) from None


def _check_main_part(archive: zipfile.ZipFile, names: set[str]) -> None:
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        raise TemplateInvalid(_("Ce fichier n'est pas un document Word .docx."))
    target = ""
    for rel in _read_xml(archive, "_rels/.rels"):
        if rel.get("Type") in OFFICE_DOCUMENT_REL:
            target = rel.get("Target", "").lstrip("/")
    content_type = ""
    for item in _read_xml(archive, "[Content_Types].xml"):
        if item.get("PartName", "").lstrip("/") == target:
            content_type = item.get("ContentType", "")
    if content_type == DOCM_MAIN:
        raise TemplateInvalid(_docm_message())
    if content_type in TEMPLATE_MAINS:
        raise TemplateInvalid(
            _(
                "Ce fichier est un modèle Word (.dotx/.dotm) : ouvrez-le et enregistrez-le au "
                "format « Document Word (.docx) »."
            )
        )
    if content_type != DOCX_MAIN:
        raise TemplateInvalid(
            _("Ce fichier n'est pas un document Word .docx (Excel, PowerPoint ou autre ?).")
        )
