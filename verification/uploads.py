"""The file sent for a check is read in memory and never written anywhere: not in the
storage, not in a temporary file."""

from functools import wraps

from django.core.files.uploadhandler import MemoryFileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# An attestation is a page or two: a few hundred kilobytes.
MAX_FILE_BYTES = 10 * 1024 * 1024


class MemoryOnlyUploadHandler(MemoryFileUploadHandler):
    """Django's memory handler, but the only one: whatever the size, up to ``max_bytes`` for
    all the files of the request together, the upload stays in memory; there is no fallback
    to a temporary file. Past ``max_bytes`` the upload stops (the rest of the body is read
    and dropped, the file is not in ``request.FILES``) and ``too_large`` says so."""

    def __init__(self, request=None, *, max_bytes: int = MAX_FILE_BYTES):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The parent activates itself only under FILE_UPLOAD_MAX_MEMORY_SIZE, leaving larger
        # files to the temporary-file handler: here there is none.
        self.activated = True

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def uploads_in_memory(view):
    """Sets ``MemoryOnlyUploadHandler`` as the request's only upload handler (left on
    ``request.upload_in_memory``), then checks CSRF.

    Upload handlers must be set before anything reads the body, and CsrfViewMiddleware reads
    it to find the token: the middleware is told to skip this view (``csrf_exempt``) and the
    same check runs here (``csrf_protect``), once the handler is in place.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_in_memory = MemoryOnlyUploadHandler(request)
        request.upload_handlers = [request.upload_in_memory]
        return protected(request, *args, **kwargs)

    return wrapper
