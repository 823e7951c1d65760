"""Writes of the contracts app that are not the demo's (``contracts.demo``)."""

from django.conf import settings

from modulr.ratelimit import rate_limit_hit

from .auth import login_key


def password_reset_attempt_allowed(*, email: str, client_ip: str) -> bool:
    """Counts one « Mot de passe oublié » for the address and for the client address; False
    past ``PASSWORD_RESET_PER_HOUR`` for either. Both are counted either way, so flooding one
    address from many places, or many addresses from one place, are both held back."""
    limit = settings.PASSWORD_RESET_PER_HOUR
    by_email = rate_limit_hit(scope="password-reset-email", key=login_key(email), limit=limit)
    by_ip = rate_limit_hit(scope="password-reset-ip", key=client_ip, limit=limit)
    return by_email and by_ip
