"""The app's door to the document engine (``docgen``): Django settings in, plain arguments out.

Settings are read at call time, so a test's ``settings`` override holds. The tag dictionary
(``documents.tags``) gives the reserved names and the sample values of the upload check.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

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


def convert_to_pdf(docx: bytes, *, timeout: float | None = None) -> bytes:
    """The PDF of a .docx, on the pool of ``CONVERTER_PORTS`` or one-shot soffice."""
    return docgen.convert_to_pdf(
        docx,
        state_dir=converters_dir(),
        ports=list(settings.CONVERTER_PORTS),
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
    *, template: bytes, context: dict, values: dict[str, str], timeout: float | None = None
) -> bytes:
    """The filled .docx; client ``values`` never stand for a known tag."""
    return docgen.render_docx(
        template=template,
        context=context,
        values=values,
        reserved=KNOWN_ROOTS,
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
