"""The load bench's clients: one thread per extranet account, acting like a browser without
JavaScript (log in, « Envoyer la demande », poll the status part as htmx does, download the
PDF), either back to back or paced at a given rate.
"""

from __future__ import annotations

import datetime
import html
import itertools
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar

from load_env import ATTESTATION_TIMEOUT, PASSWORD, Account

# -- the clients ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOWNLOAD = re.compile(r'href="(/extranet/documents/\d+/telecharger/)"')
STATUS = re.compile(r"request-status--(\w+)")
POLL_DELAY = re.compile(r'hx-trigger="load delay:(\d+)ms')


_SERIAL = itertools.count(1)


class ClientError(Exception):
    pass


class BrowserLike:
    """One extranet user: a cookie jar, redirects followed, like a browser without JS."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.geturl(), response.read()
        except urllib.error.HTTPError as error:
            raise ClientError(f"HTTP {error.code} sur {path}") from error

    def login(self, email: str) -> None:
        _url, page = self.request("/extranet/connexion/")
        token = CSRF.search(page.decode()).group(1)
        url, _page = self.request(
            "/extranet/connexion/",
            {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD, "next": ""},
        )
        if "/connexion/" in url:
            raise ClientError(f"connexion refusée pour {email}")


@dataclass
class Timing:
    total: float  # POST → PDF downloaded
    ready: float  # POST → download link seen
    polls: int
    request_id: int


def _poll_delay(page: str, poll: float | None) -> float:
    """``poll`` seconds, or (None) the delay the server put in the status part, as htmx does."""
    if poll is not None:
        return poll
    found = POLL_DELAY.search(page)
    return int(found.group(1)) / 1000 if found else 1.0


def attestation(browser: BrowserLike, account: Account, vehicle: int, poll: float | None) -> Timing:
    form_path = f"/extranet/contrats/{account.contract_id}/attestation/"
    _url, form = browser.request(f"{form_path}?beneficiaire={vehicle}")
    form = form.decode()
    if 'name="champ_motif"' not in form:
        raise ClientError("le formulaire ne propose pas le modèle « événement »")
    today = datetime.date.today()
    data = {
        "csrfmiddlewaretoken": CSRF.search(form).group(1),
        "beneficiaire": str(vehicle),
        # A motif of its own: the same request twice within seconds would be recorded once.
        "champ_motif": f"Salon Solutrans, Lyon Eurexpo – {next(_SERIAL)}",
        "champ_date_debut": f"{today:%d/%m/%Y}",
        "champ_date_fin": f"{today + datetime.timedelta(days=4):%d/%m/%Y}",
        "action": "send",
    }
    started = time.perf_counter()
    url, page = browser.request(form_path, data)  # « Envoyer la demande », then the redirect
    found = re.search(r"/extranet/demandes/(\d+)/$", url)
    if not found:
        errors = re.findall(r'role="alert"[^>]*>(.*?)</', page.decode(), re.S)
        raise ClientError(f"demande refusée : {' '.join(html.unescape(e) for e in errors)[:200]}")
    status_path = urllib.parse.urlparse(url).path
    page, polls = page.decode(), 0
    while not (link := DOWNLOAD.search(page)):
        status = STATUS.search(page)
        if status and status.group(1) not in ("pending", "generating"):
            raise ClientError(f"demande {found.group(1)} : statut {status.group(1)}")
        if time.perf_counter() - started > ATTESTATION_TIMEOUT:
            raise ClientError(f"demande {found.group(1)} : pas prête en {ATTESTATION_TIMEOUT} s")
        time.sleep(_poll_delay(page, poll))
        _url, body = browser.request(status_path, headers={"HX-Request": "true"})
        page, polls = body.decode(), polls + 1
    ready = time.perf_counter()
    _url, pdf = browser.request(link.group(1))
    if not pdf.startswith(b"%PDF"):
        raise ClientError(f"demande {found.group(1)} : le fichier téléchargé n'est pas un PDF")
    return Timing(time.perf_counter() - started, ready - started, polls, int(found.group(1)))


@dataclass
class Run:
    timings: list[Timing] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    late: float = 0.0  # --rate: the most a request was sent after its time (clients all busy)
    cpu_before: dict = field(default_factory=dict)
    cpu_after: dict = field(default_factory=dict)


def load(base: str, accounts: list[Account], args, cpu, *, rate: float, warmup: int) -> Run:
    """One phase: the clients' threads log in, warm up, then share ``args.requests`` requests,
    back to back (``rate`` 0) or paced; ``cpu()`` is sampled when the measure starts and ends."""
    run = Run()
    lock = threading.Lock()
    tickets = iter(range(args.requests))

    def measured_phase_starts():
        run.cpu_before = cpu()
        run.started = time.perf_counter()

    barrier = threading.Barrier(len(accounts), action=measured_phase_starts)

    def client(account: Account) -> None:
        browser = BrowserLike(base)
        turn = 0
        try:
            browser.login(account.email)
            for _ in range(warmup):
                attestation(browser, account, account.vehicle_ids[0], args.poll)
        except Exception as error:  # noqa: BLE001 - reported, the other clients go on
            with lock:
                run.errors.append(f"échauffement {account.email} : {error}")
        barrier.wait()
        while True:
            with lock:
                ticket = next(tickets, None)
            if ticket is None:
                break
            if rate:
                due = run.started + ticket / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                else:
                    with lock:
                        run.late = max(run.late, -delay)
            turn += 1
            vehicle = account.vehicle_ids[turn % len(account.vehicle_ids)]
            try:
                timing = attestation(browser, account, vehicle, args.poll)
            except Exception as error:  # noqa: BLE001
                with lock:
                    run.errors.append(f"{account.email} : {error}")
                continue
            with lock:
                run.timings.append(timing)
                run.ended = time.perf_counter()

    threads = [threading.Thread(target=client, args=(a,), daemon=True) for a in accounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.requests * ATTESTATION_TIMEOUT)
    run.cpu_after = cpu()
    return run


# -- report -----------------------------------------------------------------------------------
