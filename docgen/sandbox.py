"""The render sandbox's process side: the zygote and the children it forks, one per job.

Run as a script (``python -I sandbox.py <socket path>``) by ``docgen.render``, which also
imports it for the framing. Each child caps its memory and CPU, then compiles and renders
one model (``docgen.template``). Design and protocol: docs/engine.md.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import importlib.util
import io
import json
import os
import select
import signal
import socket
import struct
import sys
import traceback
from pathlib import Path


def _sibling(name: str):
    """A module of this folder, loaded by path: in ``-I`` script mode there is no package."""
    spec = importlib.util.spec_from_file_location(
        f"docgen.{name}", Path(__file__).with_name(f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


try:
    from . import template
except ImportError:  # run as a script
    template = _sibling("template")

MAX_FRAME = 200 * 1024 * 1024

# -- framing ----------------------------------------------------------------------------------


def send_frame(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack("!Q", len(payload)) + payload)


def recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> bytes:
    (size,) = struct.unpack("!Q", recv_exact(sock, 8))
    if size > MAX_FRAME:
        raise ValueError("frame too large")
    return recv_exact(sock, size)


# -- the zygote and its children --------------------------------------------------------------


def _limit(*, memory_mb: int, cpu_seconds: int) -> None:
    import resource

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_seconds:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        # Wall clock as well, should the parent be gone and nobody kill us.
        signal.alarm(cpu_seconds * 2 + 2)


def _serve_job(conn: socket.socket) -> None:
    conn.sendall(struct.pack("!Q", os.getpid()))
    header = json.loads(recv_frame(conn))
    model = recv_frame(conn)
    _limit(memory_mb=int(header.get("memory_mb", 0)), cpu_seconds=int(header.get("cpu", 0)))
    tpl = None
    try:
        if header["mode"] == "check":
            names = template.check(model, header["context"], header["placeholder"])
            send_frame(conn, json.dumps({"ok": True, "undeclared": names}).encode())
        else:
            images = {
                path: (base64.b64decode(image["png"]), float(image["width_mm"]))
                for path, image in header.get("images", {}).items()
            }
            docx, tpl = template.render(model, header["context"], strict=False, images=images)
            send_frame(conn, json.dumps({"ok": True}).encode())
            send_frame(conn, docx)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        # A failing check/render object is reachable through the traceback's frames.
        tpl = tpl or template.find_docx(exc)
        send_frame(conn, json.dumps(template.describe(exc, tpl)).encode())


def _warm_up() -> None:
    """Render a small model once, so every child inherits warm caches (Jinja's lexer,
    compiled regexes, python-docx's lazy imports): it halves a child's render time."""
    from docx import Document

    document = Document()
    document.add_paragraph("{{ a.b }}{% for x in l %}{{ x|upper }}{% endfor %}")
    document.sections[0].header.paragraphs[0].text = "{{ a.b }}"
    buffer = io.BytesIO()
    document.save(buffer)
    context = {"a": {"b": "c"}, "l": ["d"]}
    template.check(buffer.getvalue(), context, "e")
    template.render(buffer.getvalue(), context, strict=False)


def serve(sock_path: str) -> None:
    _warm_up()
    # Children never run the cyclic GC over the zygote's objects (it would copy every page
    # on write), and run none of their own: they live for one render, under a memory cap.
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reap themselves
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    os.chmod(sock_path, 0o600)
    listener.listen(128)
    sys.stdout.buffer.write(b"R")
    sys.stdout.flush()
    stdin = sys.stdin.fileno()
    try:
        while True:
            ready, _w, _x = select.select([listener, stdin], [], [])
            if stdin in ready and not os.read(stdin, 4096):
                return  # the parent is gone
            if listener in ready:
                conn, _addr = listener.accept()
                if os.fork() == 0:
                    code = 0
                    try:
                        listener.close()
                        gc.disable()
                        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                        _serve_job(conn)
                    except BaseException:  # noqa: BLE001
                        traceback.print_exc()
                        code = 1
                    finally:
                        os._exit(code)
                conn.close()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(sock_path)


if __name__ == "__main__":
    serve(sys.argv[1])
