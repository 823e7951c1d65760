"""Middleware shared by both portals."""

from .http import request_from_trusted_proxy


class UntrustedProxyHeadersMiddleware:
    """Drops X-Forwarded-Proto unless the request comes from one of ``TRUSTED_PROXIES``.

    ``SECURE_PROXY_SSL_HEADER`` makes Django believe that header; from anyone but our proxy
    it would be a client saying « this is HTTPS » over plain HTTP.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request_from_trusted_proxy(request):
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)
