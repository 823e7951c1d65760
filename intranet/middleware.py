"""Staff sessions: they end after ``SESSION_STAFF_IDLE_SECONDS`` without a request."""

from django.conf import settings


class StaffSessionIdleMiddleware:
    """Each response to a logged-in staff member (the login's included) sets the session to
    end ``SESSION_STAFF_IDLE_SECONDS`` later, so it ends after a working day idle rather than
    Django's two weeks. Client accounts keep Django's age. After ``AuthenticationMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Read after the view: a login has just put the staff member on the request.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            request.session.set_expiry(settings.SESSION_STAFF_IDLE_SECONDS)
        return response
