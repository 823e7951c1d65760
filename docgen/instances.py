"""One converter of the pool: its folder, pid, processes, memory, and its unoserver command.

Each instance has a folder ``<state_dir>/<port>/`` (its LibreOffice profile, pid file, client
lock, log), shared by the supervisor (``docgen.pool``) and the callers (``docgen.convert``),
which must run on the same machine. Layout: docs/engine.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import unoserver

from .render import sandbox_env

logger = logging.getLogger(__name__)

UNO_PORT_OFFSET = 1000  # LibreOffice's own UNO socket: XML-RPC port + 1000
# unoserver's server, loading documents hidden (see that file): run by Debian's Python.
SERVER_MAIN = Path(__file__).resolve().parent / "unoserver_main.py"


def instance_dir(state_dir: Path, port: int) -> Path:
    path = Path(state_dir) / str(port)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def instance_pid(state_dir: Path, port: int) -> int | None:
    """The pid (and process group) of the unoserver serving `port`, from its pid file."""
    try:
        return int((instance_dir(state_dir, port) / "pid").read_text().strip())
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


def instance_kill(state_dir: Path, port: int, *, expected_pid: int | None = None) -> bool:
    """SIGKILL the whole process group of the instance on `port` (unoserver and soffice).

    Called by callers, in other processes than the supervisor, when a conversion hangs
    (SIGTERM is not enough for a hung soffice). `expected_pid` is the pid read before the
    conversion started: if the instance was restarted meanwhile, the new one is left alone.
    The command line is checked too, so a stale pid file never kills an unrelated process.
    """
    pid = instance_pid(state_dir, port)
    if pid is None or (expected_pid is not None and pid != expected_pid):
        return False
    if not _belongs_to(_cmdline(pid), instance_dir(state_dir, port) / "profile"):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
        logger.warning("Convertisseur %s bloqué : arrêté (SIGKILL).", port)
        return True
    return False


def instance_processes(state_dir: Path, port: int) -> list[int]:
    """Pids of every live process of the instance on `port` (for cleanup and the bench)."""
    profile = instance_dir(state_dir, port) / "profile"
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


def instance_memory(state_dir: Path, port: int) -> int:
    """Resident memory, in bytes, of every process of the instance (soffice.bin mostly)."""
    return sum(_rss_bytes(pid) for pid in instance_processes(state_dir, port))


def soffice_binary(soffice: str) -> str:
    """`soffice` as a path: looked up on PATH when it is a bare name."""
    return shutil.which(soffice) or soffice


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def become_subreaper() -> None:
    """Adopt orphaned soffice processes so that we reap them.

    When a unoserver is killed its soffice.bin is re-parented; under a PID 1 that does not
    reap (containers), it stays a zombie forever. PR_SET_CHILD_SUBREAPER makes this process
    its new parent instead, and the supervisor's waitpid(-1) loop reaps it. Linux only.
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


@dataclass
class Instance:
    port: int
    state_dir: Path
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
        return instance_dir(self.state_dir, self.port)

    def command(self, *, python: str, soffice: str, conversion_timeout: int | None) -> list[str]:
        """The command line of this instance's unoserver (run by Debian's Python)."""
        site_packages = str(Path(unoserver.__file__).resolve().parent.parent)
        command = [
            python,
            "-I",  # isolated: the script's folder is not on sys.path
            str(SERVER_MAIN),
            site_packages,
            "--interface",
            "127.0.0.1",  # no authentication: never listen beyond this machine
            "--uno-interface",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--uno-port",
            str(self.uno_port),
            "--user-installation",
            str(self.dir / "profile"),
            "--temp-dir",
            str(self.dir / "tmp"),
            "--executable",
            soffice,
        ]
        if conversion_timeout:
            command += ["--conversion-timeout", str(conversion_timeout)]
        if self.stop_after:
            command += ["--stop-after", str(self.stop_after)]
        return command


# LibreOffice opens the filled documents: it gets the same few variables, plus its own
# (SAL_*, fontconfig's) and HOME, and nothing of the app's secrets (the seal's passphrase,
# the database's and the storage's credentials).
CONVERTER_ENV_PREFIXES = ("SAL_", "FONTCONFIG_", "XDG_")


def converter_env() -> dict[str, str]:
    env = sandbox_env()
    env.update(
        (key, value)
        for key, value in os.environ.items()
        if key == "HOME" or key.startswith(CONVERTER_ENV_PREFIXES)
    )
    return env
