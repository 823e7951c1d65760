"""Filling a broker's Word model, in a sandboxed child process (the parent side).

``render_docx`` sends the model and its context to a fresh child of the zygote
(``docgen.sandbox``), killed past ``timeout`` seconds and capped at ``memory_mb``; client
values go under the reserved tags. Why a zygote, and the protocol: docs/engine.md.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Collection

from . import sandbox
from .fetching import DocxUnreadable, docx_fetch_problem
from .i18n import _
from .messages import reply_message
from .styles import docx_unused_styles_drop

RENDER_TIMEOUT = 20.0
RENDER_MEMORY_LIMIT_MB = 1024
FIELD_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")

# Characters illegal in XML 1.0 or invisible troublemakers pasted from other software:
# C0 controls except tab and newline, DEL and C1 controls, lone surrogates, U+FFFE/U+FFFF.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class TemplateInvalid(Exception):
    """A model that cannot be used; ``str(exc)`` is a French sentence for staff."""


class RenderTimeout(TemplateInvalid):
    """The model took longer than its ``timeout`` to fill (runaway loop)."""


# -- values -----------------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """A client's text made safe for Word XML: control characters removed, newlines kept."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARS.sub("", value)


def _clean_tree(value):
    if isinstance(value, dict):
        return {str(k): _clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_tree(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return clean_text(value)


def render_context(
    *, context: dict, values: dict[str, str], reserved: Collection[str] = ()
) -> dict:
    """Client values under the known tags: a field never stands for a ``reserved`` name."""
    fields = {
        name: clean_text("" if value is None else value)
        for name, value in values.items()
        if name not in reserved and FIELD_NAME_RE.match(name)
    }
    return {**fields, **_clean_tree(context)}


# -- the sandbox process ----------------------------------------------------------------------

# The only variables the sandbox inherits: a model runs there, so it holds no secret of the
# app (SECRET_KEY, DATABASE_URL, the broker's and the storage's credentials...).
SANDBOX_ENV_KEYS = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


def sandbox_env() -> dict[str, str]:
    env = {key: os.environ[key] for key in SANDBOX_ENV_KEYS if key in os.environ}
    env.setdefault("PATH", "/usr/bin:/bin")
    return env


class _Zygote:
    """The helper process that forks one sandboxed child per job (see docgen.sandbox)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.owner = 0
        self.dir = ""

    @property
    def sock_path(self) -> str:
        return os.path.join(self.dir, "render.sock")

    def ensure(self) -> str:
        with self.lock:
            alive = self.proc is not None and self.proc.poll() is None
            if not alive or self.owner != os.getpid():
                self._start()
            return self.sock_path

    def restart(self) -> None:
        with self.lock:
            self._start()

    def _start(self) -> None:
        if self.proc is not None and self.owner == os.getpid():
            self.stop()
        self.dir = tempfile.mkdtemp(prefix="docgen-render-")
        self.proc = subprocess.Popen(
            [sys.executable, "-I", sandbox.__file__, self.sock_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=sandbox_env(),
            close_fds=True,  # no connection of the parent (database, broker) is inherited
            pass_fds=(),
            start_new_session=True,  # a Ctrl-C meant for the web server is not for us
        )
        self.owner = os.getpid()
        ready, _w, _x = select.select([self.proc.stdout], [], [], 30)
        if not ready or self.proc.stdout.read(1) != b"R":
            self.stop()
            raise TemplateInvalid(_("Le moteur de remplissage des modèles n'a pas démarré."))

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream:
                    stream.close()  # the helper leaves when its stdin closes
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""


_zygote = _Zygote()


@atexit.register
def _stop_zygote() -> None:
    if _zygote.owner == os.getpid():
        _zygote.stop()


def _connect() -> socket.socket:
    for attempt in range(2):
        path = _zygote.ensure()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if attempt:
                raise
            _zygote.restart()  # the helper died (OOM killer, someone's kill): once more
    raise AssertionError("unreachable")


def run_job(header: dict, template: bytes, *, timeout: float, memory_mb: int) -> tuple[dict, bytes]:
    """Send one job to a fresh sandboxed child; its reply and the rendered bytes (if any)."""
    seconds = float(timeout)
    header = {**header, "memory_mb": memory_mb, "cpu": int(seconds) + 1}
    deadline = time.monotonic() + seconds
    sock = _connect()
    pid = 0
    try:
        sock.settimeout(seconds)
        (pid,) = struct.unpack("!Q", sandbox.recv_exact(sock, 8))
        sandbox.send_frame(sock, json.dumps(header).encode())
        sandbox.send_frame(sock, template)
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        reply = json.loads(sandbox.recv_frame(sock))
        payload = b""
        if reply.get("ok") and header["mode"] == "render":
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            payload = sandbox.recv_frame(sock)
        return reply, payload
    except TimeoutError:
        _kill(pid)
        raise RenderTimeout(
            _(
                "Le remplissage du modèle a dépassé %(seconds)s secondes : une boucle du "
                "modèle est sans doute trop longue."
            )
            % {"seconds": f"{seconds:g}"}
        ) from None
    except (EOFError, ConnectionError, struct.error, ValueError):
        # The child died without a word: killed by its memory or CPU limit.
        _kill(pid)
        raise TemplateInvalid(
            _("Le remplissage du modèle a été interrompu : il demande trop de mémoire ou de temps.")
        ) from None
    finally:
        sock.close()


def _kill(pid: int) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# -- rendering --------------------------------------------------------------------------------


def render_docx(
    *,
    template: bytes,
    context: dict,
    values: dict[str, str],
    reserved: Collection[str] = (),
    images: dict[str, tuple[bytes, float]] | None = None,
    timeout: float = RENDER_TIMEOUT,
    memory_mb: int = RENDER_MEMORY_LIMIT_MB,
) -> bytes:
    """The filled .docx (without the model's unused styles: docgen.styles). ``images``:
    dotted tag -> (PNG, width in mm), inserted where the model writes the tag. Raises
    TemplateInvalid (RenderTimeout past the time limit)."""
    reply, docx = run_job(
        {
            "mode": "render",
            "context": render_context(context=context, values=values, reserved=reserved),
            "images": {
                path: {"png": base64.b64encode(png).decode(), "width_mm": width_mm}
                for path, (png, width_mm) in (images or {}).items()
            },
        },
        docx_unused_styles_drop(template),
        timeout=timeout,
        memory_mb=memory_mb,
    )
    if not reply.get("ok"):
        raise TemplateInvalid(reply_message(reply))
    # Again on the filled document: the model's tags could have built a field code.
    try:
        problem = docx_fetch_problem(docx)
    except DocxUnreadable:
        problem = _("Le document rempli n'est pas un document Word lisible.")
    if problem:
        raise TemplateInvalid(problem)
    return docx
