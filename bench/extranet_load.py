"""Load test of the extranet's attestation requests, end to end, as in production.

    .venv/bin/python bench/extranet_load.py [--clients 16] [--requests 160] [--workers 4]
                                            [--web-workers 3] [--rate 6,0] [--poll 0.05|htmx]

Own database, Redis, converters, worker and gunicorn; POST → PDF per phase; docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics

import django
from load_clients import Run, load
from load_env import _TMP, TMP, database_recreate, redis_flush, seed
from load_processes import Processes, cpu_seconds, cpu_spent, leftovers, start_web, start_worker
from load_processes import order as _order


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
    print(
        f"{'sondages par demande':<38}: médiane {statistics.median(polls) if polls else 0:g}, "
        f"moyenne {statistics.fmean(polls) if polls else 0:.1f}"
    )
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


def _poll(value: str) -> float | None:
    return None if value == "htmx" else float(value)


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
    parser.add_argument(
        "--poll",
        type=_poll,
        default=0.05,
        help="secondes entre deux sondages, ou « htmx » : le délai que la page donne",
    )
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
        f"{args.clients} clients, sondage "
        + (f"toutes les {_ms(args.poll)}" if args.poll is not None else "au délai de la page")
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
