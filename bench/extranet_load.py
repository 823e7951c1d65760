"""Load test of the extranet's attestation requests, end to end, as in production.

    .venv/bin/python bench/extranet_load.py [--clients 16] [--requests 160] [--workers 4]
                                            [--web-workers 3] [--rate 6,0] [--poll 0.05]

Sets everything up itself, beside `make run` and the test suites:
- a PostgreSQL database of its own, `modulr_bench` (dropped and created again each run, then
  migrated and seeded: the demo cabinet, its attestation models, and one extranet account
  per client, each with an eligible fleet contract of three vehicles; left for inspection);
- a Redis database of its own (`redis://127.0.0.1:6379/7`, flushed at the start and the end);
- the converter pool (`manage.py run_converters` on free ports, one per core), a Celery worker
  (`--pool prefork --concurrency --workers`) and gunicorn (`--web-workers`) on a free port,
  all with the same environment (private files in a temporary folder, django-axes off, the
  hourly request limit raised).

Each client thread logs in through the real login form (CSRF), then loops: GET the request
form for one of its vehicles, POST « Envoyer la demande » (motif and dates of the demo model
« Attestation véhicule – événement »), follow to the status page, poll its status part (the
URL htmx polls, with `HX-Request`) every `--poll` seconds until the download link shows, then
download the file and check it is a PDF. Latency runs from the POST to the PDF downloaded.
A warm-up round per client comes first. Every process started is stopped at the end, and
the script checks that none is left.

Two phases by default (`--rate 6,0`). First request i is sent at t0 + i/6 s (open loop,
spread over the 16 clients): the latency at the target throughput. Then the clients send back
to back (closed loop): that gives the throughput under saturation, but each client then waits
for the others' attestations too, so its latency is about clients ÷ throughput (16 ÷ 7/s ≈
2.3 s a round), whatever the machine. In that order because a paced phase measured right
after the saturation burst comes out slower (p50 360–550 ms instead of 300–330 ms, seen on
2 cores): `--rate 0,6` shows it.

Defaults, as tuned on a 2-core machine (figures in README « Performances »):
- Celery `--concurrency 4`, two jobs per converter: while one converts, the other renders or
  stores and takes the converter the moment it frees. With 2 the converters wait for the jobs
  (more polls, lower throughput); with 6 more processes share two cores and memory for no gain.
- gunicorn `--workers 3` (sync): pages are short and CPU-bound; one more worker than cores
  covers the time a worker waits on PostgreSQL or the disk. 2 is as good, 5 is worse.
- `conn_max_age=600` in `DATABASE_URL`: without it every request opens a PostgreSQL
  connection (a backend forked each time): about 10 % of throughput. (Long enough for the
  backends to outlive a run, so that their CPU time is counted.)
- `--poll 0.05`: the link is seen at most 50 ms late, for ~4.5 ms of CPU per poll.

Targets (issue 4), 2 cores: p50 ≤ 400 ms, p95 ≤ 1.5 s, ≥ 6 attestations/s, no error.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import html
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DB_NAME = "modulr_bench"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "bench-modulr-2026"
_TMP = tempfile.TemporaryDirectory(prefix="modulr-load-")
TMP = Path(_TMP.name)

# Before Django starts: the environment of this process, and of every process it starts.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "modulr.settings",
        "DATABASE_URL": f"{POSTGRES_URL}/{DB_NAME}",
        "CELERY_BROKER_URL": REDIS_URL,
        "PRIVATE_ROOT": str(TMP / "private"),
        "AXES_ENABLED": "false",
        "ATTESTATION_REQUESTS_PER_HOUR": "1000000",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        # Temporary files of every process started (render zygotes' sockets) under ours.
        "TMPDIR": str(TMP),
    }
)

import django  # noqa: E402

START_TIMEOUT = 60
ATTESTATION_TIMEOUT = 60


# -- set-up: database, Redis, seed ------------------------------------------------------------


def database_recreate() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()


@dataclass
class Account:
    email: str
    contract_id: int
    vehicle_ids: list[int]


def seed(clients: int) -> list[Account]:
    """The demo cabinet and models, then one extranet account per client thread, each with an
    eligible fleet contract (in force, today covered by a paid quittance) of three vehicles."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from contracts.models import Beneficiary, Client, Contract, ExtranetAccess, Payment, Quittance
    from products.models import BeneficiaryKind, Product

    quiet = {"verbosity": 0, "stdout": open(os.devnull, "w")}  # noqa: SIM115
    call_command("migrate", **quiet)
    call_command("seed_demo", **quiet)
    call_command("seed_demo_documents", **quiet)
    User = get_user_model()
    manager = User.objects.get(username="gestionnaire")
    fleet = Product.objects.get(name="Flotte automobile")
    today = datetime.date.today()
    accounts = []
    for n in range(1, clients + 1):
        email = f"flotte-{n:02d}@bench.modulr.test"
        user, _ = User.objects.update_or_create(
            username=email, defaults={"email": email, "is_staff": False, "is_active": True}
        )
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        client, _ = Client.objects.update_or_create(
            nom=f"Transports Bench {n:02d} SAS",
            defaults={"adresse": f"{n} rue du Port", "code_postal": "69007", "ville": "Lyon",
                      "siren": f"{900000000 + n}", "account_manager": manager},
        )  # fmt: skip
        ExtranetAccess.objects.get_or_create(user=user, client=client)
        contract, _ = Contract.objects.update_or_create(
            numero=f"FL-BENCH-{n:04d}",
            defaults={"client": client, "product": fleet, "assureur": "AXA France IARD",
                      "date_effet": today.replace(year=today.year - 1, month=1, day=1),
                      "echeance_principale": "01/01", "status": Contract.Status.EN_COURS},
        )  # fmt: skip
        quittance, _ = Quittance.objects.update_or_create(
            numero=f"FL-BENCH-{n:04d}-T1",
            defaults={"contract": contract, "periode_debut": today - datetime.timedelta(days=30),
                      "periode_fin": today + datetime.timedelta(days=60), "prime_ht": 1000,
                      "prime_ttc": 1200},
        )  # fmt: skip
        if not quittance.payments.exists():
            Payment.objects.create(quittance=quittance, date=today, montant=1200)
        vehicles = [
            Beneficiary.objects.update_or_create(
                contract=contract, kind=BeneficiaryKind.VEHICULE,
                immatriculation=f"BE-{n:03d}-{suffix}",
                defaults={"marque": "Renault", "modele": "Master", "vin": "VF1MA000064123457",
                          "date_entree": contract.date_effet},
            )[0].pk
            for suffix in ("AA", "BB", "CC")
        ]  # fmt: skip
        accounts.append(Account(email=email, contract_id=contract.pk, vehicle_ids=vehicles))
    return accounts


# -- processes --------------------------------------------------------------------------------


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


_PARTS = ["gunicorn", "worker", "rendu", "convertisseurs", "postgresql", "redis"]


def _order(part: str) -> int:
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


# -- the clients ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DOWNLOAD = re.compile(r'href="(/extranet/documents/\d+/telecharger/)"')
STATUS = re.compile(r"request-status--(\w+)")


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


def attestation(browser: BrowserLike, account: Account, vehicle: int, poll: float) -> Timing:
    form_path = f"/extranet/contrats/{account.contract_id}/attestation/"
    _url, form = browser.request(f"{form_path}?beneficiaire={vehicle}")
    form = form.decode()
    if 'name="champ_motif"' not in form:
        raise ClientError("le formulaire ne propose pas le modèle « événement »")
    today = datetime.date.today()
    data = {
        "csrfmiddlewaretoken": CSRF.search(form).group(1),
        "beneficiaire": str(vehicle),
        "champ_motif": "Salon Solutrans, Lyon Eurexpo",
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
        time.sleep(poll)
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


def percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _line(label: str, values: list[float], note: str = "") -> str:
    if not values:
        return f"{label:<38}: aucune mesure"
    return (
        f"{label:<38}: p50 {_ms(statistics.median(values))}, p95 {_ms(percentile(values, 95))}, "
        f"max {_ms(max(values))}{note}"
    )


def database_check(run: Run) -> list[str]:
    """What the database says about the measured requests (server side, no polling)."""
    from django.db import connections

    from documents.models import AttestationRequest, Document

    connections.close_all()
    ids = [timing.request_id for timing in run.timings]
    rows = list(
        AttestationRequest.objects.filter(pk__in=ids).values_list(
            "status", "created_at", "updated_at", "numero"
        )
    )
    server = [(updated - created).total_seconds() for _s, created, updated, _n in rows]
    statuses = {status for status, *_ in rows}
    numbers = Document.objects.values_list("numero", flat=True)
    lines = [
        _line("  côté serveur (enregistrée → prête)", server),
        f"{'base':<38}: {AttestationRequest.objects.count()} demandes "
        f"(mesurées : {', '.join(sorted(statuses)) or '—'}), {len(numbers)} documents, "
        f"{len(set(numbers))} n° distincts",
    ]
    connections.close_all()
    return lines


def report(run: Run, *, rate: float, warmup: int) -> None:
    done, elapsed = len(run.timings), max(run.ended - run.started, 1e-9)
    pace = f"{rate:g} demandes/s" if rate else "au plus vite"
    print(
        f"\n-- {pace} : {done} attestations mesurées (+{warmup} d'échauffement) en {elapsed:.1f} s"
    )
    print(
        _line(
            "« Envoyer la demande » → PDF téléchargé",
            [t.total for t in run.timings],
            "   (cible p50 ≤ 400 ms, p95 ≤ 1,5 s)",
        )
    )
    print(_line("  → lien de téléchargement affiché", [t.ready for t in run.timings]))
    for line in database_check(run):
        print(line)
    polls = [t.polls for t in run.timings]
    print(f"{'sondages par demande':<38}: médiane {statistics.median(polls) if polls else 0:g}")
    print(f"{'débit':<38}: {done / elapsed:.1f} attestations/s   (cible ≥ 6/s)")
    if rate:
        print(f"{'retard max sur le rythme demandé':<38}: {_ms(run.late)}")
    if done:
        spent = cpu_spent(run.cpu_before, run.cpu_after)
        busy, total = spent.pop("_machine_busy"), spent.pop("_machine_total")
        print(
            f"{'CPU par attestation':<38}: "
            + ", ".join(f"{name} {_ms(spent[name] / done)}" for name in sorted(spent, key=_order))
            + f" ; total {_ms(sum(spent.values()) / done)}"
        )
        print(
            f"{'CPU de la machine pendant la mesure':<38}: occupée à {busy / total:.0%}, "
            f"dont {sum(spent.values()) / total:.0%} compté ci-dessus (le reste : les enfants de "
            "rendu, que leur zygote ne compte pas, les connexions PostgreSQL de courte durée, les "
            "autres processus de la machine)"
        )
    print(f"{'erreurs':<38}: {len(run.errors)}")
    for error in run.errors[:10]:
        print(f"  {error}")


def _rates(value: str) -> list[float]:
    return [float(rate) for rate in value.split(",") if rate.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=160, help="attestations mesurées par phase")
    parser.add_argument(
        "--warmup", type=int, default=1, help="attestations par client avant la 1re phase"
    )
    parser.add_argument("--workers", type=int, default=4, help="concurrence du worker Celery")
    parser.add_argument("--web-workers", type=int, default=3, help="workers gunicorn (sync)")
    parser.add_argument("--converters", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--poll", type=float, default=0.05, help="secondes entre deux sondages")
    parser.add_argument(
        "--rate",
        type=_rates,
        default=[6, 0],
        help="une phase par rythme, en demandes/s, séparés par des virgules ; 0 : au plus vite "
        "(défaut 6,0 : la latence à 6 demandes/s, puis le débit en saturation)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=600,
        help="connexions PostgreSQL persistantes de gunicorn et du worker, en secondes "
        "(?conn_max_age= dans DATABASE_URL ; 0 : une connexion par requête, le défaut de Django)",
    )
    args = parser.parse_args()
    if args.conn_max_age:
        os.environ["DATABASE_URL"] += f"?conn_max_age={args.conn_max_age}&conn_health_checks=true"

    print(
        f"{os.cpu_count()} cœurs, charge avant (1/5/15 min) : "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(
        f"{args.converters} convertisseurs, worker Celery prefork ×{args.workers}, gunicorn "
        f"×{args.web_workers}, connexions PostgreSQL gardées {args.conn_max_age} s, "
        f"{args.clients} clients, sondage toutes les {_ms(args.poll)}"
    )
    database_recreate()
    redis_flush()
    django.setup()
    from django.db import connections

    from tests.converter_pool import running_pool

    accounts = seed(args.clients)
    connections.close_all()  # the bench holds no connection while it runs

    processes, ports, runs = Processes(), [], []
    try:
        with running_pool(args.converters, TMP / "converters.log") as ports:
            os.environ["CONVERTER_PORTS"] = ",".join(map(str, ports))
            try:
                start_worker(processes, args.workers)
                base = start_web(processes, args.web_workers)
                for phase, rate in enumerate(args.rate):
                    warmup = args.warmup if phase == 0 else 0
                    run = load(
                        base, accounts, args, lambda: cpu_seconds(processes.groups(), ports),
                        rate=rate, warmup=warmup,
                    )  # fmt: skip
                    runs.append((run, rate, warmup * len(accounts)))
            finally:
                processes.stop_all()
    finally:
        redis_flush()
    left = leftovers(processes.groups(), ports)

    for run, rate, warmup in runs:
        report(run, rate=rate, warmup=warmup)
    print(f"\n{'processus restants':<38}: {len(left) or 'aucun'}")
    for line in left:
        print(f"  {line}")
    print(f"charge après : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    try:
        main()
    finally:
        _TMP.cleanup()
