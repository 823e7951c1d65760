"""The third party's link: whoever received the e-mail opens, with no account, a page that
shows the attestation's state today, links to its verification page, and downloads that one
file. Nothing else of the client's space is reachable from it.

An unknown token and an expired link give the same page, with the same status (404). The
pages are not indexed, never cached, send no Referer (the URL is the secret), and are limited
per client address. These views check the token, call ``sharing``'s services, and render.
"""

from functools import wraps

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from contracts.selectors import cabinet_get
from documents.verification import attestation_state
from modulr.downloads import download_name, file_extension, private_file_response
from modulr.http import client_ip, public_headers
from modulr.ratelimit import rate_limit_hit

from .selectors import document_send_by_token, document_send_refusal
from .services import send_downloaded, send_opened

RATE_LIMIT_WINDOW = 3600


def rate_limited(view):
    """Every request on a link counts, valid or not, per client address: past
    ``SEND_LINK_RATE_LIMIT`` an hour, a 429 page (guessing tokens is hopeless; this keeps
    anyone from trying)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not rate_limit_hit(
            scope="document_send_link",
            key=client_ip(request),
            limit=settings.SEND_LINK_RATE_LIMIT,
            window=RATE_LIMIT_WINDOW,
        ):
            context = {"cabinet": cabinet_get()}
            response = render(request, "sharing/limited.html", context, status=429)
            response["Retry-After"] = str(RATE_LIMIT_WINDOW)
            return response
        return view(request, *args, **kwargs)

    return wrapper


def _invalid(request):
    """« Ce lien n'est plus valable »: the same for an unknown token and an expired link."""
    return render(request, "sharing/invalid.html", {"cabinet": cabinet_get()}, status=404)


@public_headers
@require_safe
@rate_limited
def send_link(request, token: str):
    """``/envoi/<token>/``: « <Cabinet> vous transmet l'attestation n° … », its state today,
    the download button (none once the cabinet withdrew it), the verification page's link."""
    send = document_send_by_token(token)
    if send is None:
        return _invalid(request)
    if request.method == "GET":  # a HEAD (a link checker) opens nothing
        send_opened(send=send)
    document = send.document
    context = {
        "cabinet": cabinet_get(),
        "document": document,
        "state": attestation_state(document),
        "downloadable": not document_send_refusal(document),
        "expires_on": timezone.localdate(send.expires_at),
        "token": token,
    }
    return render(request, "sharing/link.html", context)


@public_headers
@require_safe
@rate_limited
def send_link_download(request, token: str):
    """``/envoi/<token>/telecharger/``: that attestation's file, and no other; back to the
    page once the cabinet withdrew it (revoked, replaced)."""
    send = document_send_by_token(token)
    if send is None:
        return _invalid(request)
    document = send.document
    if document_send_refusal(document):
        return redirect("sharing:link", token)
    stored = document.main_file
    name = download_name(
        document.title, document.numero, file_extension(stored.name), fallback=_("Attestation")
    )
    try:
        response = private_file_response(stored, filename=name)
    except FileNotFoundError:
        return _invalid(request)
    if request.method == "GET":
        send_downloaded(send=send)
    return response
