"""Word → PDF with LibreOffice: on the converter pool when ports are given, else one-shot.

``convert_to_pdf`` is the only entry point. Every conversion has a timeout; a converter that
hangs or dies is killed and the conversion tried once more. Failures raise ``ConversionError``
(a French message for staff). How callers share the pool: docs/engine.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import io
import itertools
import logging
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import xmlrpc.client
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from .fetching import DocxUnreadable, docx_fetch_problem
from .i18n import _
from .instances import converter_env, instance_dir, instance_kill, instance_pid, soffice_binary
from .profile import profile_harden

logger = logging.getLogger(__name__)

# Force Word's import filter: left to type detection, LibreOffice happily "converts" any
# bytes as plain text, and a broken upload would become a PDF full of garbage.
DOCX_IMPORT_FILTER = "MS Word 2007 XML"
# unoserver's message when LibreOffice returns no document: the file itself is at fault.
_UNREADABLE_MARK = "Could not load document"
CONVERTER_TIMEOUT = 30.0


class _Pool(NamedTuple):
    ports: list[int]
    host: str
    state_dir: Path


class ConversionError(Exception):
    """The PDF could not be produced; str(error) is a French message for staff."""


def convert_to_pdf(
    docx: bytes,
    *,
    state_dir: Path,
    ports: Sequence[int] = (),
    host: str = "127.0.0.1",
    timeout: float = CONVERTER_TIMEOUT,
    soffice: str = "soffice",
) -> bytes:
    """The PDF of a Word document (.docx bytes). Raises ConversionError.

    With ``ports``, converts on the pool of unoservers listening there on ``host``, which
    keeps its state under ``state_dir``; without, runs ``soffice`` once, with a profile
    taken under ``state_dir / "oneshot"``.
    """
    _check_docx(docx)
    _check_fetches_nothing(docx)
    state_dir, timeout = Path(state_dir), float(timeout)
    # Where it ran, for the log line: the last converter tried, or "oneshot".
    trace: dict = {"converter": None if ports else "oneshot"}
    started = time.monotonic()
    try:
        if ports:
            pool = _Pool(ports=list(ports), host=host, state_dir=state_dir)
            pdf = _convert_on_pool(docx, pool=pool, timeout=timeout, trace=trace)
        else:
            pdf = _convert_oneshot(docx, timeout=timeout, soffice=soffice, state_dir=state_dir)
        if not pdf.startswith(b"%PDF-"):
            raise ConversionError(_("LibreOffice n'a pas produit de PDF valide."))
    except ConversionError as error:
        _log_conversion(trace, started, outcome="error", error=str(error))
        raise
    _log_conversion(trace, started, outcome="ok")
    return pdf


def _log_conversion(trace: dict, started: float, *, outcome: str, error: str = "") -> None:
    """One line per conversion, with fields for a JSON log (duration, converter, outcome)."""
    fields = {
        "duration_ms": round((time.monotonic() - started) * 1000),
        "converter": trace["converter"],
        "outcome": outcome,
    }
    if error:
        fields["error"] = error
    logger.info("docgen.conversion", extra=fields)


def _check_docx(docx: bytes) -> None:
    """Refuse what is not a Word file at all before it reaches LibreOffice."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            if "word/document.xml" in archive.namelist():
                return
    except (zipfile.BadZipFile, ValueError):
        pass
    raise ConversionError(_("Le fichier n'est pas un document Word (.docx) lisible."))


def _check_fetches_nothing(docx: bytes) -> None:
    """Nothing in the document may fetch a file or an address (docgen.fetching): checked
    at upload and after the render already, and once more here, whoever the caller."""
    try:
        problem = docx_fetch_problem(docx)
    except DocxUnreadable:
        problem = _("LibreOffice ne parvient pas à ouvrir ce document Word.")
    if problem:
        raise ConversionError(problem)


# -- the pool: a caller flocks a free converter, then converts on it (docs/engine.md) ------

_turn = itertools.count(random.randrange(1000))
_released = threading.Condition()  # wakes callers of this process when a converter frees
_down_until: dict[int, float] = {}  # port -> monotonic time; refused or failed just now
_DOWN_SECONDS = 0.5
_WAIT_STEP = 0.02  # converters freed by other processes are seen by polling at this step


def _failed_twice() -> ConversionError:
    return ConversionError(
        _(
            "La conversion en PDF a échoué deux fois (LibreOffice bloqué ou arrêté) : "
            "le document est peut-être trop lourd ou endommagé."
        )
    )


class _ConverterLost(Exception):
    """The converter died or hung during the conversion: worth one more try elsewhere."""


@contextlib.contextmanager
def _converter_slot(pool: _Pool, *, deadline: float) -> Iterator[int]:
    """Hold one free converter of the pool for the duration of the block."""
    start = next(_turn)
    with _released:
        # Scanning under the condition's lock: a release in this process cannot slip
        # between a scan that found nothing and the wait.
        while (taken := _take_free(pool, start)) is None:
            now = time.monotonic()
            if now >= deadline:
                raise ConversionError(
                    _("Aucun convertisseur PDF n'est disponible : réessayez dans un instant.")
                )
            _released.wait(min(_WAIT_STEP, deadline - now))
    port, fd = taken
    try:
        yield port
    finally:
        os.close(fd)  # releases the flock
        with _released:
            _released.notify_all()


def _take_free(pool: _Pool, start: int) -> tuple[int, int] | None:
    now, ports = time.monotonic(), pool.ports
    for index in range(len(ports)):
        port = ports[(start + index) % len(ports)]
        if _down_until.get(port, 0) > now:
            continue
        fd = os.open(instance_dir(pool.state_dir, port) / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return port, fd
    return None


def _mark_down(port: int, seconds: float = _DOWN_SECONDS) -> None:
    _down_until[port] = time.monotonic() + seconds


class TimeoutTransport(xmlrpc.client.Transport):
    """XML-RPC over HTTP with a socket timeout, and without the stdlib's silent resend.

    xmlrpc.client resends a request once when the connection drops: a document that crashes
    LibreOffice would be sent to the restarting converter a second time behind our back.
    """

    def __init__(self, timeout: float):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection

    def request(self, host, handler, request_body, verbose=False):
        return self.single_request(host, handler, request_body, verbose)


def _rpc_convert(host: str, port: int, docx: bytes, timeout: float) -> bytes:
    """One conversion on one unoserver (its XML-RPC API 3, as `UnoClient.convert` calls it).

    Not `UnoClient` itself: it has no timeout, sleeps 10 s between 5 attempts when the
    server is down, and asks for the server's info (its filter lists) before every call.
    """
    proxy = xmlrpc.client.ServerProxy(
        f"http://{host}:{port}",
        transport=TimeoutTransport(timeout),
        allow_none=True,
    )
    try:
        result = proxy.convert(
            None,  # inpath
            xmlrpc.client.Binary(docx),  # indata
            None,  # outpath: return the bytes
            "pdf",  # convert_to
            None,  # filtername: PDF export chosen from convert_to
            [],  # filter_options
            True,  # update_index
            DOCX_IMPORT_FILTER,  # infiltername
            None,  # password
        )
    except ConnectionRefusedError:
        raise  # nothing was sent: the caller picks another converter
    except TimeoutError as error:
        raise _ConverterLost(f"aucune réponse en {timeout:g} s") from error
    except (OSError, http.client.HTTPException) as error:
        raise _ConverterLost(f"connexion perdue ({error})") from error
    except xmlrpc.client.Fault as error:
        if _UNREADABLE_MARK in error.faultString:
            raise ConversionError(
                _("LibreOffice ne parvient pas à ouvrir ce document Word.")
            ) from error
        # Anything else is LibreOffice failing (killed, crashed, the server's own timeout).
        raise _ConverterLost(error.faultString[:200]) from error
    return result.data


def converter_answers(*, host: str, port: int, timeout: float) -> bool:
    """The unoserver on ``port`` answers its XML-RPC ``info()`` within ``timeout`` seconds."""
    proxy = xmlrpc.client.ServerProxy(f"http://{host}:{port}", transport=TimeoutTransport(timeout))
    try:
        return bool(proxy.info())
    except (OSError, http.client.HTTPException, xmlrpc.client.Error):
        return False


def _convert_on_pool(docx: bytes, *, pool: _Pool, timeout: float, trace: dict) -> bytes:
    """Bounded by about 4 × `timeout` in the worst case: up to `timeout` waiting for a free
    converter, `timeout` for a try that hangs, then the same again for the second try.
    A free pool answers a one-page document in ~0.1 s."""
    lost = 0
    deadline = time.monotonic() + timeout
    while True:
        with _converter_slot(pool, deadline=deadline) as port:
            trace["converter"] = port
            pid = instance_pid(pool.state_dir, port)
            try:
                return _rpc_convert(pool.host, port, docx, timeout)
            except ConnectionRefusedError:
                _mark_down(port)  # starting or restarting: not a failed try
                continue
            except _ConverterLost as error:
                lost += 1
                logger.warning("Conversion perdue sur le convertisseur %s : %s", port, error)
                # Dead already, or hung: make sure it is gone so the supervisor restarts it.
                instance_kill(pool.state_dir, port, expected_pid=pid)
                _mark_down(port, seconds=2)
                if lost > 1:
                    raise _failed_twice() from error
                deadline = time.monotonic() + timeout


# -- one-shot soffice (no pool): one free profile per concurrent run, flocked (docs/engine.md)


@contextlib.contextmanager
def _oneshot_profile(state_dir: Path) -> Iterator[Path]:
    base = state_dir / "oneshot"
    for number in itertools.count():
        folder = base / str(number)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield folder / "profile"
        finally:
            os.close(fd)
        return


def _convert_oneshot(docx: bytes, *, timeout: float, soffice: str, state_dir: Path) -> bytes:
    for attempt in (1, 2):
        try:
            return _soffice_once(docx, timeout=timeout, soffice=soffice, state_dir=state_dir)
        except _ConverterLost as error:
            logger.warning("Conversion soffice perdue (essai %s) : %s", attempt, error)
            last = error
    raise _failed_twice() from last


def _soffice_once(docx: bytes, *, timeout: float, soffice: str, state_dir: Path) -> bytes:
    with (
        _oneshot_profile(state_dir) as profile,
        tempfile.TemporaryDirectory(prefix="docgen-pdf-") as tmp,
    ):
        profile_harden(profile)  # nothing in a document is fetched
        source = Path(tmp) / "document.docx"
        source.write_bytes(docx)
        command = _soffice_command(soffice, profile=profile, source=source)
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=converter_env(),
                start_new_session=True,  # soffice forks soffice.bin: kill the whole group
            )
        except OSError as error:
            raise ConversionError(_("LibreOffice (soffice) est introuvable.")) from error
        try:
            output, _unused = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            # soffice is a launcher that forks soffice.bin: kill the whole group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise _ConverterLost(f"aucune réponse en {timeout:g} s") from error
        pdf = Path(tmp) / "document.pdf"
        if pdf.exists() and pdf.stat().st_size:
            return pdf.read_bytes()
        if process.returncode < 0:
            raise _ConverterLost(f"soffice tué par le signal {-process.returncode}")
        logger.warning("soffice sans PDF (code %s) : %s", process.returncode, output[-500:])
        raise ConversionError(_("LibreOffice ne parvient pas à ouvrir ce document Word."))


def _soffice_command(soffice: str, *, profile: Path, source: Path) -> list[str]:
    return [
        soffice_binary(soffice),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nocrashreport",
        "--nodefault",
        "--nologo",
        "--nofirststartwizard",
        "--norestore",
        f"--infilter={DOCX_IMPORT_FILTER}",
        "--convert-to",
        "pdf",
        "--outdir",
        str(source.parent),
        str(source),
    ]
