"""Attestation requests on a real Celery worker over Redis, with a real converter pool: the
production path, and the worker killed in the middle of a job; then the recovery of lost
requests (``documents.attestations.recovery``) on its own.

The worker tests run on PostgreSQL only: the worker is another process and must see this
test's committed rows (its ``DATABASE_URL`` names the test database). Each test's worker
consumes a queue of its own on a Redis database of its own (``TEST_WORKER_REDIS_URL``,
default db 12), so other test sessions never take its jobs. Every wait has a deadline and
every process started here is killed in teardown: a broken worker fails the test, it never
hangs it.

The fault injected to catch a job mid-conversion is a converter frozen with SIGSTOP: the
job holds the converter and waits for its answer (``CONVERTER_TIMEOUT`` is raised so that it
does not give up first).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import io
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from documents.attestations.jobs import attestation_request_generate
from documents.attestations.recovery import RECOVERY_MAX_ATTEMPTS, attestation_requests_recover
from documents.attestations.selectors import (
    attestation_request_can_retry,
    attestation_request_client_error,
)
from documents.attestations.submit import attestation_request_submit
from documents.engine import instance_dir, instance_processes
from documents.models import AttestationEvent, AttestationRequest, Document
from tests.converter_pool import running_pool
from tests.documents.generation_helpers import stored_files
from tests.documents.request_helpers import EVENT_VALUES, fleet_offer_make, request_make
from tests.docx_models import pdf_text
from tests.helpers import wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/12")
# A request left « en cours » longer than this is stale (production: the lease, 30 s, for a
# request being generated; minutes for one queued). Short here so that recovery can be seen
# within a test, long enough for a worker's immediate re-delivery to come first.
STALE_SECONDS = 8
WORKER_START_TIMEOUT = 60
JOB_TIMEOUT = 60

Status = AttestationRequest.Status
Kind = AttestationEvent.Kind


# -- Redis, its app configuration ------------------------------------------------------------


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


@pytest.fixture
def broker_queue():
    """A queue of our own; the app of this process sends to it instead of running eagerly.

    Celery caches the broker connection and the routes built from the configuration of its
    first use (``app.amqp``, ``app._pool``): they are dropped before and after, so the new
    broker URL and queue are really used, and nothing of ours outlives the test.
    """
    import redis

    try:
        _redis().ping()
    except redis.RedisError as error:
        message = f"Redis ne répond pas sur {REDIS_URL} : {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    app = attestation_request_generate.app
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}

    def forget_connections():
        # Not closed: kombu keeps its pools in a registry keyed by URL, and would hand the
        # closed one back to the next user of that URL.
        app._pool = None
        app.__dict__.pop("amqp", None)

    forget_connections()
    app.conf.update(task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue)
    try:
        yield queue
    finally:
        forget_connections()
        app.conf.update(saved)
        _redis_forget(queue)


def _redis_forget(queue: str) -> None:
    """Our queue's keys, and the unacked message a killed worker left (Redis would put it
    back in an hour, on a queue nobody reads)."""
    client = _redis()
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)
    for tag, payload in client.hscan_iter("unacked"):
        if queue.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


# -- converters and workers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def own_converter(tmp_path_factory) -> Iterator[int]:
    """One converter of our own (tests freeze it); the session's pool stays untouched."""
    if connection.vendor != "postgresql":
        yield 0  # the tests skip (or fail under CI) right after: no LibreOffice for nothing
        return
    log = tmp_path_factory.mktemp("converter") / "supervisor.log"
    with running_pool(1, log) as ports:
        yield ports[0]


@contextlib.contextmanager
def frozen(port: int) -> Iterator[None]:
    """The converter on ``port`` stopped (SIGSTOP: it accepts, never answers) until exit."""
    pids = instance_processes(port)
    assert pids, f"aucun processus pour le convertisseur {port}"
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def converter_busy(port: int) -> bool:
    """A caller holds the converter (``docgen.convert`` flocks it while converting)."""
    fd = os.open(instance_dir(port) / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases our flock, if we got it
    return False


class Worker:
    """``celery worker`` in a session of its own (its pool children in its process group)."""

    def __init__(self, env: dict[str, str], queue: str, log: Path):
        self.log = log
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "modulr", "worker", "-Q", queue,
                 "--pool", "prefork", "--concurrency", "1", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
                cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(self._ready, WORKER_START_TIMEOUT, self.text)

    def _ready(self) -> bool:
        assert self.process.poll() is None, f"le worker s'est arrêté\n{self.text()}"
        return b" ready." in self.log.read_bytes()

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> list[int]:
        pid = self.process.pid
        path = Path(f"/proc/{pid}/task/{pid}/children")
        return [int(child) for child in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once: nothing can ack or clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
        self.kill()


@pytest.fixture
def start_worker(transactional_db, broker_queue, _private_storage, tmp_path, settings):
    """Starts workers on our queue with this test's database, storage and settings; kills
    them all in teardown (before the database is flushed)."""
    settings.ATTESTATION_REQUEST_STALE_SECONDS = STALE_SECONDS
    settings.ATTESTATION_REQUEST_LEASE_SECONDS = STALE_SECONDS
    db = connection.settings_dict
    base_env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": REDIS_URL,
        "PRIVATE_ROOT": str(_private_storage),
        "ATTESTATION_REQUEST_STALE_SECONDS": str(STALE_SECONDS),
        "ATTESTATION_REQUEST_LEASE_SECONDS": str(STALE_SECONDS),
        # A frozen converter is waited for, not killed, during the test.
        "CONVERTER_TIMEOUT": "120",
        "LOG_LEVEL": "WARNING",
    }
    workers: list[Worker] = []

    def start(converter_ports: list[int]) -> Worker:
        env = {**base_env, "CONVERTER_PORTS": ",".join(map(str, converter_ports))}
        worker = Worker(env, broker_queue, tmp_path / f"worker-{len(workers) + 1}.log")
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()


def _submit(client_a, client_a_user) -> AttestationRequest:
    offer = fleet_offer_make(client_a, pdf=True)
    return attestation_request_submit(
        user=client_a_user, contract=offer.contract, beneficiary=offer.vehicle,
        product_model=offer.vehicle_model, values=dict(EVENT_VALUES),
    )  # fmt: skip


def _status_is(request: AttestationRequest, *statuses: str):
    def check():
        request.refresh_from_db()
        return request.status in statuses

    return check


def _logs(*workers: Worker) -> Callable[[], str]:
    def text():
        row = AttestationRequest.objects.values("status", "attempts", "error").first()
        return f"demande : {row}\n" + "\n".join(w.text() for w in workers)

    return text


def _generated_once(request: AttestationRequest, root: Path) -> Document:
    """READY with one document, its number on the request, its two files the only ones
    stored, the PDF naming the vehicle; the audit trail says generated and shared once."""
    request.refresh_from_db()
    assert request.status == Status.READY, request.error
    document = Document.objects.get()
    assert request.document == document and document.shared_on_extranet
    assert request.numero == document.numero != ""
    documents = [name for name in stored_files(root) if name.startswith("documents/")]
    assert documents == sorted([document.word_file.name, document.pdf_file.name])
    with document.pdf_file.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "GH-456-JK" in text and "Salon de l'auto <Lyon> & co" in text
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds.count(Kind.GENERATED) == 1 and kinds.count(Kind.SHARED) == 1
    return document


# -- the tests -------------------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_request_sent_through_the_broker_is_generated_by_the_worker(
    start_worker, own_converter, client_a, client_a_user, _private_storage
):
    worker = start_worker([own_converter])

    request = _submit(client_a, client_a_user)

    wait_for(_status_is(request, Status.READY, Status.FAILED), JOB_TIMEOUT, _logs(worker))
    _generated_once(request, _private_storage)
    assert request.attempts == 1
    assert "attestation_request_generate[" in worker.text()  # the worker ran it, not us


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_conversion_then_recovery_generates_it_once(
    start_worker, own_converter, client_a, client_a_user, _private_storage
):
    first = start_worker([own_converter])
    with frozen(own_converter):
        request = _submit(client_a, client_a_user)
        wait_for(
            lambda: _status_is(request, Status.GENERATING)() and converter_busy(own_converter),
            JOB_TIMEOUT,
            _logs(first),
        )
        first.kill()  # the job's message stays unacked in Redis (back in an hour)
        # Not stale yet: recovery leaves it alone (a slow job is not a lost one).
        assert attestation_requests_recover().sent == []
        request.refresh_from_db()
        assert request.status == Status.GENERATING and request.document is None
    second = start_worker([own_converter])

    wait_for(lambda: attestation_requests_recover().sent, STALE_SECONDS + 10, _logs(first, second))
    wait_for(_status_is(request, Status.READY, Status.FAILED), JOB_TIMEOUT, _logs(first, second))
    document = _generated_once(request, _private_storage)
    assert request.attempts == 2  # the killed attempt, then the recovered one
    assert list(request.events.values_list("kind", "actor")) == [
        (Kind.SUBMITTED, client_a_user.pk), (Kind.RETRIED, None),
        (Kind.GENERATED, None), (Kind.SHARED, None),
    ]  # fmt: skip

    # An hour later Redis re-delivers the killed worker's message: it changes nothing.
    attestation_request_generate.delay(request.pk)
    wait_for(lambda: second.text().count("succeeded") >= 2, JOB_TIMEOUT, _logs(second))
    assert _generated_once(request, _private_storage) == document
    assert request.attempts == 2
    assert attestation_requests_recover().sent == []


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_worker_child_killed_the_redelivered_job_waits_then_recovery_generates_it_once(
    start_worker, own_converter, client_a, client_a_user, _private_storage
):
    """The usual death (out of memory): the pool child dies, its parent lives. With
    ``acks_late`` + ``task_reject_on_worker_lost`` the message is re-delivered at once; the
    job cannot tell a dead attempt from a slow one, so it leaves the request until stale,
    and recovery sends it again."""
    worker = start_worker([own_converter])
    with frozen(own_converter):
        request = _submit(client_a, client_a_user)
        wait_for(
            lambda: _status_is(request, Status.GENERATING)() and converter_busy(own_converter),
            JOB_TIMEOUT,
            _logs(worker),
        )
        (child,) = worker.children()
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: "WorkerLostError" in worker.text(), JOB_TIMEOUT, _logs(worker))
        # The re-delivered message is run by the new child, which finds the request taken.
        wait_for(lambda: worker.text().count("succeeded") >= 1, JOB_TIMEOUT, _logs(worker))
    request.refresh_from_db()
    assert (request.status, request.attempts, request.document) == (Status.GENERATING, 1, None)

    wait_for(lambda: attestation_requests_recover().sent, STALE_SECONDS + 10, _logs(worker))
    wait_for(_status_is(request, Status.READY, Status.FAILED), JOB_TIMEOUT, _logs(worker))
    _generated_once(request, _private_storage)
    assert request.attempts == 2


# -- the recovery service alone (jobs run in-process: the embedded default) ----------------------


def _lost_request(client_a, client_a_user, settings, *, status=Status.GENERATING, attempts=1):
    """A request whose job was lost: left ``status`` since before the stale limit."""
    settings.ATTESTATION_REQUEST_STALE_SECONDS = 300
    offer = fleet_offer_make(client_a)
    request = request_make(offer, client_a_user)
    AttestationRequest.objects.filter(pk=request.pk).update(
        status=status,
        attempts=attempts,
        updated_at=timezone.now() - datetime.timedelta(seconds=301),
    )
    request.refresh_from_db()
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.PENDING, Status.GENERATING])
def test_a_lost_request_is_sent_again_and_generated_once(
    client_a, client_a_user, settings, django_capture_on_commit_callbacks, status
):
    request = _lost_request(client_a, client_a_user, settings, status=status)

    with django_capture_on_commit_callbacks(execute=True) as sent:
        result = attestation_requests_recover()

    assert result.sent == [request.pk] and result.failed == [] and len(sent) == 1
    request.refresh_from_db()
    assert request.status == Status.READY and request.document is not None
    assert request.attempts == 2
    retried = request.events.get(kind=Kind.RETRIED)
    assert retried.actor is None and "automatiquement" in retried.detail
    # Run again: nothing left to recover.
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert attestation_requests_recover().sent == []
    assert sent == [] and Document.objects.count() == 1


@pytest.mark.django_db
def test_recovery_leaves_alone_a_request_still_within_its_time_or_finished(
    client_a, client_a_user, settings, django_capture_on_commit_callbacks
):
    settings.ATTESTATION_REQUEST_STALE_SECONDS = 300
    settings.ATTESTATION_REQUEST_LEASE_SECONDS = 30
    offer = fleet_offer_make(client_a)
    # Its job renewed its lease 29 s ago; one queued 299 s ago, not taken yet.
    working = request_make(offer, client_a_user, status=Status.GENERATING)
    AttestationRequest.objects.filter(pk=working.pk).update(
        updated_at=timezone.now() - datetime.timedelta(seconds=29)
    )
    queued = request_make(offer, client_a_user, queued_at=timezone.now())
    AttestationRequest.objects.filter(pk=queued.pk).update(
        updated_at=timezone.now() - datetime.timedelta(seconds=299)
    )
    long_ago = timezone.now() - datetime.timedelta(days=1)
    finished = [
        request_make(offer, client_a_user, status=status)
        for status in (Status.FAILED, Status.READY, Status.AWAITING_VALIDATION, Status.REFUSED)
    ]
    AttestationRequest.objects.filter(pk__in=[r.pk for r in finished]).update(updated_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True) as sent:
        result = attestation_requests_recover()

    assert (result.sent, result.failed, sent) == ([], [], [])
    assert set(AttestationRequest.objects.values_list("status", flat=True)) == {
        Status.PENDING, Status.GENERATING, Status.FAILED, Status.READY,
        Status.AWAITING_VALIDATION, Status.REFUSED,
    }  # fmt: skip


@pytest.mark.django_db
def test_the_command_fails_a_request_lost_too_many_times(
    client_a, client_a_user, settings, django_capture_on_commit_callbacks
):
    """A document that kills its worker every time must not loop: past the limit of
    attempts, the lost request is failed with its error; the client may retry it."""
    request = _lost_request(client_a, client_a_user, settings, attempts=RECOVERY_MAX_ATTEMPTS)
    output = io.StringIO()

    with django_capture_on_commit_callbacks(execute=True) as sent:
        call_command("attestation_requests_recover", stdout=output)

    assert sent == []
    assert "Demandes relancées : 0 ; passées en échec : 1" in output.getvalue()
    request.refresh_from_db()
    assert request.status == Status.FAILED and request.document is None
    assert attestation_request_client_error(request).startswith(
        "La génération de votre attestation a été interrompue à plusieurs reprises."
    )
    assert attestation_request_can_retry(request)
    assert request.events.filter(kind=Kind.FAILED).count() == 1
