"""``/healthz``: 200 when the database, broker, storage and converters answer, 503 naming the
check that failed otherwise; no login, never cached, GET and HEAD only."""

import os

from django.urls import reverse

from tests.converter_pool import free_converter_ports
from tests.helpers import missing

URL = reverse("healthz")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def test_everything_up_is_200_for_anyone(client, db, converter_pool, _private_storage):
    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "embedded", "storage": "ok", "converters": "ok"},
    }
    assert "no-store" in response["Cache-Control"]
    # The storage probe wrote and deleted its object: nothing left behind.
    assert not [p for p in _private_storage.rglob("*") if p.is_file()]


def test_a_real_redis_broker_answers(client, db, converter_pool, settings):
    if not _redis_answers():
        missing(f"Redis ne répond pas sur {REDIS_URL}")
    settings.CELERY_BROKER_URL = REDIS_URL

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_a_broker_on_a_closed_port_is_503(client, db, converter_pool, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_converter_ports(1)[0]}/0"

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "ok", "broker": "error", "storage": "ok", "converters": "ok"},
    }


def test_a_converter_port_that_answers_nothing_is_503(client, db, settings):
    settings.CONVERTER_PORTS = free_converter_ports(1)  # nothing listens there

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["converters"] == "error"
    assert response.json()["checks"]["database"] == "ok"


def test_one_converter_answering_is_enough(client, db, converter_pool, settings):
    settings.CONVERTER_PORTS = [*free_converter_ports(1), converter_pool[0]]

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json()["checks"]["converters"] == "ok"


def test_without_a_pool_soffice_must_be_installed(client, db, settings):
    settings.CONVERTER_PORTS = []
    assert client.get(URL).json()["checks"]["converters"] == "oneshot"

    settings.SOFFICE_BINARY = "/nonexistent/soffice"
    response = client.get(URL)

    assert response.status_code == 503
    assert response.json()["checks"]["converters"] == "error"


def test_head_answers_and_post_is_refused(client, db, converter_pool):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_a_logged_in_client_account_reads_the_same_and_no_more(client, client_a_user, db):
    client.force_login(client_a_user)

    body = client.get(URL).json()

    assert set(body) == {"status", "checks"}
    assert set(body["checks"]) == {"database", "broker", "storage", "converters"}
    assert client_a_user.email not in str(body)
