"""The web container's health check asks /healthz over plain HTTP from inside the host
(scripts/healthcheck.py): with production's HTTPS redirect on, /healthz alone answers."""

import pytest


@pytest.mark.django_db
def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/extranet/connexion/").status_code == 301
    assert client.get("/healthz").status_code != 301
    assert client.get("/healthz/x").status_code == 301
