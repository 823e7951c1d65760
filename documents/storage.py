"""Writing generated files to the private storage (local disk or an S3-compatible bucket).

One error for « the storage failed »: a full disk and an unreachable bucket both end a
generation the same way, with a message staff can act on, and leave nothing behind.
"""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# OSError: the local disk (full, read-only, permissions). BotoCoreError: the bucket cannot be
# reached (connection refused, timeout, no credentials). ClientError: it answered no (access
# denied, no such bucket, a 5xx after the retries).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)


class StorageUnavailable(Exception):
    """The private storage could not write a file; the message says so for staff."""

    def __init__(self, error: BaseException):
        self.error = error
        super().__init__(
            gettext("Stockage des fichiers indisponible : %(error)s")
            % {"error": f"{type(error).__name__}: {error}"}
        )


def private_file_read(storage: Storage, name: str) -> bytes:
    """The file's bytes; a file that is not there stays a FileNotFoundError."""
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise
    except STORAGE_ERRORS as error:
        raise StorageUnavailable(error) from error


def private_file_save(storage: Storage, name: str, data: bytes) -> str:
    """Store ``data`` under ``name`` (or a free name near it); the name it got."""
    try:
        return storage.save(name, ContentFile(data))
    except STORAGE_ERRORS as error:
        raise StorageUnavailable(error) from error


def private_files_delete(storage: Storage, names: list[str]) -> None:
    """Delete what a failed generation wrote; a file that cannot go is logged, not raised,
    so the generation's own error is the one reported (its path is random and unserved)."""
    for name in names:
        try:
            storage.delete(name)
        except STORAGE_ERRORS:
            logger.exception("Fichier non supprimé après un échec : %s", name)
