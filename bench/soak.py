"""Soak test: a steady load for a long time, through nginx, gunicorn, the worker and 2 converters.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 6] [--clients 16]

Prints 5xx and other errors, requests lost or duplicated, « Envoyer » → PDF p50/p95, and each
role's memory at the start, middle and end of the run (flat after warm-up); docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import threading
import time

import django
from load_clients import Run, load
from load_env import _TMP, BASE_DIR, TMP, database_recreate, redis_flush, seed
from load_processes import (
    Processes,
    free_port,
    leftovers,
    order,
    rss_by_part,
    start_web,
    start_worker,
    wait_for,
)

NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-body;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  upstream app {{ server {upstream}; keepalive 32; }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 20m;
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
"""


def start_nginx(processes: Processes, upstream: str) -> str:
    """nginx from Debian in front of gunicorn, in the foreground, with a config of ours."""
    port = free_port()
    conf = TMP / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=TMP, upstream=upstream, port=port))
    processes.start("nginx", ["nginx", "-p", str(TMP), "-c", str(conf), "-g", "daemon off;"])
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        return subprocess.run(["curl", "-sf", "-o", "/dev/null", f"{base}/extranet/connexion/"],
                              check=False).returncode == 0  # fmt: skip

    wait_for(answers, "nginx", processes, "nginx")
    return base


def sample_memory(processes: Processes, ports: list[int], moments: dict, stop: threading.Event,
                  minutes: float) -> None:  # fmt: skip
    """Each role's memory once warm (after the first minute), at the middle and at the end."""
    marks = {"début": 60.0, "milieu": minutes * 30, "fin": minutes * 60 - 5}
    started = time.monotonic()
    for label, at in sorted(marks.items(), key=lambda item: item[1]):
        if stop.wait(max(0.0, started + at - time.monotonic())):
            return
        moments[label] = rss_by_part(processes.groups(), ports)


def report(run: Run, moments: dict, minutes: float) -> None:
    from extranet_load import database_check, percentile

    totals = [t.total for t in run.timings]
    elapsed = max(run.ended - run.started, 1e-9)
    server_errors = [e for e in run.errors if "HTTP 5" in e]
    print(f"\n-- {minutes:g} min : {len(totals)} attestations, {len(totals) / elapsed:.2f}/s")
    if totals:
        print(
            f"« Envoyer » → PDF téléchargé : p50 {statistics.median(totals) * 1000:.0f} ms, "
            f"p95 {percentile(totals, 95) * 1000:.0f} ms (cible p95 ≤ 1 s)"
        )
    print(f"erreurs : {len(run.errors)} dont {len(server_errors)} réponses 5xx")
    for error in run.errors[:10]:
        print(f"  {error}")
    for line in database_check(run):
        print(line)
    moments = {label: moments[label] for label in ("début", "milieu", "fin") if label in moments}
    parts = sorted({part for sample in moments.values() for part in sample}, key=order)
    print("mémoire (Mo)    " + "".join(f"{label:>10}" for label in moments))
    for part in parts:
        values = "".join(f"{moments[label].get(part, 0) / 2**20:>10.0f}" for label in moments)
        print(f"  {part:<14}{values}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=6, help="demandes par seconde")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="concurrence du worker Celery")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--poll", type=float, default=0.05)
    args = parser.parse_args()
    args.requests = int(args.minutes * 60 * args.rate)
    os.environ["DATABASE_URL"] += "?conn_max_age=600&conn_health_checks=true"
    os.environ["TRUSTED_PROXIES"] = "127.0.0.1"
    print(
        f"{args.minutes:g} min à {args.rate:g} demandes/s, {args.clients} clients, nginx → "
        f"gunicorn ×{args.web_workers}, worker ×{args.workers}, 2 convertisseurs"
    )
    database_recreate()
    redis_flush()
    django.setup()
    from django.db import connections

    from tests.converter_pool import running_pool

    accounts = seed(args.clients)
    connections.close_all()
    processes, ports, moments, stop = Processes(), [], {}, threading.Event()
    try:
        with running_pool(2, TMP / "converters.log") as ports:
            os.environ["CONVERTER_PORTS"] = ",".join(map(str, ports))
            try:
                start_worker(processes, args.workers)
                upstream = start_web(processes, args.web_workers).removeprefix("http://")
                base = start_nginx(processes, upstream)
                sampler = threading.Thread(
                    target=sample_memory, args=(processes, ports, moments, stop, args.minutes)
                )
                sampler.start()
                run = load(base, accounts, args, lambda: {}, rate=args.rate, warmup=1)
                stop.set()
                sampler.join()
                moments.setdefault("fin", rss_by_part(processes.groups(), ports))
            finally:
                stop.set()
                processes.stop_all()
    finally:
        redis_flush()
    report(run, moments, args.minutes)
    left = leftovers(processes.groups(), ports)
    print(f"processus restants : {len(left) or 'aucun'}")


if __name__ == "__main__":
    os.chdir(BASE_DIR)
    try:
        main()
    finally:
        _TMP.cleanup()
