"""The request's job on a real Celery worker over Redis (the production path).

PostgreSQL only: the worker is another process and must see the test's committed rows.
The worker consumes a queue of its own, so other test sessions on the machine never take
its jobs (nor it theirs).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from documents.attestations.jobs import attestation_request_generate
from documents.attestations.submit import attestation_request_submit
from documents.models import AttestationRequest, Document
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def _forget_connections(app) -> None:
    """The app caches its broker connection pool and its routes (default queue) on first
    use, possibly by an earlier test: drop them so that the new settings apply."""
    app._pool = None
    app.__dict__.pop("amqp", None)


@pytest.fixture
def celery_worker_process(tmp_path, _private_storage):
    """A real ``celery worker`` on its own queue, with this test's database and storage; the
    app of this process sends to it instead of running jobs eagerly."""
    if not _redis_answers():
        message = f"Redis ne répond pas sur {REDIS_URL}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "PRIVATE_ROOT": str(_private_storage),
        "CONVERTER_PORTS": "",
    }
    log = tmp_path / "worker.log"
    with open(log, "wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "modulr", "worker", "-Q", queue,
             "--concurrency", "1", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "INFO"],
            cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    app = attestation_request_generate.app
    saved = {
        key: app.conf[key] for key in ("task_always_eager", "broker_url", "task_default_queue")
    }
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        app.conf.update(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue)
        _forget_connections(app)
        yield log
    finally:
        app.conf.update(saved)
        _forget_connections(app)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        _queue_delete(queue)


def _queue_delete(queue: str) -> None:
    """Leave nothing of this test's queue in Redis (kombu's list and binding keys)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _wait_for(request, statuses, log: Path, timeout: float = 60) -> AttestationRequest:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request.refresh_from_db()
        if request.status in statuses:
            return request
        time.sleep(0.2)
    raise AssertionError(f"statut {request.status} après {timeout} s\n{log.read_text()}")


def test_a_request_is_generated_by_the_worker_after_commit(
    celery_worker_process, client_a, client_a_user
):
    offer = fleet_offer_make(client_a)

    request = attestation_request_submit(
        user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
        product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
    )  # fmt: skip

    request = _wait_for(request, {AttestationRequest.Status.READY}, celery_worker_process)
    document = Document.objects.get()
    assert request.document == document and document.shared_on_extranet
    with document.word_file.open("rb") as handle:  # written by the worker, in our storage
        assert handle.read().startswith(b"PK")
    assert "attestation_request_generate[" in celery_worker_process.read_text()
