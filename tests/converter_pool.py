"""pytest plugin: a real pool of PDF converters for the test session.

`converter_pool` (function scope) points `settings.CONVERTER_PORTS` at a pool of
`POOL_SIZE` unoserver instances run by `manage.py run_converters`, started on first use
(~8 s) and stopped at the end of the session, and gives its ports (docgen's tests pass them
to `docgen.convert_to_pdf` with `STATE_DIR`). Tests marked `libreoffice` get it
automatically; one that wants the one-shot `soffice` path sets `settings.CONVERTER_PORTS = []`.

Ports are drawn at random and checked free, so that several test sessions on one machine
(and `make run`, on 2003+) do not collide.
"""

import contextlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from docgen import UNO_PORT_OFFSET, instance_dir
from docgen.convert import TimeoutTransport

POOL_SIZE = 2
START_TIMEOUT = 90
BASE_DIR = Path(__file__).resolve().parent.parent
# Where `run_converters` keeps its instances: settings.VAR_DIR / "converters".
STATE_DIR = BASE_DIR / "var" / "converters"


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_converter_ports(count: int) -> list[int]:
    """`count` ports whose XML-RPC and UNO ports are both free."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randrange(20000, 29000)
        if port not in ports and _port_free(port) and _port_free(port + UNO_PORT_OFFSET):
            ports.append(port)
    return ports


def converter_answers(port: int, timeout: float = 5) -> bool:
    """The unoserver on `port` answers, with its LibreOffice connected."""
    proxy = xmlrpc.client.ServerProxy(
        f"http://127.0.0.1:{port}", transport=TimeoutTransport(timeout)
    )
    try:
        return proxy.info()["api"] == "3"
    except (OSError, xmlrpc.client.Error):
        return False


def wait_until_ready(ports: list[int], timeout: float = START_TIMEOUT, process=None) -> bool:
    deadline = time.monotonic() + timeout
    pending = set(ports)
    while pending and time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        pending = {port for port in pending if not converter_answers(port)}
        if pending:
            time.sleep(0.25)
    return not pending


def start_pool(ports: list[int], log: Path, *extra: str) -> subprocess.Popen:
    with open(log, "wb") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_converters", "--ports", ",".join(map(str, ports))]
            + ["--exit-with-parent", *extra],
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop_pool(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


@contextlib.contextmanager
def running_pool(count: int, log: Path, *extra: str) -> Iterator[list[int]]:
    """A pool of `count` converters on free ports, ready, stopped on exit (tests and bench)."""
    ports = free_converter_ports(count)
    process = start_pool(ports, log, *extra)
    try:
        if not wait_until_ready(ports, process=process):
            raise RuntimeError(f"Le pool de convertisseurs n'a pas démarré :\n{log.read_text()}")
        yield ports
    finally:
        stop_pool(process)
        # Random ports are not reused: their folders (profile, logs) would pile up in var/.
        for port in ports:
            shutil.rmtree(instance_dir(STATE_DIR, port), ignore_errors=True)


@pytest.fixture(scope="session")
def converter_pool_ports(tmp_path_factory):
    log = tmp_path_factory.mktemp("converters") / "supervisor.log"
    with running_pool(POOL_SIZE, log) as ports:
        yield ports


@pytest.fixture
def converter_pool(converter_pool_ports, settings):
    settings.CONVERTER_PORTS = list(converter_pool_ports)
    return list(converter_pool_ports)


@pytest.fixture(autouse=True)
def _libreoffice_tests_use_the_pool(request):
    if request.node.get_closest_marker("libreoffice") is not None:
        request.getfixturevalue("converter_pool")
