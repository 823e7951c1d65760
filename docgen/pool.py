"""The pool of PDF converters: supervised unoserver instances, one LibreOffice each.

``ConverterSupervisor`` starts one unoserver per port (under Debian's Python, which has
``uno``, through ``unoserver_main.py``), restarts any that exits or outgrows its memory
limit, and stops them all on a signal. How it is supervised: docs/engine.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

from .instances import (
    Instance,
    become_subreaper,
    converter_env,
    instance_memory,
    instance_processes,
    port_is_free,
    soffice_binary,
)
from .profile import profile_harden

logger = logging.getLogger(__name__)

DEFAULT_PYTHON = "/usr/bin/python3"
# An instance that dies within this many seconds of its start counts as a failed start:
# restarts then back off (1, 2, 4 ... 30 s) instead of spinning.
QUICK_EXIT_SECONDS = 15
POLL_SECONDS = 0.2
MEMORY_CHECK_SECONDS = 5


class PoolError(Exception):
    pass


class ConverterSupervisor:
    """Starts one unoserver per port, restarts any that exits, stops them all on a signal."""

    def __init__(
        self,
        *,
        ports: list[int],
        state_dir: Path,
        soffice: str = "soffice",
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
            Instance(
                port=port,
                state_dir=Path(state_dir),
                stop_after=stop_after + index * stop_after // len(ports) if stop_after else None,
            )
            for index, port in enumerate(ports)
        ]
        self.state_dir = Path(state_dir)
        self.soffice = soffice_binary(soffice)
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
        become_subreaper()
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
        if not shutil.which(self.soffice):
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

    def _clean_strays(self, instance: Instance) -> None:
        """Kill what a supervisor that died without cleaning up left on this port.

        We hold the port's supervisor lock, so any process still using this profile is an
        orphan: it would hold the ports and corrupt the profile if left to run.
        """
        for pid in instance_processes(self.state_dir, instance.port):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        (instance.dir / "profile" / ".lock").unlink(missing_ok=True)
        for port in (instance.port, instance.uno_port):
            deadline = time.monotonic() + 5
            while not port_is_free(port):
                if time.monotonic() > deadline:
                    raise PoolError(f"Le port {port} est déjà utilisé par un autre programme.")
                time.sleep(0.1)

    # -- one instance --------------------------------------------------------------------------

    def _start(self, instance: Instance) -> None:
        tmp = instance.dir / "tmp"
        shutil.rmtree(tmp, ignore_errors=True)  # inputs left by a conversion that was killed
        tmp.mkdir(mode=0o700)
        profile_harden(instance.dir / "profile")  # nothing in a document is fetched
        output = None if self.verbose else open(instance.dir / "unoserver.log", "wb")  # noqa: SIM115
        try:
            instance.process = subprocess.Popen(
                instance.command(
                    python=self.python,
                    soffice=self.soffice,
                    conversion_timeout=self.conversion_timeout,
                ),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                env=converter_env(),
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
            elif instance.process and not instance.ready and not port_is_free(instance.port):
                instance.ready = True
                self.write(f"Convertisseur {instance.port} : à l'écoute.")
        if self.max_memory and now >= self._next_memory_check:
            self._next_memory_check = now + MEMORY_CHECK_SECONDS
            self._check_memory()

    # -- memory: restarted between two conversions, under the client lock (docs/engine.md) -----

    def _check_memory(self) -> None:
        for instance in self.instances:
            if instance.process is None or not instance.ready or instance.recycling:
                continue
            rss = instance_memory(self.state_dir, instance.port)
            if rss > self.max_memory:
                instance.recycling = True
                threading.Thread(
                    target=self._recycle, args=(instance, instance.process, rss), daemon=True
                ).start()

    def _recycle(self, instance: Instance, process: subprocess.Popen, rss: int) -> None:
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

    def _on_exit(self, instance: Instance) -> None:
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

    def _log_tail(self, instance: Instance, lines: int = 15) -> str:
        try:
            text = (instance.dir / "unoserver.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _stop_all(self) -> None:
        """SIGTERM lets LibreOffice close its profile cleanly; SIGKILL whatever lingers.

        SIGTERM goes to unoserver alone, which passes it on to LibreOffice and exits in
        ~0.2 s. Sent to the whole group, soffice.bin dies before its launcher (oosplash)
        expects it, and the launcher and unoserver hang, leaving a zombie.
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
            if not any(instance_processes(self.state_dir, i.port) for i in self.instances):
                break
            time.sleep(0.05)
        self._reap()
        self.write("Convertisseurs arrêtés.")
