"""The load bench's processes: gunicorn and a Celery worker in sessions of their own, and the
CPU time each part of the bench uses (read from /proc), so that the report can say where the
time goes and check that nothing is left running at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from load_env import BASE_DIR, DB_NAME, START_TIMEOUT, TMP


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Processes started in sessions of their own, so that each can be stopped with its whole
    process group (Celery's pool children and their render children, gunicorn's workers)."""

    def __init__(self):
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(TMP / f"{name}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            command, cwd=BASE_DIR, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        self.started.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (TMP / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for _name, process in reversed(self.started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)  # warm shutdown for both
        deadline = time.monotonic() + 30
        for _name, process in self.started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
            process.wait()

    def groups(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.started}


_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Proc:
    pid: int
    pgid: int
    ticks: int  # utime + stime + cutime + cstime
    cmdline: str


def _processes() -> list[Proc]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ticks = sum(int(value) for value in fields[11:15])
        found.append(Proc(int(entry.name), int(fields[2]), ticks, cmdline))
    return found


def _part(proc: Proc, groups: dict[int, str], ports: list[int]) -> str | None:
    """Which part of the bench a process belongs to, or None if it is not ours."""
    if proc.pgid in groups:
        return groups[proc.pgid]
    if any(f"converters/{port}/profile" in proc.cmdline for port in ports):
        return "convertisseurs"
    if str(TMP) in proc.cmdline:  # the render zygotes: a session of their own, TMPDIR ours
        return "rendu"
    return None


def _service(proc: Proc) -> str | None:
    """Shared services the bench uses: PostgreSQL's backends serving our database (titled
    ``postgres: user modulr_bench ...``) and the whole Redis server."""
    if proc.cmdline.startswith("postgres: ") and f" {DB_NAME} " in proc.cmdline:
        return "postgresql"
    if proc.cmdline.startswith("redis-server"):
        return "redis"
    return None


def cpu_seconds(groups: dict[str, int], ports: list[int]) -> dict[tuple[str, int], float]:
    """CPU time used so far, by (part, pid): each process of ours, this process (the client
    threads) and the whole machine's busy and total time. Reaped children (render children
    excepted: their zygote ignores SIGCHLD) count in their parent's cutime."""
    by_pgid = {pgid: name for name, pgid in groups.items()}
    used = {}
    for proc in _processes():
        if (part := _part(proc, by_pgid, ports) or _service(proc)) is not None:
            used[part, proc.pid] = proc.ticks / _TICK
    times = os.times()
    used["clients (ce script)", 0] = times.user + times.system
    with open("/proc/stat") as stat:  # the whole machine: busy and idle jiffies, all CPUs
        jiffies = [int(value) for value in stat.readline().split()[1:]]
    used["_machine_busy", 0] = (sum(jiffies) - jiffies[3] - jiffies[4]) / _TICK
    used["_machine_total", 0] = sum(jiffies) / _TICK
    return used


def rss_by_part(groups: dict[str, int], ports: list[int]) -> dict[str, int]:
    """Resident memory (bytes) of each part of ours: every process of the part, summed."""
    by_pgid = {pgid: name for name, pgid in groups.items()}
    rss: dict[str, int] = {}
    for proc in _processes():
        if (part := _part(proc, by_pgid, ports)) is None:
            continue
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[part] = rss.get(part, 0) + int(line.split()[1]) * 1024
    return rss


_PARTS = ["nginx", "gunicorn", "worker", "rendu", "convertisseurs", "postgresql", "redis"]


def order(part: str) -> int:
    return _PARTS.index(part) if part in _PARTS else len(_PARTS)


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """Seconds per part between two samples; a process gone meanwhile is not counted."""
    spent: dict[str, float] = {}
    for (part, pid), seconds in after.items():
        spent[part] = spent.get(part, 0.0) + seconds - before.get((part, pid), 0.0)
    return spent


def leftovers(groups: dict[str, int], ports: list[int]) -> list[str]:
    """Processes of ours still alive once everything was stopped."""
    by_pgid = {pgid: name for name, pgid in groups.items()}
    return [
        f"{proc.pid} {proc.cmdline[:120]}"
        for proc in _processes()
        if _part(proc, by_pgid, ports) is not None
    ]


def wait_for(check, what: str, processes: Processes, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} n'a pas démarré :\n{processes.log(name)}")
        time.sleep(0.2)


def start_worker(processes: Processes, concurrency: int) -> None:
    processes.start(
        "worker",
        [sys.executable, "-m", "celery", "-A", "modulr", "worker", "--pool", "prefork",
         "--concurrency", str(concurrency), "--hostname", f"bench-{uuid.uuid4().hex[:8]}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
    )  # fmt: skip
    wait_for(lambda: " ready." in processes.log("worker"), "Le worker Celery", processes, "worker")


def start_web(processes: Processes, workers: int) -> str:
    port = free_port()
    processes.start(
        "gunicorn",
        [sys.executable, "-m", "gunicorn", "modulr.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60"],
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/extranet/connexion/", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(answers, "gunicorn", processes, "gunicorn")
    return base
