"""Word → PDF with a real LibreOffice: the converter pool, its failures, the one-shot fallback.

docgen is called directly, with the ports of the session's pool of 2 converters
(tests/converter_pool.py) or none (one-shot soffice); no database.
Faults are injected for real: SIGKILL and SIGSTOP on soffice, a port nobody listens on.
"""

import fcntl
import io
import os
import shutil
import signal
import subprocess
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from docx import Document

from docgen import ConversionError, convert_to_pdf, instance_dir, instance_pid, instance_processes
from tests.converter_pool import (
    STATE_DIR,
    converter_answers,
    free_converter_ports,
    running_pool,
    start_pool,
    stop_pool,
    wait_until_ready,
)

pytestmark = pytest.mark.libreoffice


def convert(docx: bytes, ports=(), **options) -> bytes:
    """docgen's conversion on `ports` (none: one-shot soffice), in the test pool's state dir."""
    return convert_to_pdf(docx, ports=ports, state_dir=STATE_DIR, **options)


def make_docx(text: str, *, rows: int = 3) -> bytes:
    """A one-page attestation-like document: header, footer, a paragraph, a table."""
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Cabinet Martin Courtage"
    section.footer.paragraphs[0].text = "Document généré par modulr"
    document.add_heading("Attestation d'assurance", level=1)
    document.add_paragraph(text)
    table = document.add_table(rows=rows, cols=3)
    for index, row in enumerate(table.rows):
        row.cells[0].text = f"Ligne {index + 1}"
        row.cells[1].text = "Responsabilité civile"
        row.cells[2].text = "1 500,00 €"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def corrupt_docx() -> bytes:
    """A real zip with Word's parts, whose document.xml is not XML: only LibreOffice can tell."""
    source = zipfile.ZipFile(io.BytesIO(make_docx("x")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            content = source.read(name)
            archive.writestr(name, b"<w:document <<<" if name == "word/document.xml" else content)
    return buffer.getvalue()


@contextmanager
def converter_held(port: int):
    """Hold a converter the way a busy caller does, so conversions go to the other one."""
    fd = os.open(instance_dir(STATE_DIR, port) / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


def converter_busy(port: int) -> bool:
    fd = os.open(instance_dir(STATE_DIR, port) / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def soffice_pid(port: int) -> int:
    for pid in instance_processes(STATE_DIR, port):
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if b"soffice.bin" in cmdline.read():
                return pid
    raise AssertionError(f"pas de soffice.bin pour le convertisseur {port}")


def wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition jamais remplie"
        time.sleep(0.02)


class Background:
    """Runs one conversion in a thread and keeps its result or its error."""

    def __init__(self, docx: bytes, **kwargs):
        self.result: bytes | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(docx,), kwargs=kwargs)
        self.thread.start()

    def _run(self, docx, **kwargs):
        try:
            self.result = convert(docx, **kwargs)
        except BaseException as error:  # noqa: BLE001 - handed to the test
            self.error = error

    def join(self, timeout: float = 120) -> bytes:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "la conversion ne s'est jamais terminée"
        if self.error:
            raise self.error
        return self.result


# -- the pool ---------------------------------------------------------------------------------


def test_pool_converts_a_word_document_to_a_pdf_with_its_text(converter_pool):
    pdf = convert(make_docx("Transports Dupont SAS est assurée au 28/11/2026."), converter_pool)

    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Transports Dupont SAS est assurée au 28/11/2026." in text
    assert "Cabinet Martin Courtage" in text  # header
    assert "Document généré par modulr" in text  # footer
    assert "Responsabilité civile" in text  # table


def test_twenty_conversions_in_parallel_all_produce_their_own_pdf(converter_pool):
    documents = [make_docx(f"Attestation numéro {index:02d}") for index in range(20)]

    with ThreadPoolExecutor(max_workers=20) as executor:
        pdfs = list(executor.map(lambda docx: convert(docx, converter_pool), documents))

    for index, pdf in enumerate(pdfs):
        assert f"Attestation numéro {index:02d}" in pdf_text(pdf)


def test_converter_killed_during_a_conversion_is_replaced_and_the_conversion_succeeds(
    converter_pool,
):
    victim, other = converter_pool
    old_pid = instance_pid(STATE_DIR, victim)
    long_document = make_docx("Attestation longue", rows=1500)  # ~1.5 s to convert

    with converter_held(other):
        conversion = Background(long_document, ports=converter_pool)
        wait_for(lambda: converter_busy(victim))
        time.sleep(0.3)
        assert converter_busy(victim), "la conversion devait être en cours"
        os.kill(soffice_pid(victim), signal.SIGKILL)
    pdf = conversion.join()

    assert "Attestation longue" in pdf_text(pdf)
    # The supervisor has started a new converter in its place, and it converts.
    wait_for(lambda: instance_pid(STATE_DIR, victim) not in (None, old_pid), timeout=30)
    assert wait_until_ready([victim], timeout=60)
    assert "Encore là" in pdf_text(convert(make_docx("Encore là"), [victim]))


def test_hung_converter_is_killed_after_the_timeout_and_the_conversion_retried(converter_pool):
    victim, other = converter_pool
    old_pid = instance_pid(STATE_DIR, victim)
    frozen = soffice_pid(victim)
    os.kill(frozen, signal.SIGSTOP)  # LibreOffice stops answering, as on a pathological file

    started = time.monotonic()
    with converter_held(other):
        conversion = Background(
            make_docx("Attestation après blocage"), ports=converter_pool, timeout=3
        )
        wait_for(lambda: converter_busy(victim))
    pdf = conversion.join()

    assert time.monotonic() - started >= 3
    assert "Attestation après blocage" in pdf_text(pdf)
    # Killed, and reaped by the supervisor: no zombie left behind.
    wait_for(lambda: not os.path.exists(f"/proc/{frozen}"))
    wait_for(lambda: instance_pid(STATE_DIR, victim) not in (None, old_pid), timeout=30)
    assert wait_until_ready([victim], timeout=60)


def test_garbage_is_refused_with_a_french_message(converter_pool):
    with pytest.raises(ConversionError, match="n'est pas un document Word"):
        convert(b"\x00\x01 ceci n'est pas un fichier Word " * 100, converter_pool)


def test_a_damaged_word_file_fails_fast_on_the_pool_without_killing_the_converter(
    converter_pool,
):
    pids = {port: instance_pid(STATE_DIR, port) for port in converter_pool}

    started = time.monotonic()
    with pytest.raises(ConversionError, match="ne parvient pas à ouvrir ce document Word"):
        convert(corrupt_docx(), converter_pool, timeout=20)

    assert time.monotonic() - started < 10
    assert {port: instance_pid(STATE_DIR, port) for port in converter_pool} == pids


def test_no_converter_listening_gives_a_french_error_within_the_timeout():
    ports = free_converter_ports(1)

    started = time.monotonic()
    try:
        with pytest.raises(ConversionError, match="Aucun convertisseur PDF n'est disponible"):
            convert(make_docx("Personne n'écoute"), ports, timeout=1)
    finally:
        shutil.rmtree(instance_dir(STATE_DIR, ports[0]))

    assert time.monotonic() - started < 5


def test_run_converters_stops_every_process_on_ctrl_c_and_leaves_no_zombie(tmp_path):
    [port] = free_converter_ports(1)
    supervisor = start_pool([port], tmp_path / "supervisor.log")
    try:
        assert wait_until_ready([port], process=supervisor), (
            tmp_path / "supervisor.log"
        ).read_text()
        pids = instance_processes(STATE_DIR, port)
        assert len(pids) >= 2  # unoserver and its soffice
    finally:
        code = stop_pool(supervisor)
        shutil.rmtree(instance_dir(STATE_DIR, port), ignore_errors=True)

    assert code == 0
    assert not converter_answers(port, timeout=1)
    # /proc/<pid> also exists for a zombie: gone means exited and reaped.
    assert [pid for pid in pids if os.path.exists(f"/proc/{pid}")] == []
    assert "Convertisseurs arrêtés." in (tmp_path / "supervisor.log").read_text()


# -- one-shot soffice, when no pool is configured -----------------------------------------------


def test_without_a_pool_one_shot_soffice_produces_the_pdf():
    pdf = convert(make_docx("Boulangerie Leroy SARL, contrat MRH-2026-014"))

    assert "Boulangerie Leroy SARL, contrat MRH-2026-014" in pdf_text(pdf)


def test_two_one_shot_conversions_in_parallel_do_not_collide_on_the_profile():
    documents = [make_docx("Première attestation"), make_docx("Seconde attestation")]

    with ThreadPoolExecutor(max_workers=2) as executor:
        first, second = executor.map(convert, documents)

    assert "Première attestation" in pdf_text(first)
    assert "Seconde attestation" in pdf_text(second)


def test_one_shot_refuses_a_damaged_word_file():
    with pytest.raises(ConversionError, match="ne parvient pas à ouvrir ce document Word"):
        convert(corrupt_docx())


def test_one_shot_that_hangs_is_killed_and_tried_once_more(tmp_path):
    # Fault injection: a "soffice" that never answers and records each start.
    starts = tmp_path / "starts"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\necho $$ >> {starts}\nexec sleep 60\n")
    fake.chmod(0o755)

    started = time.monotonic()
    with pytest.raises(ConversionError, match="a échoué deux fois"):
        convert(make_docx("Jamais converti"), soffice=str(fake), timeout=1)

    assert 2 <= time.monotonic() - started < 10
    pids = starts.read_text().split()
    assert len(pids) == 2
    assert [pid for pid in pids if os.path.exists(f"/proc/{pid}")] == []


def test_converter_over_its_memory_limit_is_restarted_between_two_conversions(tmp_path, caplog):
    log = tmp_path / "supervisor.log"
    # 1 Mo: every converter is over the limit as soon as it runs, so recycling happens
    # while conversions keep coming; none may be lost.
    with running_pool(2, log, "--max-memory", "1") as ports:
        done = 0
        deadline = time.monotonic() + 60
        while "redémarrage entre deux conversions" not in log.read_text() or done < 10:
            assert time.monotonic() < deadline, log.read_text()
            assert f"Conversion {done}" in pdf_text(convert(make_docx(f"Conversion {done}"), ports))
            done += 1
        # Stopped cleanly (SIGTERM, exit code 0), not killed.
        wait_for(lambda: "arrêté (code 0)" in log.read_text(), timeout=20)
    assert "Conversion perdue" not in caplog.text  # not even a retry


def test_word_fonts_are_replaced_by_metric_compatible_ones_not_dejavu(converter_pool, tmp_path):
    document = Document()
    for font in ("Calibri", "Arial", "Times New Roman", "Cambria"):
        document.add_paragraph().add_run(f"Texte en {font}").font.name = font
    buffer = io.BytesIO()
    document.save(buffer)

    pdf = tmp_path / "polices.pdf"
    pdf.write_bytes(convert(buffer.getvalue(), converter_pool))

    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, check=True, text=True).stdout
    for expected in ("Carlito", "LiberationSans", "LiberationSerif", "Caladea"):
        assert expected in fonts, fonts
    assert "DejaVu" not in fonts, fonts
