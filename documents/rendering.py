"""Checking and rendering brokers' Word models (docxtpl in a sandbox, in a child process).

Two entry points:
- ``template_check(data=, filename=)`` at upload: a real .docx (not .docm/.dotx, not a
  renamed file), no external resource, every tag compiles in the same sandbox used for
  rendering, a trial render with strict checks passes; returns the unknown tags (the
  client's fields) or raises ``TemplateInvalid`` with a French reason for the form.
- ``render_docx(template=, context=, values=)``: fills a model. Client ``values`` are data:
  control characters stripped, autoescaped, merged *under* the known tags so a client can
  never replace ``contrat`` or ``attestation``.

The time limit (``RENDER_TIMEOUT`` seconds, default 20) and a memory cap
(``RENDER_MEMORY_LIMIT_MB``, default 1024) hold for every render and check wherever it
runs (web request, preview, eager job, Celery worker): the work happens in a forked child
of a small helper process (``documents.sandbox``), killed at the deadline. A Celery soft
time limit could only cover jobs in a worker, and an alarm signal only works in a main
thread; neither bounds memory.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

from . import sandbox
from .docx_styles import docx_unused_styles_drop
from .tags import KNOWN_ROOTS, sample_context

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_UNZIPPED_BYTES = 150 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
FIELD_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")
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
# A clickable link is not fetched by LibreOffice: Word turns every e-mail address and web
# address typed in a footer into one, so refusing them would refuse most real models.
SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:", "tel:")
# Field codes that make Word or LibreOffice load another file or URL.
FETCHING_FIELDS = re.compile(
    r"(?<![A-Za-z])(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)(?![A-Za-z])",
    re.IGNORECASE,
)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

# Characters illegal in XML 1.0 or invisible troublemakers pasted from other software:
# C0 controls except tab and newline, DEL and C1 controls, lone surrogates, U+FFFE/U+FFFF.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class TemplateInvalid(Exception):
    """A model that cannot be used; ``str(exc)`` is a French sentence for staff."""


class RenderTimeout(TemplateInvalid):
    """The model took longer than ``RENDER_TIMEOUT`` to fill (runaway loop)."""


# -- values -----------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """A client's text made safe for Word XML: control characters removed, newlines kept."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARS.sub("", value)


def _clean_tree(value):
    if isinstance(value, dict):
        return {str(k): _clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_tree(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return clean_text(value)


def render_context(*, context: dict, values: dict[str, str]) -> dict:
    """Client values under the known tags: a field can never stand for ``contrat`` & co."""
    fields = {
        name: clean_text("" if value is None else value)
        for name, value in values.items()
        if name not in KNOWN_ROOTS and FIELD_NAME_RE.match(name)
    }
    return {**fields, **_clean_tree(context)}


# -- the sandbox process ----------------------------------------------------------------------


class _Zygote:
    """The helper process that forks one sandboxed child per job (see documents.sandbox)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.owner = 0
        self.dir = ""

    @property
    def sock_path(self) -> str:
        return os.path.join(self.dir, "render.sock")

    def ensure(self) -> str:
        with self.lock:
            alive = self.proc is not None and self.proc.poll() is None
            if not alive or self.owner != os.getpid():
                self._start()
            return self.sock_path

    def restart(self) -> None:
        with self.lock:
            self._start()

    def _start(self) -> None:
        if self.proc is not None and self.owner == os.getpid():
            self.stop()
        self.dir = tempfile.mkdtemp(prefix="modulr-render-")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", sandbox.__file__, self.sock_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C meant for the web server is not for us
        )
        self.owner = os.getpid()
        ready, _w, _x = select.select([self.proc.stdout], [], [], 30)
        if not ready or self.proc.stdout.read(1) != b"R":
            self.stop()
            raise TemplateInvalid(_("Le moteur de remplissage des modèles n'a pas démarré."))

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    stream.close()  # the helper leaves when its stdin closes
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""


_zygote = _Zygote()


@atexit.register
def _stop_zygote() -> None:
    if _zygote.owner == os.getpid():
        _zygote.stop()


def _limits(timeout: float | None) -> tuple[float, int]:
    seconds = float(getattr(settings, "RENDER_TIMEOUT", 20) if timeout is None else timeout)
    return seconds, int(getattr(settings, "RENDER_MEMORY_LIMIT_MB", 1024))


def _connect() -> socket.socket:
    for attempt in range(2):
        path = _zygote.ensure()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if attempt:
                raise
            _zygote.restart()  # the helper died (OOM killer, someone's kill): once more
    raise AssertionError("unreachable")


def _run(header: dict, template: bytes, *, timeout: float | None) -> tuple[dict, bytes]:
    """Send one job to a fresh sandboxed child; its reply and the rendered bytes (if any)."""
    seconds, memory_mb = _limits(timeout)
    header = {**header, "memory_mb": memory_mb, "cpu": int(seconds) + 1}
    deadline = time.monotonic() + seconds
    sock = _connect()
    pid = 0
    try:
        sock.settimeout(seconds)
        (pid,) = struct.unpack("!Q", sandbox.recv_exact(sock, 8))
        sandbox.send_frame(sock, json.dumps(header).encode())
        sandbox.send_frame(sock, template)
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        reply = json.loads(sandbox.recv_frame(sock))
        payload = b""
        if reply.get("ok") and header["mode"] == "render":
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            payload = sandbox.recv_frame(sock)
        return reply, payload
    except TimeoutError:
        _kill(pid)
        raise RenderTimeout(
            _(
                "Le remplissage du modèle a dépassé %(seconds)s secondes : une boucle du "
                "modèle est sans doute trop longue."
            )
            % {"seconds": f"{seconds:g}"}
        ) from None
    except (EOFError, ConnectionError, struct.error, ValueError):
        # The child died without a word: killed by its memory or CPU limit.
        _kill(pid)
        raise TemplateInvalid(
            _("Le remplissage du modèle a été interrompu : il demande trop de mémoire ou de temps.")
        ) from None
    finally:
        sock.close()


def _kill(pid: int) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# -- French messages --------------------------------------------------------------------------


def _where(reply: dict) -> str:
    part = {
        "body": _("dans le corps du document"),
        "header": _("dans un en-tête"),
        "footer": _("dans un pied de page"),
        "notes": _("dans les notes de bas de page"),
    }.get(reply.get("part", ""), "")
    excerpt = reply.get("excerpt") or ""
    if excerpt:
        near = _("près de « %(text)s »") % {"text": excerpt}
        return f" {part}, {near}" if part else f" {near}"
    return f" {part}" if part else ""


def _syntax_detail(detail: str) -> str:
    """Jinja's English syntax messages, the frequent ones in French."""
    patterns = [
        (r"No filter named '([^']+)'", _("le filtre « %s » n'existe pas")),
        (r"No test named '([^']+)'", _("le test « %s » n'existe pas")),
        (
            r"Encountered unknown tag '([^']+)'",
            _("l'instruction « %s » est inconnue ou mal fermée"),
        ),
        (r"unexpected end of template", _("une balise {%% %%} n'est pas fermée (endfor, endif…)")),
        (r"unexpected '([^']+)'", _("le caractère « %s » est inattendu")),
        (r"expected token '([^']+)'", _("« %s » est attendu")),
    ]
    for pattern, french in patterns:
        match = re.search(pattern, detail, re.IGNORECASE)
        if match:
            return french % match.groups() if match.groups() else french.replace("%%", "%")
    return detail


def _message(reply: dict) -> str:
    kind, detail, where = reply.get("kind"), reply.get("detail", ""), _where(reply)
    if kind in ("syntax", "assertion"):
        return _("Erreur dans une balise du modèle%(where)s : %(detail)s.") % {
            "where": where,
            "detail": _syntax_detail(detail),
        }
    if kind == "security":
        if detail == "autoescape":
            what = _("l'instruction {% autoescape %} n'est pas permise")
        elif detail == "include":
            what = _("les instructions include, import et extends ne sont pas permises")
        else:
            what = _("l'accès à « %(name)s » est interdit") % {"name": _forbidden_name(detail)}
        return _("Le modèle contient une instruction interdite%(where)s : %(what)s.") % {
            "where": where,
            "what": what,
        }
    if kind == "undefined":
        return _undefined_message(detail, where)
    if kind == "not_a_list":
        return _(
            "Le modèle fait une boucle {%% for %%} sur « %(name)s »%(where)s, alors que ce "
            "n'est pas une liste."
        ) % {"name": detail, "where": where}
    if kind == "memory":
        return _("Le remplissage du modèle demande trop de mémoire.")
    if kind == "unreadable":
        return _("Ce fichier n'est pas un document Word .docx lisible.")
    if kind == "xml":
        return _("Le modèle produit un document Word mal formé%(where)s (%(detail)s).") % {
            "where": where,
            "detail": detail,
        }
    if "not callable" in detail:
        return _(
            "Le modèle appelle comme une fonction une étiquette qui n'en est pas une%(where)s."
        ) % {"where": where}
    return _("Le modèle n'a pas pu être rempli%(where)s : %(detail)s.") % {
        "where": where,
        "detail": f"{reply.get('type', '')}: {detail}",
    }


def _forbidden_name(detail: str) -> str:
    """The private attribute a model reached for, from the sandbox's various reports."""
    if detail.startswith("attribute:"):
        return detail.split(":", 1)[1]
    match = re.search(r"attribute '([^']+)'", detail) or re.search(r"\.(_\w*)", detail)
    return match.group(1) if match else _("un attribut interne")


def _undefined_message(detail: str, where: str) -> str:
    code, _sep, name = detail.partition(":")
    if code == "missing-key":
        return _(
            "L'étiquette « %(name)s » n'existe pas%(where)s. Voyez la liste des étiquettes connues."
        ) % {"name": name, "where": where}
    if code == "text-has-no-key":
        field = name.split(".", 1)[0]
        return _(
            "« %(name)s »%(where)s : « %(field)s » n'est pas une étiquette connue, c'est une "
            "zone de saisie (un simple texte), elle n'a pas d'élément « %(key)s »."
        ) % {"name": name, "where": where, "field": field, "key": name.split(".", 1)[-1]}
    return _("Le modèle utilise « %(name)s », qui n'est pas défini%(where)s.") % {
        "name": name or detail,
        "where": where,
    }


# -- upload check -----------------------------------------------------------------------------


def template_check(*, data: bytes, filename: str, timeout: float | None = None) -> list[str]:
    """The sorted unknown tags of a model, or TemplateInvalid with the reason in French."""
    if not filename.lower().endswith(".docx"):
        raise TemplateInvalid(_("Le modèle doit être un document Word au format .docx."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise TemplateInvalid(
            _("Le fichier dépasse %(size)s Mo.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    _check_package(data)
    reply, _payload = _run(
        {"mode": "check", "context": sample_context(), "placeholder": PLACEHOLDER},
        data,
        timeout=timeout,
    )
    if not reply.get("ok"):
        raise TemplateInvalid(_message(reply))
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
        for name in sorted(names):
            if name.endswith(".rels"):
                _check_relationships(_read_xml(archive, name))
            elif name.startswith("word/") and name.endswith(".xml"):
                _check_fields(archive.read(name))


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


def _check_relationships(root) -> None:
    for rel in root:
        if (rel.get("TargetMode") or "").lower() != "external":
            continue
        target = rel.get("Target", "")
        is_link = (rel.get("Type") or "").endswith("/hyperlink")
        if is_link and target.lower().startswith(SAFE_LINK_SCHEMES):
            continue
        raise TemplateInvalid(
            _(
                "Le modèle fait référence à une ressource externe (image liée, modèle "
                "distant…) : « %(target)s ». Insérez les images dans le document au lieu de "
                "les lier (Insertion > Images > Cet appareil), puis déposez-le à nouveau."
            )
            % {"target": target[:120]}
        )


def _check_fields(xml: bytes) -> None:
    if b"instrText" not in xml and b"fldSimple" not in xml:
        return
    root = etree.fromstring(xml, _XML_PARSER)
    # An instruction may be split over several runs: join them before looking.
    instructions = "".join(t.text or "" for t in root.iter("{*}instrText"))
    for simple in root.iter("{*}fldSimple"):
        instructions += " " + " ".join(v for k, v in simple.attrib.items() if k.endswith("instr"))
    match = FETCHING_FIELDS.search(instructions)
    if match:
        raise TemplateInvalid(
            _(
                "Le modèle contient un champ Word qui va chercher un fichier ou une adresse "
                "extérieure (%(field)s) : supprimez-le."
            )
            % {"field": match.group(1).upper()}
        )


# -- rendering --------------------------------------------------------------------------------


def render_docx(
    *, template: bytes, context: dict, values: dict[str, str], timeout: float | None = None
) -> bytes:
    """The filled .docx (without the model's unused styles: docx_styles). Raises
    TemplateInvalid (RenderTimeout past the time limit)."""
    reply, docx = _run(
        {"mode": "render", "context": render_context(context=context, values=values)},
        docx_unused_styles_drop(template),
        timeout=timeout,
    )
    if not reply.get("ok"):
        raise TemplateInvalid(_message(reply))
    return docx
