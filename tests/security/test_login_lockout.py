"""Lockout on both portals: one counter per account whatever its spelling, one per client
address behind the proxy."""

import pytest
from django.urls import reverse

from tests import factories

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's
INTRANET_LOGIN = reverse("intranet:login")
EXTRANET_LOGIN = reverse("extranet:login")


@pytest.fixture
def direction(db):
    """A superuser who logs in to the intranet with his e-mail address."""
    return factories.StaffFactory(username="direction", email="direction@durand-courtage.fr")


def intranet_login(client, username, password, **extra):
    data = {"username": username, "password": password, "next": "/intranet/"}
    return client.post(INTRANET_LOGIN, data, **extra)


def extranet_login(client, email, password, **extra):
    return client.post(EXTRANET_LOGIN, {"username": email, "password": password}, **extra)


@pytest.mark.parametrize(
    "spelling", ["Direction@durand-courtage.fr", " direction@DURAND-courtage.fr "]
)
def test_intranet_lockout_holds_under_another_spelling(client, direction, spelling):
    for _attempt in range(5):
        intranet_login(client, "direction@durand-courtage.fr", "mauvais")
    assert intranet_login(client, "direction@durand-courtage.fr", PASSWORD).status_code == 429
    response = intranet_login(client, spelling, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_intranet_lockout_by_username_holds_under_another_case(client, direction):
    for _attempt in range(5):
        intranet_login(client, "direction", "mauvais")
    assert intranet_login(client, "DIRECTION ", PASSWORD).status_code == 429
    assert intranet_login(client, "direction", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_intranet_email_login_still_works_in_any_case(client, direction):
    assert intranet_login(client, "Direction@Durand-Courtage.fr", PASSWORD).status_code == 302


def test_extranet_lockout_holds_under_another_spelling(client, client_a_user):
    for _attempt in range(5):
        extranet_login(client, "Charlie@Dupont.fr", "mauvais")
    response = extranet_login(client, "  charlie@dupont.FR ", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
