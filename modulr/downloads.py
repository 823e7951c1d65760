"""Serving a private file: one response for both portals (the client's download, the staff's
document and preview). It lives in ``modulr`` because it is HTTP plumbing with no rule of a
domain app in it, and both ``extranet`` and ``intranet`` may import it without one portal
importing the other. The access check stays with each caller's access helper.

A stored file leaves by one of three ways, chosen from the storage and the settings: a
redirect to a short-lived signed URL (S3-compatible storage), nginx's ``X-Accel-Redirect``
(local disk, ``SENDFILE=nginx``), or streamed by Django (the embedded default).
"""

import logging
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
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


def _clean_filename(filename: str) -> str:
    extension = file_extension(filename)
    stem = filename[: -len(extension) - 1] if extension else filename
    return _clean_stem(stem, "document") + (f".{extension}" if extension else "")


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _signed_redirect(storage, name: str, disposition: str, content_type: str) -> HttpResponse:
    """302 to the object itself, signed for STORAGE_SIGNED_URL_SECONDS: the bucket sends the
    bytes under the clean name, and no cache keeps them."""
    url = storage.url(
        name,
        parameters={
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type,
            "ResponseCacheControl": "private, no-store",
        },
        expire=settings.STORAGE_SIGNED_URL_SECONDS,
    )
    return HttpResponseRedirect(url)


def _accel_redirect(name: str, disposition: str, content_type: str) -> HttpResponse:
    """An empty answer that nginx fills from its internal location (deploy/nginx-private.conf);
    it keeps this answer's Content-Disposition and Cache-Control."""
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = disposition
    response["X-Accel-Redirect"] = settings.SENDFILE_PREFIX.rstrip("/") + "/" + quote(name)
    return response


def _is_object_storage(storage) -> bool:
    # Imported here: the S3 backend loads boto3, which a local-disk process never needs.
    from storages.backends.s3 import S3Storage

    return isinstance(storage, S3Storage) and storage.querystring_auth


def _must_exist(storage, name: str) -> None:
    # Neither way opens the file: ask, so that a lost file gets the caller's 404 page rather
    # than nginx's or the bucket's error.
    if not storage.exists(name):
        raise FileNotFoundError(name)


def private_file_response(stored, *, filename: str, inline: bool = False) -> HttpResponse:
    """The file (bytes, or a stored file: a FieldFile, anything with ``storage`` and ``name``)
    under ``filename`` (cleaned), never cached.

    ``inline`` shows it in the browser (staff), else it is saved (the client's download).
    The content type comes from the name's extension; the browser is told not to guess.
    A stored file that is not there raises FileNotFoundError (the caller answers 404).
    """
    filename = _clean_filename(filename)
    content_type = CONTENT_TYPES.get(file_extension(filename), "application/octet-stream")
    disposition = content_disposition_header(not inline, filename)
    if isinstance(stored, bytes):
        response = HttpResponse(stored, content_type=content_type)
        response["Content-Disposition"] = disposition
        return _private(response)
    storage, name = stored.storage, stored.name
    if not name:
        raise FileNotFoundError("no file attached")
    try:
        return _stored_file_response(storage, name, filename, inline, disposition, content_type)
    except FileNotFoundError:
        raise
    except _storage_errors():
        logger.exception("Fichier privé %s : stockage indisponible", name)
        return _unavailable()


def _storage_errors() -> tuple[type[BaseException], ...]:
    # OSError: the local disk; BotoCoreError (unreachable, timeout) and ClientError (a 5xx
    # after the retries): the bucket. Imported here: boto3 is loaded only when it is used.
    from botocore.exceptions import BotoCoreError, ClientError

    return (OSError, BotoCoreError, ClientError)


def _unavailable() -> HttpResponse:
    """The storage does not answer: a French page, 503, to try again shortly (not a 500)."""
    response = HttpResponse(render_to_string("file_unavailable.html"), status=503)
    response["Retry-After"] = "30"
    return _private(response)


def _stored_file_response(storage, name, filename, inline, disposition, content_type):
    if _is_object_storage(storage):
        _must_exist(storage, name)
        return _private(_signed_redirect(storage, name, disposition, content_type))
    if settings.SENDFILE == "nginx" and isinstance(storage, FileSystemStorage):
        _must_exist(storage, name)
        return _private(_accel_redirect(name, disposition, content_type))
    response = FileResponse(
        storage.open(name, "rb"), as_attachment=not inline, filename=filename,
        content_type=content_type,
    )  # fmt: skip
    return _private(response)


def private_built_response(content, *, filename: str) -> HttpResponse:
    """A file built for this answer (a batch's ZIP or merged PDF), saved under ``filename``
    (cleaned), never cached: ``content`` is an iterator of chunks (streamed as they come) or
    an open file (streamed, then closed)."""
    filename = _clean_filename(filename)
    content_type = CONTENT_TYPES.get(file_extension(filename), "application/octet-stream")
    if hasattr(content, "read"):
        response = FileResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return _private(response)
