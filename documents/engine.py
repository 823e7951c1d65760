"""The app's door to the document engine (``docgen``): Django settings in, plain arguments out.

Settings are read at call time, so a test's ``settings`` override holds. The tag dictionary
(``documents.tags``) gives the reserved names and the sample values of the upload check.
"""

from __future__ import annotations

import io
import shutil
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
    TemplateInvalid,
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
