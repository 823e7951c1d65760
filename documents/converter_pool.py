"""The pool of PDF converters: supervised unoserver instances, one LibreOffice each.

This is the server side of `documents.conversion`; `manage.py run_converters` runs it.

Layout on disk, one folder per instance, keyed by its XML-RPC port (`var/converters/<port>/`):

- `profile/`         its own LibreOffice profile, kept between restarts (a warm profile starts
                     faster); two processes sharing a profile fail silently (PIPELINE.md).
- `pid`              pid of the unoserver process, which leads its own process group (soffice
                     included): clients SIGKILL that group when a conversion hangs.
- `lock`             flock held by a client while it converts on this instance (see conversion.py).
- `supervisor.lock`  flock held by the one supervisor serving this port.
- `unoserver.log`    output of the current run; its tail is printed when an instance dies.

How the server runs: unoserver's server needs the `uno` module, which only Debian's
`/usr/bin/python3` has (python3-uno), while the package itself is installed in the project's
virtualenv (the client side uses it). Rather than a second virtualenv built at setup, Debian's
Python runs the server straight from the virtualenv's copy (through `unoserver_main.py`, which
loads documents hidden), with that folder *appended* to sys.path: nothing in it can shadow
Debian's modules, the client and the server are always the same version (their API must
match), and a fresh machine needs nothing beyond `pip install` and the Debian packages.
unoserver is pure Python and imports only the stdlib and uno.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import unoserver
from django.conf import settings

logger = logging.getLogger(__name__)

UNO_PORT_OFFSET = 1000  # LibreOffice's own UNO socket: XML-RPC port + 1000
DEFAULT_PYTHON = "/usr/bin/python3"
# An instance that dies within this many seconds of its start counts as a failed start:
# restarts then back off (1, 2, 4 ... 30 s) instead of spinning.
QUICK_EXIT_SECONDS = 15
POLL_SECONDS = 0.2
MEMORY_CHECK_SECONDS = 5

# unoserver's server, loading documents hidden (see that file): run by Debian's Python.
_SERVER_MAIN = Path(__file__).resolve().parent / "unoserver_main.py"


def converters_dir() -> Path:
    return Path(settings.VAR_DIR) / "converters"


def instance_dir(port: int) -> Path:
    path = converters_dir() / str(port)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def instance_pid(port: int) -> int | None:
    """The pid (and process group) of the unoserver serving `port`, from its pid file."""
    try:
        return int((instance_dir(port) / "pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _belongs_to(cmdline: str, profile: Path) -> bool:
    """Both unoserver and its soffice name the instance's profile on their command line."""
    return f"{profile} " in cmdline or f"{profile.as_uri()} " in cmdline


def instance_kill(port: int, *, expected_pid: int | None = None) -> bool:
    """SIGKILL the whole process group of the instance on `port` (unoserver and soffice).

    Called by clients, in other processes than the supervisor, when a conversion hangs:
    SIGTERM is not enough for a hung soffice (PIPELINE.md). `expected_pid` is the pid read
    before the conversion started: if the instance was restarted meanwhile (another client
    killed it first), the new one is left alone. The command line is checked too, so a stale
    pid file never kills an unrelated process that reused the pid. The supervisor sees its
    child exit and starts a fresh instance.
    """
    pid = instance_pid(port)
    if pid is None or (expected_pid is not None and pid != expected_pid):
        return False
    if not _belongs_to(_cmdline(pid), instance_dir(port) / "profile"):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
        logger.warning("Convertisseur %s bloqué : arrêté (SIGKILL).", port)
        return True
    return False


def instance_processes(port: int) -> list[int]:
    """Pids of every live process of the instance on `port` (for cleanup and the bench)."""
    profile = instance_dir(port) / "profile"
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _belongs_to(_cmdline(int(entry.name)), profile)
    ]


def _rss_bytes(pid: int) -> int:
    try:
        for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def instance_memory(port: int) -> int:
    """Resident memory, in bytes, of every process of the instance (soffice.bin mostly)."""
    return sum(_rss_bytes(pid) for pid in instance_processes(port))


def soffice_binary() -> str:
    return shutil.which(settings.SOFFICE_BINARY) or settings.SOFFICE_BINARY


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _become_subreaper() -> None:
    """Adopt orphaned soffice processes so that we reap them.

    When a unoserver is killed its soffice.bin is re-parented; under a PID 1 that does not
    reap (containers), it stays a zombie forever. PR_SET_CHILD_SUBREAPER makes this process
    its new parent instead, and the supervisor's waitpid(-1) loop reaps it. Linux only.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


@dataclass
class _Instance:
    port: int
    stop_after: int | None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    next_start: float = 0.0
    quick_exits: int = 0
    ready: bool = False
    recycling: bool = False

    @property
    def uno_port(self) -> int:
        return self.port + UNO_PORT_OFFSET

    @property
    def dir(self) -> Path:
        return instance_dir(self.port)


class PoolError(Exception):
    pass


class ConverterSupervisor:
    """Starts one unoserver per port, restarts any that exits, stops them all on a signal."""

    def __init__(
        self,
        *,
        ports: list[int],
        python: str = DEFAULT_PYTHON,
        conversion_timeout: int | None = None,
        stop_after: int | None = None,
        max_memory: int | None = None,
        verbose: bool = False,
        exit_with_parent: bool = False,
        write=print,
    ):
        if len(set(ports)) != len(ports):
            raise PoolError(f"Ports en double : {ports}")
        # --stop-after restarts an instance to bound its memory. Staggered per instance, so
        # that the pool never restarts all its converters at the same moment.
        self.instances = [
            _Instance(
                port=port,
                stop_after=stop_after + index * stop_after // len(ports) if stop_after else None,
            )
            for index, port in enumerate(ports)
        ]
        self.python = python
        self.conversion_timeout = conversion_timeout
        self.max_memory = max_memory
        self._next_memory_check = 0.0
        self.verbose = verbose
        self.exit_with_parent = exit_with_parent
        self.write = write
        self._stopping = False
        self._locks: list[int] = []
        self._parent = os.getppid()

    # -- lifecycle ---------------------------------------------------------------------------

    def run(self) -> None:
        self._check_environment()
        self._lock_ports()
        _become_subreaper()
        previous = {
            sig: signal.signal(sig, self._on_signal)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        try:
            for instance in self.instances:
                self._clean_strays(instance)
                self._start(instance)
            while not self._stopping:
                self._reap()
                self._tick()
                time.sleep(POLL_SECONDS)
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for fd in self._locks:
                os.close(fd)

    def _on_signal(self, signum, frame) -> None:
        self._stopping = True

    def _check_environment(self) -> None:
        if not os.path.exists(self.python):
            raise PoolError(f"Python introuvable pour unoserver : {self.python}")
        probe = subprocess.run([self.python, "-c", "import uno"], capture_output=True)
        if probe.returncode != 0:
            raise PoolError(
                f"{self.python} ne peut pas importer uno : installer python3-uno "
                "(scripts/install-system-deps.sh)."
            )
        if not shutil.which(soffice_binary()):
            raise PoolError("LibreOffice (soffice) est introuvable : lancer make setup.")

    def _lock_ports(self) -> None:
        for instance in self.instances:
            fd = os.open(instance.dir / "supervisor.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise PoolError(
                    f"Le port {instance.port} est déjà servi par un autre superviseur."
                ) from None
            self._locks.append(fd)

    def _clean_strays(self, instance: _Instance) -> None:
        """Kill what a supervisor that died without cleaning up left on this port.

        We hold the port's supervisor lock, so any process still using this profile is an
        orphan: it would hold the ports and corrupt the profile if left to run.
        """
        for pid in instance_processes(instance.port):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        (instance.dir / "profile" / ".lock").unlink(missing_ok=True)
        for port in (instance.port, instance.uno_port):
            deadline = time.monotonic() + 5
            while not _port_is_free(port):
                if time.monotonic() > deadline:
                    raise PoolError(f"Le port {port} est déjà utilisé par un autre programme.")
                time.sleep(0.1)

    # -- one instance --------------------------------------------------------------------------

    def _command(self, instance: _Instance) -> list[str]:
        site_packages = str(Path(unoserver.__file__).resolve().parent.parent)
        command = [
            self.python,
            "-I",  # isolated: the script's folder (documents/, its selectors.py) is not on sys.path
            str(_SERVER_MAIN),
            site_packages,
            "--interface",
            "127.0.0.1",  # no authentication: never listen beyond this machine
            "--uno-interface",
            "127.0.0.1",
            "--port",
            str(instance.port),
            "--uno-port",
            str(instance.uno_port),
            "--user-installation",
            str(instance.dir / "profile"),
            "--temp-dir",
            str(instance.dir / "tmp"),
            "--executable",
            soffice_binary(),
        ]
        if self.conversion_timeout:
            command += ["--conversion-timeout", str(self.conversion_timeout)]
        if instance.stop_after:
            command += ["--stop-after", str(instance.stop_after)]
        return command

    def _start(self, instance: _Instance) -> None:
        tmp = instance.dir / "tmp"
        shutil.rmtree(tmp, ignore_errors=True)  # inputs left by a conversion that was killed
        tmp.mkdir(mode=0o700)
        output = None if self.verbose else open(instance.dir / "unoserver.log", "wb")  # noqa: SIM115
        try:
            instance.process = subprocess.Popen(
                self._command(instance),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                # Own process group: a client can SIGKILL unoserver and soffice together,
                # and the terminal's Ctrl-C reaches only the supervisor, which stops them.
                start_new_session=True,
            )
        finally:
            if output:
                output.close()
        instance.started_at = time.monotonic()
        instance.ready = False
        (instance.dir / "pid").write_text(f"{instance.process.pid}\n")
        self.write(f"Convertisseur {instance.port} : démarrage (pid {instance.process.pid}).")

    def _tick(self) -> None:
        now = time.monotonic()
        if self.exit_with_parent and os.getppid() != self._parent:
            self.write("Processus parent disparu : arrêt des convertisseurs.")
            self._stopping = True
            return
        for instance in self.instances:
            if instance.process is None and now >= instance.next_start:
                self._start(instance)
            elif instance.process and not instance.ready and not _port_is_free(instance.port):
                instance.ready = True
                self.write(f"Convertisseur {instance.port} : à l'écoute.")
        if self.max_memory and now >= self._next_memory_check:
            self._next_memory_check = now + MEMORY_CHECK_SECONDS
            self._check_memory()

    # -- memory ----------------------------------------------------------------------------------
    #
    # LibreOffice grows slowly with every conversion (bench/conversion.py), so a converter
    # that passes --max-memory is restarted. Not with unoserver's --stop-after: it stops
    # LibreOffice while its server still accepts the next request, which then fails (a lost
    # try for that caller). Here the supervisor first takes the converter's client lock, as
    # a caller would: it waits for the conversion in progress, no caller can send a new one,
    # and callers go to the other converters until this one is back.

    def _check_memory(self) -> None:
        for instance in self.instances:
            if instance.process is None or not instance.ready or instance.recycling:
                continue
            rss = instance_memory(instance.port)
            if rss > self.max_memory:
                instance.recycling = True
                threading.Thread(
                    target=self._recycle, args=(instance, instance.process, rss), daemon=True
                ).start()

    def _recycle(self, instance: _Instance, process: subprocess.Popen, rss: int) -> None:
        fd = os.open(instance.dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if instance.process is not process or self._stopping:
                return
            self.write(
                f"Convertisseur {instance.port} : {rss // 2**20} Mo, redémarrage entre deux "
                "conversions."
            )
            # os.kill, not Popen.send_signal: that one polls, and would reap the child
            # behind the main loop's back (which then never restarts it).
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while process.returncode is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        finally:
            os.close(fd)
            instance.recycling = False

    def _reap(self) -> None:
        """Collect every dead child: our unoservers, and soffice orphans we adopted."""
        by_pid = {i.process.pid: i for i in self.instances if i.process is not None}
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            instance = by_pid.get(pid)
            if instance is not None:
                instance.process.returncode = os.waitstatus_to_exitcode(status)
                self._on_exit(instance)

    def _on_exit(self, instance: _Instance) -> None:
        code = instance.process.returncode
        pid = instance.process.pid
        # A soffice can outlive its unoserver (crash, SIGKILL of the parent only): it would
        # hold the UNO port and the profile. The group id is the unoserver's pid.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        (instance.dir / "pid").unlink(missing_ok=True)
        instance.process = None
        lived = time.monotonic() - instance.started_at
        if self._stopping:
            return
        if lived < QUICK_EXIT_SECONDS:
            instance.quick_exits += 1
            delay = min(30, 2 ** (instance.quick_exits - 1))
        else:
            instance.quick_exits = 0
            delay = 0
        instance.next_start = time.monotonic() + delay
        self.write(
            f"Convertisseur {instance.port} : arrêté (code {code}) après {lived:.0f} s, "
            f"redémarrage{f' dans {delay} s' if delay else ''}."
        )
        if code not in (0, -signal.SIGKILL) and not self.verbose:
            self.write(self._log_tail(instance))

    def _log_tail(self, instance: _Instance, lines: int = 15) -> str:
        try:
            text = (instance.dir / "unoserver.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _stop_all(self) -> None:
        """SIGTERM lets LibreOffice close its profile cleanly; SIGKILL whatever lingers.

        SIGTERM goes to unoserver alone, which passes it on to LibreOffice and exits in
        ~0.2 s. Sent to the whole group, soffice.bin dies before its launcher (oosplash)
        expects it, and the launcher and unoserver hang (the zombie of PIPELINE.md).
        """
        self._stopping = True
        running = [i for i in self.instances if i.process is not None]
        for instance in running:
            with contextlib.suppress(ProcessLookupError):
                os.kill(instance.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while any(i.process is not None for i in running) and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        for instance in running:
            if instance.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(instance.process.pid, signal.SIGKILL)
                instance.process.wait()
                self._on_exit(instance)
        # Adopted soffice orphans still exiting: reap them before we go.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            self._reap()
            if not any(instance_processes(i.port) for i in self.instances):
                break
            time.sleep(0.05)
        self._reap()
        self.write("Convertisseurs arrêtés.")
