"""The cabinet's electronic seal (``docgen.seal``): a PAdES signature on a real LibreOffice PDF,
checked back with pyHanko's validation; no database."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader

import docgen
from docgen import SealError, pdf_seal_check, seal_certificate, seal_certificate_create, seal_pdf
from tests.converter_pool import STATE_DIR
from tests.docx_models import pdf_text, simple_model
from tests.timestamp_authority import timestamp_authority

CABINET = "Courtage Martin & Associés"
PASSPHRASE = b"phrase-de-test-9f3c2a71"
REASON = f"Attestation délivrée par {CABINET}"


@pytest.fixture(scope="module")
def pdf() -> bytes:
    """A PDF as LibreOffice writes an attestation (one-shot soffice, once for the module)."""
    docx = simple_model("Attestation n° ATT-2026-000042", "Transports Dupont SAS est assurée.")
    return docgen.convert_to_pdf(docx, ports=[], state_dir=STATE_DIR)


@pytest.fixture(scope="module")
def p12() -> bytes:
    return seal_certificate_create(name=CABINET, passphrase=PASSPHRASE)


@pytest.fixture(scope="module")
def certificate(p12) -> bytes:
    return seal_certificate(p12, PASSPHRASE)


@pytest.fixture(scope="module")
def sealed(pdf, p12) -> bytes:
    return seal_pdf(pdf, pkcs12=p12, passphrase=PASSPHRASE, reason=REASON, location="Lyon")


def _signed_ranges(sealed: bytes) -> list[tuple[int, int]]:
    start1, length1, start2, length2 = map(
        int, re.search(rb"/ByteRange\s*\[\s*(\d+) (\d+) (\d+) (\d+)", sealed).groups()
    )
    return [(start1, start1 + length1), (start2, start2 + length2)]


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1 :]


def test_a_sealed_pdf_validates_intact_trusted_and_signed_by_the_cabinet(pdf, sealed, certificate):
    check = pdf_seal_check(sealed, trusted=[certificate])

    assert (check.sealed, check.intact, check.trusted) == (True, True, True)
    assert check.signer == CABINET
    now = datetime.datetime.now(datetime.UTC)
    assert now - datetime.timedelta(minutes=5) < check.signed_at <= now
    # No authority configured: no timestamp, the time is the server's own.
    assert not check.timestamped
    # An incremental update: the original bytes first, the text unchanged for a reader.
    assert sealed.startswith(pdf)
    assert "Attestation n° ATT-2026-000042" in pdf_text(sealed)


def test_the_seal_is_pades_sha256_in_the_field_cachet_with_its_reason(sealed):
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]

    assert signature.field_name == "Cachet"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature.sig_object["/Reason"] == REASON
    assert signature.sig_object["/Location"] == "Lyon"
    assert signature.md_algorithm == "sha256"


def test_one_byte_changed_in_the_signed_range_breaks_the_seal(pdf, sealed, certificate):
    (_start, end), _second = _signed_ranges(sealed)
    content = sealed.index(b"stream", 0, len(pdf)) + 20  # inside the first page's content
    assert content < end

    check = pdf_seal_check(_flip(sealed, content), trusted=[certificate])

    assert check.sealed
    assert not check.intact and not check.trusted


def test_a_changed_signature_or_bytes_added_after_the_seal_are_not_intact(sealed, certificate):
    (_start, end), (second, _end) = _signed_ranges(sealed)
    signature_digit = (end + second) // 2  # in /Contents, outside the signed ranges
    forged = sealed[:signature_digit] + b"0" + sealed[signature_digit + 1 :]
    if forged == sealed:
        forged = sealed[:signature_digit] + b"1" + sealed[signature_digit + 1 :]

    assert not pdf_seal_check(forged, trusted=[certificate]).intact
    assert not pdf_seal_check(sealed + b"\n% ajout\n", trusted=[certificate]).intact


def test_a_seal_by_an_unknown_certificate_is_intact_but_not_trusted(sealed, certificate):
    stranger = seal_certificate(
        seal_certificate_create(name="Autre cabinet", passphrase=b"autre"), b"autre"
    )

    assert pdf_seal_check(sealed, trusted=[]).intact
    assert not pdf_seal_check(sealed, trusted=[]).trusted
    assert not pdf_seal_check(sealed, trusted=[stranger]).trusted


def test_trusted_certificates_may_be_pem(sealed, p12):
    cert = pkcs12.load_key_and_certificates(p12, PASSPHRASE)[1]

    assert pdf_seal_check(sealed, trusted=[cert.public_bytes(Encoding.PEM)]).trusted


def test_a_pdf_without_seal_says_so(pdf, certificate):
    check = pdf_seal_check(pdf, trusted=[certificate])

    assert not check.sealed and not check.intact and not check.trusted
    assert not pdf_seal_check(b"%PDF-1.7 garbage", trusted=[certificate]).sealed


def test_a_wrong_passphrase_is_a_french_error_without_the_passphrase(pdf, p12):
    wrong = b"mot-de-passe-errone-77a1"
    with pytest.raises(SealError) as caught:
        seal_pdf(pdf, pkcs12=p12, passphrase=wrong, reason=REASON)

    message = str(caught.value)
    assert "mot de passe incorrect" in message
    for secret in (wrong, PASSPHRASE):
        assert secret.decode() not in message
        assert secret.decode() not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_the_signer_is_kept_under_a_digest_never_under_the_passphrase(sealed):
    from docgen import seal

    kept = repr(dict(seal._signers))
    assert seal._signers  # the signer was kept
    assert PASSPHRASE.decode() not in kept
    assert PASSPHRASE.hex() not in kept


def test_a_damaged_pkcs12_file_is_refused(pdf):
    with pytest.raises(SealError, match="PKCS#12 illisible"):
        seal_pdf(pdf, pkcs12=b"pas un PKCS#12", passphrase=PASSPHRASE, reason=REASON)


def test_a_trial_certificate_names_the_cabinet_and_may_seal_only(p12):
    key, cert, _others = pkcs12.load_key_and_certificates(p12, PASSPHRASE)

    assert key is not None
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == CABINET
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == CABINET
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_encipherment and not usage.key_cert_sign
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert datetime.timedelta(days=730) <= lifetime < datetime.timedelta(days=731)
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(p12, None)  # never without its passphrase


# -- RFC 3161 timestamp -------------------------------------------------------------------------


def test_with_an_authority_the_seal_carries_its_timestamp(pdf, p12, certificate):
    with timestamp_authority() as authority:
        sealed = seal_pdf(
            pdf, pkcs12=p12, passphrase=PASSPHRASE, reason=REASON, timestamp_url=authority.url
        )

    assert authority.requests and set(authority.requests) == {"application/timestamp-query"}
    check = pdf_seal_check(sealed, trusted=[certificate, authority.certificate])
    assert check.trusted and check.timestamped
    now = datetime.datetime.now(datetime.UTC)
    assert now - datetime.timedelta(minutes=5) < check.signed_at <= now


def test_an_authority_that_does_not_answer_is_a_french_error_without_its_credentials(pdf, p12):
    with timestamp_authority() as authority:
        port = authority.url.rsplit(":", 1)[1]  # stopped on leaving: nobody listens there now
    url = f"http://compte:secret-tsa@127.0.0.1:{port}?cle=jeton-tsa"

    with pytest.raises(SealError, match="L'horodatage du cachet électronique n'a pas pu") as caught:
        seal_pdf(pdf, pkcs12=p12, passphrase=PASSPHRASE, reason=REASON, timestamp_url=url)

    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "secret-tsa" not in str(caught.value) and "jeton-tsa" not in str(caught.value)
