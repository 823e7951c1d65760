"""Redis down while clients press « Envoyer la demande »: each gets its request's page saying
it will be generated as soon as possible (not an error page), and once Redis is back the
recovery loop sends the jobs and a worker generates them.

The test runs a redis-server of its own on a free port (the shared one is never stopped).
"""

from __future__ import annotations

import os
import subprocess

import pytest
import redis
from django.urls import reverse

from documents.models import AttestationRequest
from tests.documents.request_helpers import fleet_offer_make
from tests.helpers import missing, page_text
from tests.object_storage import free_port
from tests.resilience.conftest import celery_sending_to
from tests.resilience.processes import database_url, logs, wait_for

REDIS_SERVER = "/usr/bin/redis-server"
WAITS = "Votre demande est enregistrée : elle sera générée dès que possible."
Status = AttestationRequest.Status


class RedisServer:
    def __init__(self, directory):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(self.answers, 20, lambda: f"redis-server sur le port {self.port}")

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if not os.path.exists(REDIS_SERVER):
        missing(f"{REDIS_SERVER} absent")
    server = RedisServer(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def _form_data(offer, n: int) -> dict:
    return {
        "beneficiaire": str(offer.vehicle.pk),
        "modele": str(offer.vehicle_model.pk),
        # A motif each: the same request twice within seconds would be recorded once.
        "champ_motif": f"Salon de l'auto n° {n}",
        "champ_date_debut": "01/12/2026",
        "champ_date_fin": "03/12/2026",
        "action": "send",
    }


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_requests_sent_while_redis_is_down_are_generated_once_it_is_back(
    roles, own_redis, as_a, client_a, settings, _private_storage
):
    offer = fleet_offer_make(client_a)  # Word only: the broker is what this test is about
    form_url = reverse("extranet:attestation_request_new", args=[offer.contract.pk])
    own_redis.start()
    own_redis.stop()  # the broker goes down
    settings.CELERY_BROKER_URL = own_redis.url

    with celery_sending_to(own_redis.url):
        pages = []
        for n in range(5):
            response = as_a.post(form_url, _form_data(offer, n))
            assert response.status_code == 302
            pages.append(response.url)
    for url in pages:
        assert WAITS in page_text(as_a.get(url))
    requests = AttestationRequest.objects.all()
    assert [(r.status, r.queued_at) for r in requests] == [(Status.PENDING, None)] * 5

    own_redis.start()  # the broker is back (empty: nothing was ever queued)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": own_redis.url,
        "PRIVATE_ROOT": str(_private_storage),
        "LOG_LEVEL": "WARNING",
    }
    worker = roles("worker", {**env, "WORKER_CONCURRENCY": "1", "WORKER_NAME": "w1@%h"})
    recover = roles("recover", env)  # every 10 s, production's default

    wait_for(
        lambda: all(r.status == Status.READY for r in AttestationRequest.objects.all()),
        120,
        lambda: str(list(requests.values_list("pk", "status", "error"))) + logs(worker, recover)(),
    )
    for request in AttestationRequest.objects.all():
        assert request.queued_at is not None and request.attempts == 1
        assert request.generated_by.startswith("w1@")
    for url in pages:
        text = page_text(as_a.get(url))
        assert "Votre attestation est prête." in text and WAITS not in text
