"""The app's door to the document engine (``docgen``): Django settings in, plain arguments out.

Settings are read at call time, so a test's ``settings`` override holds. The tag dictionary
(``documents.tags``) gives the reserved names and the sample values of the upload check.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext

import docgen
from docgen import (  # noqa: F401 - re-exported for the app
    MAX_UPLOAD_BYTES,
    ConversionError,
    RenderTimeout,
    SealError,
    TemplateInvalid,
    seal_certificate_create,
)

from .tags import KNOWN_ROOTS, sample_context


def converters_dir() -> Path:
    """Where the converter pool keeps its instances and the one-shot profiles."""
    return Path(settings.VAR_DIR) / "converters"


def convert_to_pdf(
    docx: bytes, *, timeout: float | None = None, ports: list[int] | None = None
) -> bytes:
    """The PDF of a .docx, on the pool of ``CONVERTER_PORTS`` (or ``ports``) or one-shot
    soffice when there are none."""
    return docgen.convert_to_pdf(
        docx,
        state_dir=converters_dir(),
        ports=list(settings.CONVERTER_PORTS if ports is None else ports),
        host=settings.CONVERTER_HOST,
        timeout=settings.CONVERTER_TIMEOUT if timeout is None else timeout,
        soffice=settings.SOFFICE_BINARY,
    )


def _render_limits(timeout: float | None) -> dict:
    return {
        "timeout": getattr(settings, "RENDER_TIMEOUT", 20) if timeout is None else timeout,
        "memory_mb": int(getattr(settings, "RENDER_MEMORY_LIMIT_MB", 1024)),
    }


def render_docx(
    *,
    template: bytes,
    context: dict,
    values: dict[str, str],
    images: dict[str, tuple[bytes, float]] | None = None,
    timeout: float | None = None,
) -> bytes:
    """The filled .docx; client ``values`` never stand for a known tag. ``images``: known
    tags that stand for an image (the QR code), as docgen.render_docx takes them."""
    return docgen.render_docx(
        template=template,
        context=context,
        values=values,
        reserved=KNOWN_ROOTS,
        images=images,
        **_render_limits(timeout),
    )


def template_check(*, data: bytes, filename: str, timeout: float | None = None) -> list[str]:
    """The sorted unknown tags (the client's fields) of an uploaded model."""
    return docgen.template_check(
        data=data, filename=filename, sample_context=sample_context(), **_render_limits(timeout)
    )


def fonts_missing(docx: bytes) -> list[tuple[str, str]]:
    """(font, substitute) for each font of a model that the server lacks."""
    return docgen.docx_fonts_missing(docx)


def fonts_warnings(docx: bytes) -> list[str]:
    """The same, as French sentences for staff: a warning, never a refusal."""
    return docgen.docx_fonts_warnings(docx)


def instance_dir(port: int) -> Path:
    return docgen.instance_dir(converters_dir(), port)


def instance_processes(port: int) -> list[int]:
    return docgen.instance_processes(converters_dir(), port)


def converter_supervisor(**options) -> docgen.ConverterSupervisor:
    """The supervisor of ``run_converters``, on the settings' state directory and soffice."""
    return docgen.ConverterSupervisor(
        state_dir=converters_dir(), soffice=settings.SOFFICE_BINARY, **options
    )


# -- the electronic seal ----------------------------------------------------------------------

_seal_files: dict[str, tuple[tuple[int, int], bytes]] = {}
_seal_files_lock = threading.Lock()


def _seal_file_unreadable(setting: str, path: str, error: OSError) -> SealError:
    return SealError(
        gettext(
            "Le fichier du cachet électronique (%(setting)s) est illisible : %(path)s (%(error)s)."
        )
        % {"setting": setting, "path": path, "error": error.strerror or type(error).__name__}
    )


def _seal_pkcs12() -> bytes:
    """The PKCS#12 file, read again only when it changed (a renewed certificate is taken
    without a restart)."""
    path = settings.SEAL_PKCS12_PATH
    try:
        stat = os.stat(path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        with _seal_files_lock:
            kept = _seal_files.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        data = Path(path).read_bytes()
    except OSError as error:
        raise _seal_file_unreadable("SEAL_PKCS12_PATH", path, error) from None
    with _seal_files_lock:
        _seal_files[path] = (stamp, data)
    return data


def _seal_passphrase() -> bytes | None:
    """From ``SEAL_PKCS12_PASSWORD_FILE``, read at each seal and kept nowhere, else from
    ``SEAL_PKCS12_PASSWORD``."""
    path = settings.SEAL_PKCS12_PASSWORD_FILE
    if not path:
        return settings.SEAL_PKCS12_PASSWORD.encode() or None
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise _seal_file_unreadable("SEAL_PKCS12_PASSWORD_FILE", path, error) from None
    return data.rstrip(b"\r\n") or None  # the line end an editor or `echo` adds


def seal_configured() -> bool:
    return bool(settings.SEAL_PKCS12_PATH)


def seal_pdf(pdf: bytes, *, cabinet_name: str, location: str = "") -> bytes:
    """``pdf`` sealed in the cabinet's name with ``SEAL_PKCS12_PATH``'s certificate (and
    timestamped by ``SEAL_TIMESTAMP_URL``); unchanged when no certificate is configured.
    Raises ``SealError``."""
    if not seal_configured():
        return pdf
    return docgen.seal_pdf(
        pdf,
        pkcs12=_seal_pkcs12(),
        passphrase=_seal_passphrase(),
        reason=gettext("Attestation délivrée par %(cabinet)s") % {"cabinet": cabinet_name},
        location=location,
        timestamp_url=settings.SEAL_TIMESTAMP_URL,
    )


def seal_trusted_certificates() -> list[bytes]:
    """The certificates a seal is checked against: the configured one (none: no seal is
    recognised). Raises ``SealError`` when it cannot be read."""
    if not seal_configured():
        return []
    return [docgen.seal_certificate(_seal_pkcs12(), _seal_passphrase())]


def pdf_seal_check(pdf: bytes) -> docgen.SealCheck:
    """The PDF's seal, checked against ``seal_trusted_certificates()``."""
    return docgen.pdf_seal_check(pdf, trusted=seal_trusted_certificates())


# -- the converters' state, for operations (``attestations_status``, ``converter_check``,
# ``/healthz``) -------------------------------------------------------------------------------

# How long a converter may take to say it is there: a live one answers in milliseconds.
CONVERTER_PROBE_TIMEOUT = 2.0


def converter_answers(port: int, *, timeout: float = CONVERTER_PROBE_TIMEOUT) -> bool:
    """The converter on ``port`` answers its XML-RPC ``info()`` in time."""
    return docgen.converter_answers(host=settings.CONVERTER_HOST, port=port, timeout=timeout)


def soffice_found() -> bool:
    """The soffice binary of the one-shot conversion exists (no pool configured)."""
    return shutil.which(settings.SOFFICE_BINARY) is not None


@dataclass(frozen=True)
class ConverterState:
    port: int
    answering: bool
    pid: int | None  # from the supervisor's pid file; None when it never ran here
    memory_bytes: int  # resident memory of its processes on this machine (0: none seen)


def converters_state() -> list[ConverterState]:
    """Each converter of ``CONVERTER_PORTS``: does it answer, its pid and memory."""
    state_dir = converters_dir()
    return [
        ConverterState(
            port=port,
            answering=converter_answers(port),
            pid=docgen.instance_pid(state_dir, port),
            memory_bytes=docgen.instance_memory(state_dir, port),
        )
        for port in settings.CONVERTER_PORTS
    ]


def probe_docx() -> bytes:
    """A one-paragraph Word document made with python-docx, to try a converter with."""
    import docx  # python-docx, docxtpl's own dependency

    document = docx.Document()
    document.add_paragraph("modulr : essai de conversion PDF")
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


@dataclass(frozen=True)
class ConverterCheck:
    converter: int | None  # the port, None for one-shot soffice
    ok: bool
    duration_ms: int
    detail: str  # why it failed, '' when it worked


def converters_check(*, timeout: float | None = None) -> list[ConverterCheck]:
    """Converts ``probe_docx()`` on each converter of ``CONVERTER_PORTS`` in turn (or once
    with one-shot soffice when there are none) and checks a PDF comes back."""
    data = probe_docx()
    checks = []
    for port in settings.CONVERTER_PORTS or [None]:
        started = time.monotonic()
        detail = ""
        try:
            pdf = convert_to_pdf(data, timeout=timeout, ports=[] if port is None else [port])
            if not pdf.startswith(b"%PDF"):
                detail = gettext("LibreOffice n'a pas produit de PDF valide.")
        except ConversionError as error:
            detail = str(error)
        duration_ms = round((time.monotonic() - started) * 1000)
        checks.append(ConverterCheck(port, not detail, duration_ms, detail))
    return checks
