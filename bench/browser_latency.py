"""What a client waits for in a real browser: « Envoyer la demande » → download link shown.

    .venv/bin/python bench/browser_latency.py [--requests 20] [--warmup 2] [--every-second]

The embedded default, as ``make run`` starts it: runserver on a SQLite database of its own
(seeded with the demo), jobs in the web process's threads, a warm pool of 2 converters, the
cabinet's seal (a trial certificate of the run's own). Then headless Chromium logs in as the
demo client, and sends single requests one after the other (a motif of its own each time:
the same request twice within seconds is recorded once). Prints p50/p95 of the click → link
in the page, the server's own time (recorded → ready), how late the link shows after the
PDF is ready, and the polls per request. ``--every-second`` rewrites the status part's
trigger to the former ``every 1s`` (in the browser), for comparison.

Times are read in the page (``performance``, epoch milliseconds), not by the driver: the
click event, and the moment the link enters the page (a MutationObserver).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
_TMP = tempfile.TemporaryDirectory(prefix="modulr-browser-")
TMP = Path(_TMP.name)
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
CLIENT = "contact@transports-dupont.fr"  # the demo's group account (Transports Dupont)

# Before Django starts, for this process and the server: as `make run`, but our own files.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "modulr.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{TMP}/bench.sqlite3",
        "PRIVATE_ROOT": str(TMP / "private"),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ATTESTATION_REQUESTS_PER_HOUR": "1000000",
        "LOG_LEVEL": "WARNING",
    }
)
os.environ.pop("CELERY_BROKER_URL", None)  # jobs in the web process, as on the embedded default

# In every page: when « Envoyer la demande » is clicked, and when a download link enters it.
PAGE_CLOCK = """
const now = () => performance.timeOrigin + performance.now();
addEventListener("click", (event) => {
  if (event.target.closest("button[value=send]")) sessionStorage.setItem("clickedAt", now());
}, true);
const seen = () => {
  if (!sessionStorage.getItem("seenAt") && document.querySelector("a[href$='/telecharger/']"))
    sessionStorage.setItem("seenAt", now());
};
new MutationObserver(seen).observe(document, {childList: true, subtree: true});
addEventListener("DOMContentLoaded", () => {
  if (/\/demandes\/\d+\/$/.test(location.pathname) && !sessionStorage.getItem("shownAt"))
    sessionStorage.setItem("shownAt", now());
});
"""
STATUS_PATH = re.compile(r"/extranet/demandes/(\d+)/$")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def line(label: str, values: list[float], note: str = "") -> str:
    return (
        f"{label:<44}: p50 {_ms(statistics.median(values))}, p95 {_ms(percentile(values, 95))}, "
        f"max {_ms(max(values))}{note}"
    )


def seed() -> dict:
    """The demo, and what the form is opened with: the fleet contract, a vehicle, the event
    model."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from contracts.models import Contract
    from documents.models import ProductAttestationModel

    quiet = {"verbosity": 0, "stdout": open(os.devnull, "w")}  # noqa: SIM115
    call_command("migrate", **quiet)
    call_command("seed_demo", **quiet)
    call_command("seed_demo_documents", **quiet)
    call_command("seal_certificate_create", "--output", str(TMP / "seal.p12"), **quiet)
    contract = Contract.objects.get(numero="FL-24-0001")
    ids = {
        "contract": contract.pk,
        "vehicle": contract.beneficiaries.get(immatriculation="GE-481-KT").pk,
        "model": ProductAttestationModel.objects.get(
            product=contract.product, template__name="Attestation véhicule – événement"
        ).pk,
    }
    connections.close_all()
    return ids


def server_times(ids: list[int]) -> dict[int, tuple[float, float, str]]:
    """(recorded, ready) epoch seconds and status of each request, as the database has them."""
    from django.db import connections

    from documents.models import AttestationRequest

    rows = AttestationRequest.objects.filter(pk__in=ids).values_list(
        "pk", "created_at", "updated_at", "status"
    )
    times = {pk: (created.timestamp(), updated.timestamp(), s) for pk, created, updated, s in rows}
    connections.close_all()
    return times


@contextlib.contextmanager
def runserver(ports: list[int]):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "CONVERTER_PORTS": ",".join(map(str, ports)),
        "SEAL_PKCS12_PATH": str(TMP / "seal.p12"),
        "SEAL_PKCS12_PASSWORD_FILE": str(TMP / "seal.p12.password"),
    }
    with open(TMP / "runserver.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base}/extranet/connexion/", timeout=2).close()
                break
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError((TMP / "runserver.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def every_second(route) -> None:
    """The status part as it was: polled every second, whatever the request's age."""
    response = route.fetch()
    body = re.sub(r'hx-trigger="load delay:\d+ms, every 2s"', 'hx-trigger="every 1s"',
                  response.text())  # fmt: skip
    route.fulfill(response=response, body=body)


def one_request(page, base: str, ids: dict, serial: int) -> dict:
    """One request, from the form to the link; its times in epoch seconds and its polls."""
    page.goto(
        f"{base}/extranet/contrats/{ids['contract']}/attestation/"
        f"?beneficiaire={ids['vehicle']}&modele={ids['model']}"
    )
    page.evaluate("sessionStorage.clear()")
    page.get_by_label("Motif du déplacement ou de l'événement").fill(
        f"Salon Solutrans, Lyon Eurexpo – mesure {serial}"
    )
    polls = []
    listener = lambda request: polls.append(request) if request.headers.get("hx-request") else None  # noqa: E731
    page.on("request", listener)
    page.get_by_role("button", name="Envoyer la demande").click()
    page.get_by_role("link", name="Télécharger l'attestation (PDF)").wait_for(timeout=60_000)
    page.remove_listener("request", listener)
    clicked, shown, seen = page.evaluate(
        "['clickedAt', 'shownAt', 'seenAt'].map((key) => sessionStorage.getItem(key))"
    )
    request_id = int(STATUS_PATH.search(page.url).group(1))
    return {
        "id": request_id,
        "clicked": float(clicked) / 1000,
        "shown": float(shown) / 1000,
        "seen": float(seen) / 1000,
        "polls": len(polls),
    }


def measure(base: str, ids: dict, args) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from contracts.demo import DEMO_PASSWORD

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        context.add_init_script(PAGE_CLOCK)
        page = context.new_page()
        if args.every_second:
            page.route(re.compile(r"/extranet/demandes/\d+/$"), every_second)
        page.goto(f"{base}/extranet/connexion/")
        page.get_by_label("Adresse e-mail").fill(CLIENT)
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(f"{base}/extranet/")
        runs = [one_request(page, base, ids, n) for n in range(args.warmup + args.requests)]
        browser.close()
    return runs[args.warmup :]


def report(runs: list[dict], args) -> None:
    server = server_times([run["id"] for run in runs])
    not_ready = [pk for pk, (*_t, status) in server.items() if status != "ready"]
    mode = "every 1s (comme avant)" if args.every_second else "adaptatif (100/250/1000 ms)"
    print(f"\n-- {len(runs)} demandes une à une, sondage {mode}")
    print(
        line(
            "clic « Envoyer la demande » → lien affiché",
            [run["seen"] - run["clicked"] for run in runs],
            "   (cible p50 ≤ 0,5 s)",
        )
    )
    print(line("  page de la demande affichée", [run["shown"] - run["clicked"] for run in runs]))
    print(line("  côté serveur (enregistrée → prête)", [r - c for c, r, _s in server.values()]))
    print(
        line(
            "  lien affiché après le PDF prêt",
            [run["seen"] - server[run["id"]][1] for run in runs],
            "   (cible ≤ 0,2 s)",
        )
    )
    at_once = sum(run["seen"] <= run["shown"] for run in runs)
    print(f"{'  lien déjà dans la page à son affichage':<44}: {at_once} sur {len(runs)}")
    polls = [run["polls"] for run in runs]
    print(f"{'  sondages par demande':<44}: médiane {statistics.median(polls):g}, max {max(polls)}")
    print(f"{'  demandes pas prêtes':<44}: {len(not_ready)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="demandes mesurées")
    parser.add_argument("--warmup", type=int, default=2, help="demandes d'échauffement")
    parser.add_argument(
        "--every-second", action="store_true", help="sondage « every 1s », comme avant"
    )
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} cœurs, charge avant (1/5/15 min) : "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    ids = seed()
    from tests.converter_pool import running_pool

    with running_pool(2, TMP / "converters.log") as ports, runserver(ports) as base:
        runs = measure(base, ids, args)
    report(runs, args)
    print(f"charge après : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    try:
        main()
    finally:
        _TMP.cleanup()
