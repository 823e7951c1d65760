"""docgen: the document engine. Fills Word models in a sandboxed child process, checks a
broker's uploaded .docx, converts Word to PDF on a supervised pool of LibreOffice
converters (or one-shot soffice), and seals the PDF in the cabinet's name. Plain Python:
settings come in as keyword arguments and messages go through ``docgen.i18n`` (identity
unless an application installs a translator).
"""

from .checks import MAX_UPLOAD_BYTES, template_check
from .convert import ConversionError, convert_to_pdf, converter_answers
from .fonts import docx_fonts_missing, docx_fonts_warnings
from .i18n import set_translator
from .instances import (
    UNO_PORT_OFFSET,
    instance_dir,
    instance_kill,
    instance_memory,
    instance_pid,
    instance_processes,
)
from .pool import DEFAULT_PYTHON, ConverterSupervisor, PoolError
from .render import RenderTimeout, TemplateInvalid, clean_text, render_context, render_docx
from .seal import (
    SealCheck,
    SealError,
    pdf_seal_check,
    seal_certificate,
    seal_certificate_create,
    seal_pdf,
)
from .styles import docx_unused_styles_drop

__all__ = [
    "DEFAULT_PYTHON",
    "MAX_UPLOAD_BYTES",
    "UNO_PORT_OFFSET",
    "ConversionError",
    "ConverterSupervisor",
    "PoolError",
    "RenderTimeout",
    "SealCheck",
    "SealError",
    "TemplateInvalid",
    "clean_text",
    "convert_to_pdf",
    "converter_answers",
    "docx_fonts_missing",
    "docx_fonts_warnings",
    "docx_unused_styles_drop",
    "instance_dir",
    "instance_kill",
    "instance_memory",
    "instance_pid",
    "instance_processes",
    "pdf_seal_check",
    "render_context",
    "render_docx",
    "seal_certificate",
    "seal_certificate_create",
    "seal_pdf",
    "set_translator",
    "template_check",
]
