"""Authentication backend of the extranet: client accounts log in with their e-mail address,
matched without case; staff keep Django's username login on the intranet.
"""

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
