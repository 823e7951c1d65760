"""Serving a private file: one response for both portals (the client's download, the staff's
document and preview). It lives in ``modulr`` because it is HTTP plumbing with no rule of a
domain app in it, and both ``extranet`` and ``intranet`` may import it without one portal
importing the other. The access check stays with each caller's access helper.
"""

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

# Characters no file system accepts, or that would cut the header.
_REFUSED = '\\/:*?"<>|'
_MAX_BASE = 120


def file_extension(name: str) -> str:
    """« pdf » for documents/ab/cd/x.PDF; '' when the last part has no dot."""
    last = name.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _clean_stem(stem: str, fallback: str) -> str:
    stem = "".join(c for c in stem if c.isprintable() and c not in _REFUSED).strip(" .")
    return " ".join(stem.split())[:_MAX_BASE] or fallback


def download_name(title: str, numero: str | None, extension: str, *, fallback: str) -> str:
    """« Attestation ATT-2026-000001.pdf »: the title, the number unless the title has it.

    Nothing but the title and the number: no storage path leaks. ``fallback`` (« Document »)
    names a file whose title is empty once cleaned.
    """
    base = title.strip() or fallback
    if numero and numero not in base:
        base = f"{base} {numero}"
    base = _clean_stem(base, fallback)
    return f"{base}.{extension}" if extension else base


def private_file_response(file_or_bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    """The file (an open file, or bytes) under ``filename`` (cleaned), never cached.

    ``inline`` shows it in the browser (staff), else it is saved (the client's download).
    The content type comes from the name's extension; the browser is told not to guess.
    """
    extension = file_extension(filename)
    stem = filename[: -len(extension) - 1] if extension else filename
    filename = _clean_stem(stem, "document") + (f".{extension}" if extension else "")
    content_type = CONTENT_TYPES.get(extension, "application/octet-stream")
    if isinstance(file_or_bytes, bytes):
        response = HttpResponse(file_or_bytes, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        response = FileResponse(
            file_or_bytes, as_attachment=not inline, filename=filename, content_type=content_type
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
