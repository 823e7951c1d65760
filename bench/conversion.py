"""Benchmark of the PDF conversion: warm pool vs one-shot soffice, throughput, converter memory.

    .venv/bin/python bench/conversion.py [--count 2] [--conversions 1000] [--stop-after 500]

Own converter pool on free ports, docgen called directly (no Django); docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import io
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
# The pool is started by `manage.py run_converters`: production settings want a key of their own.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))

from docx import Document  # noqa: E402

from docgen import ConversionError, convert_to_pdf, instance_memory  # noqa: E402
from tests.converter_pool import STATE_DIR, running_pool  # noqa: E402

Convert = Callable[[bytes], bytes]


def pool_convert(ports: list[int]) -> Convert:
    """docgen's conversion on the pool of `ports` (none: one-shot soffice)."""
    return functools.partial(convert_to_pdf, ports=ports, state_dir=STATE_DIR)


def one_page_model() -> bytes:
    """A one-page attestation: header, footer, title, paragraphs and a table of guarantees."""
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Cabinet Martin Courtage – ORIAS n° 07 000 000"
    section.header.add_paragraph("12 rue de la République, 69002 Lyon")
    section.footer.paragraphs[0].text = "Attestation ATT-2026-00042 délivrée le 28/11/2026 – 1/1"
    document.add_heading("Attestation d'assurance responsabilité civile", level=1)
    document.add_paragraph(
        "Nous soussignés, Cabinet Martin Courtage, attestons que Transports Dupont SAS, "
        "SIRET 123 456 789 00012, est titulaire du contrat n° RC-2026-001 souscrit auprès "
        "de la compagnie Assureur Mutuel, en vigueur du 01/01/2026 au 31/12/2026."
    )
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, ("Garantie", "Plafond", "Franchise"), strict=True):
        cell.text = title
    for name, ceiling, deductible in [
        ("Responsabilité civile exploitation", "5 000 000,00 €", "500,00 €"),
        ("Responsabilité civile professionnelle", "2 000 000,00 €", "1 000,00 €"),
        ("Défense et recours", "30 000,00 €", "0,00 €"),
        ("Marchandises transportées", "150 000,00 €", "750,00 €"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = name, ceiling, deductible
    document.add_paragraph("Fait pour servir et valoir ce que de droit, le 28/11/2026.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def measure_latency(convert: Convert, docx: bytes, *, runs: int, warmup: int = 3) -> list[float]:
    """Seconds per call, one call at a time, after `warmup` calls not counted."""
    for _ in range(warmup):
        convert(docx)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        convert(docx)
        timings.append(time.perf_counter() - started)
    return timings


def measure_throughput(
    convert: Convert, docx: bytes, *, total: int, concurrency: int
) -> tuple[float, int]:
    """(documents per second, failures) with `concurrency` callers sharing `total` calls."""
    failures = 0
    lock = threading.Lock()

    def one(_):
        nonlocal failures
        try:
            convert(docx)
        except ConversionError:
            with lock:
                failures += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as executor:
        list(executor.map(one, range(total)))
    return total / (time.perf_counter() - started), failures


def converters_rss(ports: list[int]) -> int:
    """Resident memory of every process of the pool (unoserver, launcher, soffice.bin)."""
    return sum(instance_memory(STATE_DIR, port) for port in ports)


def measure_memory(
    convert: Convert, docx: bytes, ports: list[int], *, total: int, every: int = 100
) -> tuple[list[tuple[int, int]], int]:
    """([(conversions done, pool RSS)], failures), converting with one caller per converter."""
    samples = [(0, converters_rss(ports))]
    failures = 0
    for done in range(0, total, every):
        _, failed = measure_throughput(
            convert, docx, total=min(every, total - done), concurrency=len(ports)
        )
        failures += failed
        samples.append((min(done + every, total), converters_rss(ports)))
    return samples, failures


def oneshot_latency(docx: bytes, *, runs: int) -> list[float]:
    return measure_latency(pool_convert([]), docx, runs=runs, warmup=1)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} Mo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--oneshot-runs", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--throughput-total", type=int, default=160)
    parser.add_argument("--conversions", type=int, default=1000)
    parser.add_argument("--max-memory", type=int, default=768, help="Mo par convertisseur")
    parser.add_argument("--stop-after", type=int, default=0, help="0 : jamais")
    args = parser.parse_args()

    docx = one_page_model()
    version = subprocess.run(["soffice", "--version"], capture_output=True, text=True).stdout
    print(f"{version.strip()} ; {os.cpu_count()} cœurs ; {args.count} convertisseurs")

    oneshot = oneshot_latency(docx, runs=args.oneshot_runs)
    options = ("--max-memory", str(args.max_memory), "--stop-after", str(args.stop_after))
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_pool(args.count, Path(tmp) / "supervisor.log", *options) as ports,
    ):
        convert = pool_convert(ports)
        warm = measure_latency(convert, docx, runs=args.runs)
        rate, failed = measure_throughput(
            convert, docx, total=args.throughput_total, concurrency=args.concurrency
        )
        samples, memory_failed = measure_memory(convert, docx, ports, total=args.conversions)
        restarts = (Path(tmp) / "supervisor.log").read_text().count("redémarrage")

    p50, p95 = statistics.median(warm), percentile(warm, 95)
    oneshot_p50 = statistics.median(oneshot)
    print(
        f"pool chaud        : p50 {_ms(p50)}, p95 {_ms(p95)} sur {len(warm)}   (cible p50 ≤ 250 ms)"
    )
    print(f"soffice one-shot  : p50 {_ms(oneshot_p50)} sur {len(oneshot)}")
    print(f"rapport           : {oneshot_p50 / p50:.1f}× plus rapide   (cible ≥ 6×)")
    print(
        f"{args.concurrency} en parallèle   : {rate:.1f} conversions/s, {failed} échec(s) "
        f"sur {args.throughput_total}   (cible ≥ 8/s, 0 échec)"
    )
    curve = ", ".join(f"{done}: {_mb(rss)}" for done, rss in samples)
    print(
        f"mémoire du pool   : {_mb(samples[0][1])} avant, {_mb(samples[-1][1])} après "
        f"{samples[-1][0]} conversions, max {_mb(max(rss for _, rss in samples))}, "
        f"{memory_failed} échec(s), {restarts} redémarrage(s) "
        f"(--max-memory {args.max_memory} Mo, --stop-after {args.stop_after or 'jamais'})"
    )
    print(f"  courbe          : {curve}")


if __name__ == "__main__":
    main()
