"""The shared test helpers do what the race tests rely on (no database needed)."""

import threading
import time

from django.http import HttpResponse

from tests.helpers import page_text, run_at_once, run_in_threads


def test_page_text_is_what_a_reader_sees():
    response = HttpResponse(
        "<style>p {}</style><p>Il n&#x27;a\n   rien</p><script>x = 1</script><b>1\u00a0500</b>"
    )
    assert page_text(response) == "Il n'a rien 1\u00a0500"


def test_threads_are_released_together():
    arrived = []

    def work():
        arrived.append(time.monotonic())
        return threading.get_ident()

    results, errors = run_at_once(work, 3)

    assert errors == [] and len(set(results)) == 3
    assert max(arrived) - min(arrived) < 1


def test_a_failing_thread_releases_the_others_and_is_reported():
    def fails(wait):
        raise ValueError("boom")

    def waits(wait):
        wait()
        return "never"

    results, errors = run_in_threads(fails, waits, timeout=5)

    assert results == [None, None]
    assert sorted(type(e).__name__ for e in errors) == ["BrokenBarrierError", "ValueError"]
