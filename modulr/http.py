"""HTTP helpers shared by both portals (``extranet`` and ``intranet``) and the public pages:
an id from a URL, the client's address behind the proxy, the headers of a page whose URL
carries a secret."""

import ipaddress
from functools import wraps

from django.conf import settings
from django.http import Http404
from django.utils.cache import patch_cache_control


def pk_or_404(value) -> int:
    """An id from a URL or a form; anything that is not one is a 404, never a 500."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def trusted_proxy_networks(values) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``TRUSTED_PROXIES`` (addresses or CIDRs) as networks; ``ValueError`` for a bad one."""
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values]


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, proxies) -> bool:
    return any(address in network for network in proxies)


def request_from_trusted_proxy(request) -> bool:
    """Whether the connection's peer is one of ``TRUSTED_PROXIES``."""
    address = _address(request.META.get("REMOTE_ADDR", ""))
    return address is not None and _trusted(
        address, trusted_proxy_networks(settings.TRUSTED_PROXIES)
    )


def client_ip(request) -> str:
    """The address of the client: the peer of the connection, unless that peer is one of our
    proxies (``TRUSTED_PROXIES``), then the right-most address of X-Forwarded-For that is not.

    Anyone can send X-Forwarded-For: only the entries our proxies appended are believed, read
    from the right; whatever the client put on the left is never reached. A malformed entry
    stops the walk at the last address we could trust. Used by the login lockout
    (``AXES_CLIENT_IP_CALLABLE``) and every limit per address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = trusted_proxy_networks(settings.TRUSTED_PROXIES)
    current = _address(remote)
    if current is None or not _trusted(current, proxies):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:
            break
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)


def public_headers(view):
    """A public page whose URL carries a secret (an attestation's code, a send's token): not
    indexed, never cached, and never sent on as a Referer to another site (same-origin: a
    form's POST keeps its Origin, which the CSRF check reads; no-referrer makes it « null »)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "same-origin"
        patch_cache_control(response, no_store=True)
        return response

    return wrapper
