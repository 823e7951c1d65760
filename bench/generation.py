"""Benchmark of attestation generation: render, convert, seal, store (``attestation_generate``).

    .venv/bin/python bench/generation.py [--runs 50] [--conversions 1000] [--count 2]

Own SQLite database, files and converter pool (never ``var/``); what it prints: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
_TMP = tempfile.TemporaryDirectory(prefix="modulr-bench-")
# Before Django starts: our own database and files.
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP.name}/bench.sqlite3"
os.environ["PRIVATE_ROOT"] = f"{_TMP.name}/private"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modulr.settings")
# DEBUG stays off (it would keep every query in memory); a key of the run's own.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
sys.path.insert(0, str(BASE_DIR))

_spec = importlib.util.spec_from_file_location(
    "bench_conversion", BASE_DIR / "bench" / "conversion.py"
)
conv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conv)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from contracts.models import Contract  # noqa: E402
from docgen import template as sandbox_template  # noqa: E402
from documents import engine  # noqa: E402
from documents.engine import render_docx  # noqa: E402
from documents.models import Document, DocumentTemplate  # noqa: E402
from documents.services import attestation_generate  # noqa: E402
from documents.tags import tag_context  # noqa: E402

VALUES = {"motif": "Salon Solutrans", "date_debut": "17/11/2026", "date_fin": "21/11/2026"}


def _setup():
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("seed_demo_documents", "--force", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    template = DocumentTemplate.objects.get(name="Attestation véhicule – événement")
    contract = Contract.objects.get(numero="FL-24-0001")
    vehicle = contract.beneficiaries.get(immatriculation="GE-481-KT")
    with template.file.open("rb") as handle:
        model = handle.read()
    return template, contract, vehicle, model


def _seal_settings_make() -> dict[str, str]:
    """A trial seal certificate of the run's own, as ``manage.py seal_certificate_create``
    leaves it: the settings that turn the seal on."""
    passphrase = secrets.token_urlsafe(32)
    p12 = Path(_TMP.name) / "seal.p12"
    p12.write_bytes(engine.seal_certificate_create(name="Cabinet", passphrase=passphrase.encode()))
    password_file = p12.with_name("seal.p12.password")
    password_file.write_text(passphrase + "\n")
    return {"SEAL_PKCS12_PATH": str(p12), "SEAL_PKCS12_PASSWORD_FILE": str(password_file)}


def _seal(on: dict[str, str] | None) -> None:
    """Seal on (``on``: its settings) or off; no timestamp authority either way."""
    settings.SEAL_PKCS12_PATH = ""
    settings.SEAL_PKCS12_PASSWORD = ""
    settings.SEAL_PKCS12_PASSWORD_FILE = ""
    settings.SEAL_TIMESTAMP_URL = ""
    for name, value in (on or {}).items():
        setattr(settings, name, value)


def _summary(label: str, timings: list[float], note: str = "") -> str:
    p50, p95 = statistics.median(timings), conv.percentile(timings, 95)
    return f"{label:<36}: p50 {conv._ms(p50)}, p95 {conv._ms(p95)} sur {len(timings)}{note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--oneshot-runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--throughput-total", type=int, default=160)
    parser.add_argument("--conversions", type=int, default=1000)
    args = parser.parse_args()

    template, contract, vehicle, model = _setup()
    seal_settings = _seal_settings_make()
    _seal(None)  # the figures below are without the seal, unless they say so
    context = tag_context(contract=contract, beneficiary=vehicle, numero="ATT-2026-000001")
    plain = {**context, **VALUES}

    def render(_docx=None):
        return render_docx(template=model, context=context, values=VALUES)

    def generate(_docx=None):
        return attestation_generate(
            template=template, contract=contract, beneficiary=vehicle, values=VALUES, shared=True
        )

    print(f"{os.cpu_count()} cœurs ; {args.count} convertisseurs ; modèle « {template.name} »")
    rendered = conv.measure_latency(render, model, runs=args.runs)
    in_process = conv.measure_latency(
        lambda _d: sandbox_template.render(model, plain, strict=False), model, runs=args.runs
    )
    print(_summary("rendu (sandbox, processus fils)", rendered))
    print(_summary("  docxtpl seul, dans le processus", in_process, "  (pour comparaison)"))

    settings.CONVERTER_PORTS = []
    oneshot = conv.measure_latency(generate, model, runs=args.oneshot_runs, warmup=1)
    with conv.running_pool(args.count, Path(_TMP.name) / "supervisor.log") as ports:
        settings.CONVERTER_PORTS = ports
        warm = conv.measure_latency(generate, model, runs=args.runs)
        _seal(seal_settings)
        sealed = conv.measure_latency(generate, model, runs=args.runs)
        unsealed_pdf = conv.pool_convert(ports)(render())
        seal_only = conv.measure_latency(
            lambda pdf: engine.seal_pdf(pdf, cabinet_name="Cabinet"), unsealed_pdf, runs=args.runs
        )
        _seal(None)
        converted = conv.measure_latency(conv.pool_convert(ports), render(), runs=args.runs)
        started = time.perf_counter()
        rate, failed = conv.measure_throughput(
            generate, model, total=args.throughput_total, concurrency=args.concurrency
        )
        print(_summary("génération, pool chaud", warm, "  (n°, rendu, PDF, stockage)"))
        print(_summary("  dont conversion seule (pool)", converted))
        print(_summary("génération, pool chaud, avec cachet", sealed))
        print(
            _summary("  dont cachet seul", seal_only, "  (cible : cachet < 150 ms)")
            + f" ; écart des p50 : {conv._ms(statistics.median(sealed) - statistics.median(warm))}"
        )
        print(_summary("génération, soffice one-shot", oneshot))
        print(f"{'rapport':<36}: {statistics.median(oneshot) / statistics.median(warm):.1f}×")
        print(
            f"{f'{args.concurrency} générations en parallèle':<36}: {rate:.1f} attestations/s, "
            f"{failed} échec(s) sur {args.throughput_total} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        samples, memory_failed = conv.measure_memory(generate, model, ports, total=args.conversions)
    curve = ", ".join(f"{done}: {conv._mb(rss)}" for done, rss in samples)
    print(
        f"{'mémoire des convertisseurs':<36}: {conv._mb(samples[0][1])} avant, "
        f"{conv._mb(samples[-1][1])} après {samples[-1][0]} générations, max "
        f"{conv._mb(max(rss for _, rss in samples))}, {memory_failed} échec(s)"
    )
    print(f"  courbe : {curve}")
    numbers = set(Document.objects.values_list("numero", flat=True))
    print(
        f"{'documents enregistrés':<36}: {Document.objects.count()} ({len(numbers)} n° distincts)"
    )


if __name__ == "__main__":
    try:
        main()
    finally:
        _TMP.cleanup()
