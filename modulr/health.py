"""``/healthz``: is this process able to serve? Database, broker, storage and PDF converters.

For load balancers and monitoring: no login, no personal data, never cached. Each check
answers "ok" (or how it runs: "embedded" without a broker, "oneshot" without a converter
pool) or "error"; the reason is logged here, not published.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# A broker or converter that has not answered by then counts as down.
PROBE_TIMEOUT = 2.0

OK, ERROR = "ok", "error"


class CheckFailed(Exception):
    """A check that ran and found something wrong; ``str(error)`` says what, for the log."""


def database_check() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def broker_check() -> str:
    """A Redis ping through kombu, one try; "embedded" when jobs run in-process."""
    if not settings.CELERY_BROKER_URL:
        return "embedded"
    from kombu import Connection

    options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "socket_connect_timeout": PROBE_TIMEOUT,
        "socket_timeout": PROBE_TIMEOUT,
    }
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=PROBE_TIMEOUT, transport_options=options
    ) as broker:
        # Redis' channel pings the server when it opens.
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
        broker.default_channel  # noqa: B018 - opening it is the ping
    return OK


def storage_check() -> str:
    """Writes then deletes a tiny object under ``healthz/`` in the default storage."""
    name = default_storage.save(f"healthz/probe-{secrets.token_hex(8)}", ContentFile(b"ok"))
    try:
        if not default_storage.exists(name):
            raise CheckFailed(f"{name} écrit mais introuvable")
    finally:
        default_storage.delete(name)
    return OK


def converters_check() -> str:
    """At least one converter of the pool answers; without a pool, soffice is installed."""
    from documents.engine import converter_answers, soffice_found

    ports = list(settings.CONVERTER_PORTS)
    if not ports:
        if not soffice_found():
            raise CheckFailed(f"{settings.SOFFICE_BINARY} introuvable")
        return "oneshot"
    if any(converter_answers(port, timeout=PROBE_TIMEOUT) for port in ports):
        return OK
    raise CheckFailed(f"aucun convertisseur ne répond (ports {ports})")


CHECKS: dict[str, Callable[[], str]] = {
    "database": database_check,
    "broker": broker_check,
    "storage": storage_check,
    "converters": converters_check,
}


def health_report() -> dict:
    """``{"status": "ok"|"error", "checks": {name: result}}``; each failure is logged."""
    checks = {}
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as error:  # noqa: BLE001 - whatever breaks, the check says "error"
            logger.warning("healthz : %s en échec (%s: %s)", name, type(error).__name__, error)
            checks[name] = ERROR
    status = ERROR if ERROR in checks.values() else OK
    return {"status": status, "checks": checks}


@require_safe
@never_cache  # Cache-Control: no-store (and no-cache, private)
def healthz(request):
    """200 when every check passes, 503 otherwise; GET and HEAD only."""
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == OK else 503)
