"""The public verification page: whoever holds an attestation checks, with no account, that
the cabinet issued it, what its state is today, and that a file is the one issued.

Anyone reaches it: anonymous, clients, staff. It shows what the paper shows, and less
(``attestation_public_facts``). An unknown code, a wrong number and a malformed code give
the same page, with the same status (200: it is the form's answer, not a missing page, and
Django would log each 404 with its URL, that is the code).

The form is sent by POST, so a typed code stays out of URLs and access logs; the QR code's
link, ``/verifier/<code>/``, carries it by design.
"""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from contracts.selectors import cabinet_get
from documents.models import Document
from documents.verification import (
    attestation_file_matches,
    attestation_find,
    attestation_public_facts,
    attestation_state,
)
from modulr.http import client_ip, public_headers
from modulr.ratelimit import rate_limit_hit

from .forms import FileCheckForm, VerificationForm
from .uploads import uploads_in_memory

RATE_LIMIT_WINDOW = 3600
# The hidden field of the file check's form, to tell it from a lookup on the same URL.
FILE_CHECK = "verifier_fichier"


def rate_limited(view):
    """Every lookup and file check counts, found or not, per client address: past
    ``VERIFICATION_RATE_LIMIT`` an hour, a 429 page, before the request's body is read.
    The empty form (a GET of ``/verifier/``) looks nothing up and does not count."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        lookup = request.method == "POST" or "code" in kwargs
        if lookup and not rate_limit_hit(
            scope="verification",
            key=client_ip(request),
            limit=settings.VERIFICATION_RATE_LIMIT,
            window=RATE_LIMIT_WINDOW,
        ):
            context = {"cabinet": cabinet_get()}
            response = render(request, "verification/limited.html", context, status=429)
            response["Retry-After"] = str(RATE_LIMIT_WINDOW)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _form_page(request, form: VerificationForm, *, not_found: bool = False):
    context = {"form": form, "not_found": not_found, "cabinet": cabinet_get()}
    return render(request, "verification/form.html", context)


def _result_page(request, document: Document | None, *, lookup: dict[str, str] | None = None):
    """The attestation's page; with a file sent, the file check's answer too. ``lookup``: the
    number and code the form was sent with, sent again by the file check's form."""
    if document is None:
        # Not the typed values again: the page is the same whatever was wrong.
        return _form_page(request, VerificationForm(), not_found=True)
    # The file handed out (``Document.main_file``): the PDF, or the Word file when there is none.
    kind = "docx" if document.word_file and not document.pdf_file else "pdf"
    file_form, file_matches = FileCheckForm(kind=kind), None
    if request.method == "POST" and FILE_CHECK in request.POST:
        file_form = FileCheckForm(
            request.POST, request.FILES, kind=kind, too_large=request.upload_in_memory.too_large
        )
        if file_form.is_valid():
            file_matches = attestation_file_matches(document, file_form.cleaned_data["fichier"])
    context = {
        "cabinet": cabinet_get(),
        "state": attestation_state(document),
        "facts": attestation_public_facts(document),
        "checked_at": timezone.localtime(),
        "file_form": file_form,
        "file_kind": kind,
        "file_matches": file_matches,
        "lookup": lookup or {},
        "file_check": FILE_CHECK,
    }
    return render(request, "verification/result.html", context)


@public_headers
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
@uploads_in_memory
def verify_form(request):
    """``/verifier/``: the number and the code (POST), then the result on the page."""
    if request.method != "POST":
        return _form_page(request, VerificationForm())
    form = VerificationForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form)
    numero, code = form.cleaned_data["numero"], form.cleaned_data["code"]
    document = attestation_find(code=code, numero=numero)
    return _result_page(request, document, lookup={"numero": numero, "code": code})


@public_headers
@require_http_methods(["GET", "HEAD", "POST"])
@rate_limited
@uploads_in_memory
def verify_code(request, code: str):
    """``/verifier/<code>/``, what the QR code opens: the result from the code alone; a POST
    is the file check."""
    return _result_page(request, attestation_find(code=code))
