"""The cabinet's seal on every attestation PDF (``SEAL_PKCS12_PATH``): what is stored is the
sealed file, its fingerprint is the sealed file's, and the passphrase goes nowhere."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import CommandError, call_command
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from docgen import instances, render, seal_certificate_create
from documents import engine
from documents.attestations.process import attestation_request_process
from documents.attestations.selectors import attestation_request_client_error
from documents.models import AttestationEvent, AttestationRequest, Document
from documents.services import attestation_generate, document_template_sync_fields
from documents.verification import attestation_file_matches
from tests import docx_models
from tests.documents.generation_helpers import (
    cabinet_make,
    fleet_contract_make,
    stored_files,
    template_make,
)
from tests.documents.request_helpers import fleet_offer_make, request_make

CABINET = "Courtage Martin & Associés"
SEAL_SETTINGS = (
    "SEAL_PKCS12_PATH",
    "SEAL_PKCS12_PASSWORD",
    "SEAL_PKCS12_PASSWORD_FILE",
    "SEAL_TIMESTAMP_URL",
)


def seal_files_write(directory: Path, *, name: str = CABINET) -> tuple[Path, Path, str]:
    """A trial PKCS#12 file and its passphrase file, as ``seal_certificate_create`` leaves
    them; the passphrase is new each time, so that finding it anywhere means a leak."""
    passphrase = secrets.token_urlsafe(24)
    p12 = directory / "seal.p12"
    p12.write_bytes(seal_certificate_create(name=name, passphrase=passphrase.encode()))
    password_file = directory / "seal.p12.password"
    password_file.write_text(passphrase + "\n")
    return p12, password_file, passphrase


@pytest.fixture
def seal(settings, tmp_path) -> str:
    """Sealing on, the passphrase in a file (the recommended way); returns the passphrase."""
    p12, password_file, passphrase = seal_files_write(tmp_path)
    settings.SEAL_PKCS12_PATH = str(p12)
    settings.SEAL_PKCS12_PASSWORD_FILE = str(password_file)
    settings.SEAL_PKCS12_PASSWORD = ""
    settings.SEAL_TIMESTAMP_URL = ""
    return passphrase


def _generate(client_a):
    cabinet_make()
    fleet, vehicle = fleet_contract_make(client_a)
    template = template_make(docx_models.verified_model(), pdf_conversion=True)
    document_template_sync_fields(template=template, unknown_tags=["motif"])
    return attestation_generate(
        template=template, contract=fleet, beneficiary=vehicle, values={"motif": "Salon"},
        shared=True,
    )  # fmt: skip


def _pdf(document: Document) -> bytes:
    with document.pdf_file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_the_stored_pdf_is_sealed_by_the_cabinet_and_its_fingerprint_is_the_sealed_file(
    client_a, seal
):
    document = _generate(client_a)
    pdf = _pdf(document)

    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert attestation_file_matches(document, pdf)
    assert f"Attestation n° {document.numero} pour FL-2026-0042" in docx_models.pdf_text(pdf)
    check = engine.pdf_seal_check(pdf)
    assert (check.sealed, check.intact, check.trusted) == (True, True, True)
    assert check.signer == CABINET
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    assert signature.sig_object["/Reason"] == f"Attestation délivrée par {CABINET}"
    assert signature.sig_object["/Location"] == "Lyon"


@pytest.mark.django_db
def test_without_a_certificate_the_pdf_is_not_sealed(client_a, settings):
    settings.SEAL_PKCS12_PATH = ""
    pdf = _pdf(_generate(client_a))

    assert not engine.pdf_seal_check(pdf).sealed
    assert engine.seal_trusted_certificates() == []


@pytest.mark.django_db
def test_the_passphrase_may_come_from_the_environment_setting(client_a, seal, settings):
    settings.SEAL_PKCS12_PASSWORD_FILE = ""
    settings.SEAL_PKCS12_PASSWORD = seal

    assert engine.pdf_seal_check(_pdf(_generate(client_a))).trusted


@pytest.mark.django_db
def test_a_renewed_certificate_is_taken_without_a_restart(client_a, seal, settings, tmp_path):
    first = engine.seal_trusted_certificates()
    renewed = tmp_path / "renewed"
    renewed.mkdir()
    p12, password_file, _passphrase = seal_files_write(renewed, name="Cabinet renouvelé")
    os.replace(p12, settings.SEAL_PKCS12_PATH)
    os.replace(password_file, settings.SEAL_PKCS12_PASSWORD_FILE)

    assert engine.seal_trusted_certificates() != first
    assert engine.pdf_seal_check(_pdf(_generate(client_a))).signer == "Cabinet renouvelé"


@pytest.mark.django_db
def test_the_passphrase_is_in_no_log_no_error_nor_in_the_render_sandbox_or_libreoffice(
    client_a, seal, settings, caplog, monkeypatch
):
    # As a careless set-up would have it: every setting in the process's environment too.
    for name in SEAL_SETTINGS:
        monkeypatch.setenv(name, seal if name == "SEAL_PKCS12_PASSWORD" else f"/secret/{name}")
    monkeypatch.setenv("SAL_USE_VCLPLUGIN", "svp")
    assert not set(render.sandbox_env()) & set(SEAL_SETTINGS)
    assert seal not in "".join(render.sandbox_env().values())
    # Nor in LibreOffice's, which opens the filled document: its own variables only.
    converter = instances.converter_env()
    assert not set(converter) & {*SEAL_SETTINGS, "SECRET_KEY", "DATABASE_URL"}
    assert seal not in "".join(converter.values())
    assert converter["SAL_USE_VCLPLUGIN"] == "svp"
    render._zygote.restart()  # started again from this environment
    caplog.set_level(logging.DEBUG)

    document = _generate(client_a)

    assert engine.pdf_seal_check(_pdf(document)).trusted
    zygote_environ = Path(f"/proc/{render._zygote.proc.pid}/environ").read_bytes()
    assert seal.encode() not in zygote_environ and b"SEAL_" not in zygote_environ
    assert caplog.records  # the generation did log (the conversion, at least)
    assert seal not in caplog.text
    assert all(seal not in str(vars(record)) for record in caplog.records)


def _failed_request(client_a, client_a_user):
    offer = fleet_offer_make(client_a, pdf=True)
    request = request_make(offer, client_a_user)
    attestation_request_process(request_id=request.pk)
    request.refresh_from_db()
    return request


@pytest.mark.django_db
def test_a_seal_that_fails_fails_the_request_with_a_french_message_and_stores_nothing(
    client_a, client_a_user, seal, settings, tmp_path, caplog, _private_storage
):
    wrong = secrets.token_urlsafe(24)
    (tmp_path / "wrong.password").write_text(wrong)
    settings.SEAL_PKCS12_PASSWORD_FILE = str(tmp_path / "wrong.password")
    caplog.set_level(logging.DEBUG)

    request = _failed_request(client_a, client_a_user)

    assert request.status == AttestationRequest.Status.FAILED
    assert attestation_request_client_error(request) == (
        "Votre attestation n'a pas pu être scellée électroniquement. Réessayez dans quelques "
        "instants ; si le problème persiste, contactez votre cabinet."
    )
    assert "SealError: Le certificat du cachet électronique n'a pas pu être ouvert" in (
        request.error
    )
    assert not Document.objects.exists()
    assert not [f for f in stored_files(_private_storage) if f.startswith("documents/")]
    failed = request.events.get(kind=AttestationEvent.Kind.FAILED).detail
    for secret in (wrong, seal):
        assert secret not in request.error and secret not in failed
        assert secret not in caplog.text


@pytest.mark.django_db
def test_an_unreadable_certificate_file_fails_the_request_the_same_way(
    client_a, client_a_user, seal, settings, tmp_path
):
    settings.SEAL_PKCS12_PATH = str(tmp_path / "absent.p12")

    request = _failed_request(client_a, client_a_user)

    assert request.status == AttestationRequest.Status.FAILED
    assert attestation_request_client_error(request).startswith(
        "Votre attestation n'a pas pu être scellée électroniquement."
    )
    assert "(SEAL_PKCS12_PATH) est illisible" in request.error
    assert not Document.objects.exists()


# -- manage.py seal_certificate_create --------------------------------------------------------


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seal_certificate_create_writes_the_certificate_and_its_passphrase_for_the_owner_only(
    tmp_path,
):
    cabinet_make()
    output = tmp_path / "var" / "seal.p12"

    printed = _run("seal_certificate_create", "--output", str(output))

    password_file = tmp_path / "var" / "seal.p12.password"
    for path in (output, password_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    passphrase = password_file.read_bytes().rstrip(b"\n")
    assert len(passphrase) >= 32
    _key, cert, _others = pkcs12.load_key_and_certificates(output.read_bytes(), passphrase)
    assert cert.subject.rfc4514_string().startswith(f"C=FR,O={CABINET},CN={CABINET}")
    assert f"SEAL_PKCS12_PATH={output}" in printed
    assert f"SEAL_PKCS12_PASSWORD_FILE={password_file}" in printed
    assert passphrase.decode() not in printed
    assert not list((tmp_path / "var").glob(".seal.p12*"))  # no temporary file left


@pytest.mark.django_db
def test_seal_certificate_create_keeps_an_existing_certificate_unless_forced(tmp_path):
    output = tmp_path / "seal.p12"
    _run("seal_certificate_create", "--output", str(output), "--name", "Cabinet Dupuis")
    first = output.read_bytes(), (tmp_path / "seal.p12.password").read_bytes()

    again = _run("seal_certificate_create", "--output", str(output))

    assert "existe déjà" in again and f"SEAL_PKCS12_PATH={output}" in again
    assert (output.read_bytes(), (tmp_path / "seal.p12.password").read_bytes()) == first
    _run("seal_certificate_create", "--output", str(output), "--force", "--name", "Autre")
    assert output.read_bytes() != first[0]


@pytest.mark.django_db
def test_seal_certificate_create_may_use_a_passphrase_file_of_its_own(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("phrase-gardee-ailleurs\n")
    output = tmp_path / "seal.p12"

    printed = _run(
        "seal_certificate_create", "--output", str(output), "--name", "Cabinet Dupuis",
        "--password-file", str(secret_file), "--days", "30",
    )  # fmt: skip

    assert pkcs12.load_key_and_certificates(output.read_bytes(), b"phrase-gardee-ailleurs")
    assert not (tmp_path / "seal.p12.password").exists()
    assert f"SEAL_PKCS12_PASSWORD_FILE={secret_file}" in printed


# -- manage.py attestation_check --------------------------------------------------------------


@pytest.fixture
def delivered(client_a, seal, tmp_path) -> tuple[Document, Path]:
    """A sealed attestation and its PDF as the client received it."""
    document = _generate(client_a)
    path = tmp_path / "recue.pdf"
    path.write_bytes(_pdf(document))
    return document, path


@pytest.mark.django_db
def test_attestation_check_of_the_delivered_file_says_genuine_and_valid(delivered):
    document, path = delivered

    printed = _run("attestation_check", str(path))

    assert f"Attestation n° : {document.numero}" in printed
    assert f"État : Valide jusqu'au {document.valid_until:%d/%m/%Y}" in printed
    assert f"Validité : du {document.valid_from:%d/%m/%Y} au " in printed
    assert "Fichier identique à celui délivré : oui" in printed
    assert f"Cachet électronique : valide (signataire : {CABINET}, le " in printed
    assert "Attestation authentique et valide." in printed


@pytest.mark.django_db
def test_attestation_check_of_a_file_changed_by_one_byte_says_so_and_fails(delivered, tmp_path):
    document, path = delivered
    data = path.read_bytes()
    offset = data.index(b"stream") + 20  # inside the sealed content
    altered = tmp_path / "modifiee.pdf"
    altered.write_bytes(data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :])
    out = io.StringIO()

    with pytest.raises(CommandError, match="pas celui que le cabinet a délivré"):
        call_command(
            "attestation_check", str(altered), "--code", document.verification_code, stdout=out
        )

    assert "Fichier identique à celui délivré : non" in out.getvalue()
    assert "Cachet électronique : altéré" in out.getvalue()
    # Without its code, the file matches nothing.
    with pytest.raises(CommandError, match="introuvable"):
        call_command("attestation_check", str(altered), stdout=io.StringIO())


@pytest.mark.django_db
def test_attestation_check_of_a_revoked_attestation_fails(delivered):
    document, path = delivered
    Document.objects.filter(pk=document.pk).update(revoked_at=timezone.now())
    out = io.StringIO()

    with pytest.raises(CommandError, match="plus valable : Révoquée le"):
        call_command("attestation_check", str(path), "--numero", document.numero, stdout=out)

    assert "Fichier identique à celui délivré : oui" in out.getvalue()


@pytest.mark.django_db
def test_attestation_check_says_when_the_seal_is_absent(client_a, settings, tmp_path):
    settings.SEAL_PKCS12_PATH = ""
    path = tmp_path / "recue.pdf"
    path.write_bytes(_pdf(_generate(client_a)))

    printed = _run("attestation_check", str(path))

    assert "Cachet électronique : absent" in printed
    assert "Attestation authentique et valide." in printed
