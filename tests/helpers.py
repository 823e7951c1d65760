"""Helpers every test module may use: a page's text and tree as a reader sees them, threads
released at the same instant (for races, run on PostgreSQL).

Logged-in clients are fixtures of ``tests/conftest.py`` (``as_staff``, ``as_bob``,
``as_superuser``, ``as_a``).
"""

import os
import re
import threading
import time
from html import unescape

import lxml.html
import pytest
from django.db import connection


def page_tree(response):
    """The page as an lxml tree, for XPath on what a reader sees (a form, a link)."""
    return lxml.html.fromstring(response.content.decode())


def page_text(response) -> str:
    """The page's visible text: scripts, styles and tags dropped, entities decoded
    (« n'a » rather than « n&#x27;a »), ASCII spaces collapsed (no-break spaces kept)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def run_in_threads(*works, timeout: float = 60) -> tuple[list, list[BaseException]]:
    """Runs each ``work(wait)`` in a thread of its own and returns (results, errors).

    ``wait()`` blocks until every thread has called it, so what follows starts at the same
    instant; a work may call it once or once per round. A failing thread aborts the barrier
    (the others stop waiting) and its exception is returned; results are in the order of
    ``works``, None for a failed one. Each thread closes its own database connection.
    """
    barrier = threading.Barrier(len(works))
    results: list = [None] * len(works)
    errors: list[BaseException] = []

    def run(index: int, work) -> None:
        try:
            results[index] = work(lambda: barrier.wait(timeout=timeout))
        except BaseException as exc:  # noqa: BLE001 - returned to the test, which asserts
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, work)) for i, work in enumerate(works)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def run_at_once(work, count: int) -> tuple[list, list[BaseException]]:
    """``work()`` in ``count`` threads, all released at the same instant."""

    def released(wait):
        wait()
        return work()

    return run_in_threads(*[released] * count)


def missing(message: str) -> None:
    """A real part the test needs is absent: a failure under CI (where the project's own
    set-up installs and starts it), a skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def wait_for(condition, timeout: float, what, *, every: float = 0.1):
    """``condition()``'s first truthy value, or AssertionError naming ``what()`` at the end."""
    deadline = time.monotonic() + timeout
    while True:
        if value := condition():
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Délai de {timeout} s dépassé\n{what()}")
        time.sleep(every)
