"""Authentication backend of the extranet: client accounts log in with their e-mail address,
matched without case; staff keep Django's username login on the intranet. And the one
spelling of a login django-axes counts failures under, on both portals.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Extranet accounts log in with their e-mail address (case-insensitive)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        email = kwargs.get("email") or username
        if not email or not password or "@" not in email:
            return None
        User = get_user_model()
        users = User.objects.filter(email__iexact=email.strip(), is_active=True)
        user = users.first() if users.count() == 1 else None
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def login_key(username: str) -> str:
    """The spelling failures are counted under: « Direction@X.fr » and « direction@x.fr »
    reach the same account (e-mails match without case), so they share one counter."""
    return username.strip().lower()


def axes_username(request, credentials: dict | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the typed login, normalised by ``login_key``.

    Without it axes counts the text as typed, and a locked account logs in again under
    another case of its address.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    return login_key(username) if isinstance(username, str) else username
