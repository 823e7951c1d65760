"""Fixtures of the resilience tests: the roles they start (stopped in teardown, before the
database is flushed), and this process's Celery app sending to a broker of the test's own."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from documents.attestations.jobs import attestation_request_generate
from tests.resilience.processes import Role

# A Redis database of our own on the shared server (flushed: nothing else may use it).
REDIS_URL = os.environ.get("TEST_RESILIENCE_REDIS_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def roles(transactional_db, tmp_path) -> Iterator[Callable[..., Role]]:
    """``start(role, env, name)``: `scripts/role.sh role`; all stopped at the end."""
    started: list[Role] = []

    def start(role: str, env: dict[str, str], name: str | None = None) -> Role:
        process = Role(role, env, tmp_path / f"{name or role}-{len(started) + 1}.log")
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in reversed(started):
            process.stop()


@contextlib.contextmanager
def celery_sending_to(url: str) -> Iterator[None]:
    """This process's app sends jobs to ``url`` instead of running them eagerly.

    Celery caches the broker connection of its first use (``app._pool``, ``app.amqp``): they
    are dropped before and after, so the URL is really used and nothing of ours outlives the
    test (not closed: kombu would hand the closed pool to the next user of that URL).
    """
    app = attestation_request_generate.app
    keys = ("task_always_eager", "broker_url")
    saved = {key: app.conf[key] for key in keys}

    def forget_connections():
        app._pool = None
        app.__dict__.pop("amqp", None)

    forget_connections()
    app.conf.update(task_always_eager=False, broker_url=url)
    try:
        yield
    finally:
        forget_connections()
        app.conf.update(saved)


def var_dir(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


@pytest.fixture
def redis_db():
    """Our Redis database, empty before and after (the shared server itself is untouched)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError as error:
        pytest.fail(f"Redis ne répond pas sur {REDIS_URL} : {error}")
    yield REDIS_URL
    client.flushdb()
