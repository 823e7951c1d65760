"""Staff sessions end after a working day without activity; clients' keep Django's age."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from intranet.middleware import REFRESHED_KEY

INTRANET = reverse("intranet:index")
PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def _database_sessions(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def idle_for(client, hours: int) -> None:
    """As if the last request had been ``hours`` ago: the idle clock's start and the stored
    expiry move back as much."""
    session = client.session
    if REFRESHED_KEY in session:
        session[REFRESHED_KEY] -= hours * 3600
        session.save()
    stored = Session.objects.get(session_key=session.session_key)
    stored.expire_date -= timedelta(hours=hours)
    stored.save()


def test_a_staff_session_lasts_a_working_day_from_the_last_request(as_staff, settings):
    assert as_staff.get(INTRANET).status_code == 200
    assert as_staff.session.get_expiry_age() == settings.SESSION_STAFF_IDLE_SECONDS == 9 * 3600


def test_staff_login_starts_the_idle_clock(client, staff_user):
    data = {"username": "alice", "password": PASSWORD, "next": INTRANET}
    assert client.post(reverse("intranet:login"), data).status_code == 302
    assert client.session.get_expiry_age() == 9 * 3600


def test_after_a_working_day_idle_the_intranet_asks_for_login(as_staff):
    as_staff.get(INTRANET)
    idle_for(as_staff, hours=8)
    assert as_staff.get(INTRANET).status_code == 200  # still there, and the clock restarts
    idle_for(as_staff, hours=8)
    assert as_staff.get(INTRANET).status_code == 200
    idle_for(as_staff, hours=10)
    response = as_staff.get(INTRANET)
    assert response.status_code == 302
    assert response.url.startswith(reverse("intranet:login"))


def test_client_sessions_keep_their_age(as_a, settings):
    as_a.get(reverse("extranet:home"))
    assert as_a.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
