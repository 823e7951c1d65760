"""PostgreSQL restarted under a running app: the next request answers, without restarting
the app (connections kept between requests are checked before reuse).

The test runs a PostgreSQL cluster of its own (initdb in a temporary folder, a free port, as
the ``postgres`` user); the shared server is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import missing
from tests.object_storage import free_port
from tests.resilience.processes import Role, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Cluster:
    """A throwaway PostgreSQL cluster, run by the ``postgres`` user."""

    def __init__(self):
        # Not under pytest's tmp_path: the postgres user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="modulr-pg-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def pg(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args],
            capture_output=True, text=True, timeout=120, cwd=self.root,
        )  # fmt: skip
        assert result.returncode == 0, f"{tool} : {result.stdout}{result.stderr}"

    def start(self) -> None:
        self.pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                "-w", "start")  # fmt: skip

    def restart(self) -> None:
        # Its own log file: otherwise the server writes to our pipe and pg_ctl never returns.
        self.pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-m", "fast",
                "-w", "restart")  # fmt: skip

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster():
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        missing(f"PostgreSQL 15 ({PG_BIN}) ou runuser absent")
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.mark.postgresql
def test_the_app_answers_again_after_postgresql_restarted(cluster, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "CELERY_BROKER_URL": "",
        "CONVERTER_PORTS": "",
        "PRIVATE_ROOT": str(tmp_path / "private"),
        "VAR_DIR": str(tmp_path / "var"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",  # one process: the connection it keeps is the one restarted
    }
    env.pop("CONN_MAX_AGE", None)  # production's default: connections are kept
    web = Role("web", env, tmp_path / "gunicorn.log")
    try:
        health = f"http://127.0.0.1:{port}/healthz"

        def answers():
            try:
                return _get(health)[0] == 200
            except OSError:
                return False

        wait_for(answers, 60, web.text)
        status, report = _get(health)  # its connection is now open, kept for the next ones
        assert (status, report["checks"]["database"]) == (200, "ok")

        cluster.restart()  # every connection of the app is cut

        status, report = _get(health)
        assert (status, report["checks"]["database"]) == (200, "ok"), web.text()
        assert web.alive()  # the same gunicorn, not restarted
    finally:
        web.stop()
