"""Real processes for the resilience tests: production roles started by `scripts/role.sh`,
each in a session of its own; a whole "machine" killed at once; waits with a deadline.

Every process is started here and stopped (then killed) by the fixture that started it:
a broken run fails its test, it never leaves anything behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from tests.helpers import wait_for  # noqa: F401 - the resilience tests' import

BASE_DIR = Path(__file__).resolve().parents[2]
ROLE = BASE_DIR / "scripts" / "role.sh"


def database_url() -> str:
    """This test's database (the test database, not the one DATABASE_URL names), for the
    processes started outside pytest; they see only what the test committed."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _start_time(pid: int) -> str | None:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split())[19]
    except (OSError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def process_tree(pid: int) -> dict[int, str]:
    """``pid`` and every process descending from it, with their start times (so that a pid
    reused meanwhile is never taken for ours)."""
    tree, todo = {}, [pid]
    while todo:
        current = todo.pop()
        if current in tree or (started := _start_time(current)) is None:
            continue
        tree[current] = started
        todo += _children(current)
    return tree


def kill_tree(tree: dict[int, str]) -> None:
    """SIGKILL these processes (still the same ones) and their process groups, at once: what
    a machine losing power does to its processes."""
    alive = {pid for pid, started in tree.items() if _start_time(pid) == started}
    for pgid in {os.getpgid(pid) for pid in alive if _start_time(pid)}:
        if pgid in alive:  # a group led by one of ours (a session started by ours)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Role:
    """`scripts/role.sh ROLE` in a session of its own, its output in ``log``."""

    def __init__(self, role: str, env: dict[str, str], log: Path):
        self.role, self.log = role, log
        with open(log, "wb") as output:
            self.process = subprocess.Popen(
                ["bash", str(ROLE), role],
                cwd=BASE_DIR,
                env={**env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.tree: dict[int, str] = {}

    def text(self) -> str:
        return f"== {self.role} ({self.log.name}) ==\n" + self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def remember_tree(self) -> None:
        """Note its processes now (honcho starts each of its own in a session of its own)."""
        self.tree.update(process_tree(self.process.pid))

    def kill(self) -> None:
        """SIGKILL the role and everything it started, all at once."""
        self.remember_tree()
        kill_tree(self.tree)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a clean stop), then SIGKILL whatever is left of it."""
        self.remember_tree()
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        kill_tree(self.tree)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def logs(*roles: Role) -> Callable[[], str]:
    return lambda: "\n".join(role.text()[-6000:] for role in roles)
