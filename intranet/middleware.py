"""Staff sessions: they end after ``SESSION_STAFF_IDLE_SECONDS`` without a request."""

import time

from django.conf import settings

# When the idle clock last restarted (seconds since the epoch), in the session.
REFRESHED_KEY = "_staff_idle_refreshed"
# Restarting it means writing the session: at most once in this many seconds, not on every
# page (a few minutes of precision on a working day).
REFRESH_EVERY = 300


def staff_idle_clock_restart(session) -> None:
    """The session ends ``SESSION_STAFF_IDLE_SECONDS`` from now."""
    session[REFRESHED_KEY] = int(time.time())
    session.set_expiry(settings.SESSION_STAFF_IDLE_SECONDS)


def staff_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: a staff session starts on the idle clock (connected in apps)."""
    if user.is_staff and hasattr(request, "session"):
        staff_idle_clock_restart(request.session)


class StaffSessionIdleMiddleware:
    """Requests of a logged-in staff member restart the idle clock, so the session ends after
    a working day idle rather than Django's two weeks. Client accounts keep Django's age.
    After ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            session = request.session
            stale = time.time() - session.get(REFRESHED_KEY, 0) >= REFRESH_EVERY
            if stale or session.get("_session_expiry") != settings.SESSION_STAFF_IDLE_SECONDS:
                staff_idle_clock_restart(session)
        return response
