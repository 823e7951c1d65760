"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API,
against pytest-django's live server. Screenshots of each step go to ``test-artifacts/``.

The live server runs in a thread of this process with the embedded default: jobs run in
the in-process thread pool, exactly as ``make run`` does, so the page really shows the
generation's progress before the link.
"""

import os
import re
from pathlib import Path

import pytest

from documents.attestations.jobs import in_process_jobs_wait

# Playwright's sync API keeps an event loop in the main thread; the test's own ORM calls
# (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module. Not per session: with Playwright (greenlets) still running
    at the session's end, the test database's teardown found a connection of a later test
    still open, and PostgreSQL refused to drop the database (a pytest warning)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(chromium, **options):
    return chromium.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 1100, "height": 900},
        accept_downloads=True,
        **options,
    )


@pytest.fixture
def page(chromium):
    context = _context(chromium)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    in_process_jobs_wait(timeout=60)  # no job of this test may outlive its database


@pytest.fixture
def page_without_js(chromium):
    context = _context(chromium, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    in_process_jobs_wait(timeout=60)


@pytest.fixture
def shots(request):
    """``shots(page, "step")`` saves test-artifacts/<test>/<nn>-<step>.png."""
    folder = ARTIFACTS / re.sub(r"[^\w-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    count = 0

    def shot(page, step: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    shot.folder = folder
    return shot


def log_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/extranet/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/extranet/")
