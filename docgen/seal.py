"""The cabinet's electronic seal on a PDF (PAdES, pyHanko), and its check.

``seal_pdf`` signs a PDF in the cabinet's name with the key of a PKCS#12 file, and has the
signature timestamped by an RFC 3161 authority when one is given. ``pdf_seal_check`` says
whether a PDF carries a seal, whether the sealed bytes are unchanged, and whether its signer
is one of the certificates trusted. ``seal_certificate_create`` makes a self-signed
certificate for trials: a PDF reader shows its seal as « non approuvé » until the
certificate is trusted, where a certificate of a qualified provider is trusted everywhere.

The PKCS#12 passphrase is a secret: it is never logged, kept (the signer is cached under a
digest), nor put in an exception message.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from .i18n import _

FIELD_NAME = "Cachet"
TIMESTAMP_TIMEOUT = 10  # seconds for the timestamp authority to answer
_SIGNERS_KEPT = 4  # the signers of a few PKCS#12 files at most (a renewal, tests)


class SealError(Exception):
    """The PDF could not be sealed; str(error) is a French message for staff, no secret."""


# -- sealing ----------------------------------------------------------------------------------

_signers: OrderedDict[str, object] = OrderedDict()
_cache_lock = threading.Lock()


def _signer_key(pkcs12: bytes, passphrase: bytes | None) -> str:
    digest = hashlib.sha256()
    for part in (pkcs12, passphrase or b""):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@functools.cache  # one class, made on first use: pyHanko is imported only when sealing
def _signer_class():
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class KeptKeySigner(SimpleSigner):
        """pyHanko's SimpleSigner parses its private key again at each signature, twice a
        seal (the size estimate, then the signature): 50 ms each for an RSA key, whose
        loading checks it. This one keeps the key as loaded from the PKCS#12 file."""

        def __init__(self, *, private_key, **kwargs):
            super().__init__(**kwargs)
            self._private_key = private_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithm = mechanism.signature_algo
            except ValueError:
                algorithm = mechanism["algorithm"].native
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            key = self._private_key
            if isinstance(key, rsa.RSAPrivateKey) and algorithm == "rsassa_pkcs1v15":
                return key.sign(data, PKCS1v15(), hash_algorithm)
            if isinstance(key, ec.EllipticCurvePrivateKey) and algorithm == "ecdsa":
                return key.sign(data, ec.ECDSA(hash_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner


def _signer_load(pkcs12: bytes, passphrase: bytes | None):
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12 as pyca_pkcs12
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, certificate, others = pyca_pkcs12.load_key_and_certificates(pkcs12, passphrase)
    if key is None or certificate is None:
        raise ValueError("no key or no certificate")
    der = serialization.Encoding.DER
    return _signer_class()(
        private_key=key,
        signing_cert=x509.Certificate.load(certificate.public_bytes(der)),
        signing_key=keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [x509.Certificate.load(other.public_bytes(der)) for other in others]
        ),
    )


def _signer(pkcs12: bytes, passphrase: bytes | None):
    """The pyHanko signer of a PKCS#12 file, loaded once (decrypting it costs a few ms)."""
    key = _signer_key(pkcs12, passphrase)
    with _cache_lock:
        if key in _signers:
            _signers.move_to_end(key)
            return _signers[key]
    try:
        signer = _signer_load(pkcs12, passphrase)
    except Exception:  # noqa: BLE001 - a wrong passphrase, a damaged file, no key in it
        # Not chained: the cause says nothing more, and must say nothing of the passphrase.
        raise SealError(
            _(
                "Le certificat du cachet électronique n'a pas pu être ouvert : fichier "
                "PKCS#12 illisible ou mot de passe incorrect."
            )
        ) from None
    with _cache_lock:
        _signers[key] = signer
        while len(_signers) > _SIGNERS_KEPT:
            _signers.popitem(last=False)
    return signer


_timestampers: dict[str, object] = {}


def _timestamper(url: str):
    """The authority's client, one per URL: it keeps a first token of the authority to
    estimate the signature's size, where a new one would ask the authority twice a seal."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    with _cache_lock:
        if url not in _timestampers:
            _timestampers[url] = HTTPTimeStamper(url, timeout=TIMESTAMP_TIMEOUT)
        return _timestampers[url]


def seal_pdf(
    pdf: bytes,
    *,
    pkcs12: bytes,
    passphrase: bytes | None,
    reason: str,
    location: str = "",
    timestamp_url: str = "",
) -> bytes:
    """``pdf`` with the cabinet's seal: a PAdES signature (SHA-256) in the field « Cachet »,
    timestamped by the RFC 3161 authority at ``timestamp_url`` when there is one. Raises
    ``SealError``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import TimestampRequestError

    signer = _signer(pkcs12, passphrase)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
    )
    timestamper = _timestamper(timestamp_url) if timestamp_url else None
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        output = signers.sign_pdf(writer, metadata, signer=signer, timestamper=timestamper)
    except Exception as error:  # noqa: BLE001 - pyHanko, the authority's answer, a bad PDF
        if _caused_by(error, TimestampRequestError):
            raise SealError(
                _("L'horodatage du cachet électronique n'a pas pu être obtenu de %(url)s.")
                % {"url": _url_shown(timestamp_url)}
            ) from error
        raise SealError(
            _("Le cachet électronique n'a pas pu être apposé sur le PDF (%(error)s).")
            % {"error": type(error).__name__}
        ) from error
    return output.getvalue()


def _url_shown(url: str) -> str:
    """The authority's address without the credentials it may carry (user:password@, a key
    in the query)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2], query="", fragment=""))


def _caused_by(error: BaseException | None, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


# -- a certificate for trials -----------------------------------------------------------------


def seal_certificate_create(*, name: str, passphrase: bytes, days: int = 730) -> bytes:
    """A self-signed sealing certificate of ``name`` (CN and O) and its RSA 2048 key, valid
    ``days`` days from now, as a PKCS#12 file encrypted with ``passphrase``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    if not passphrase:
        raise SealError(
            _("Le fichier du cachet électronique doit être protégé par un mot de passe.")
        )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # a clock a little behind
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation: what a seal's certificate says
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        name=name.encode()[:64],
        key=key,
        cert=certificate,
        cas=None,
        encryption_algorithm=BestAvailableEncryption(passphrase),
    )


def seal_certificate(pkcs12: bytes, passphrase: bytes | None) -> bytes:
    """The certificate (DER) of a PKCS#12 file, for ``pdf_seal_check``'s ``trusted``."""
    return _signer(pkcs12, passphrase).signing_cert.dump()


# -- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealCheck:
    """``sealed``: the PDF carries a signature; ``intact``: the signed bytes are unchanged, the
    signature matches them and nothing was added after it; ``trusted``: intact, by one of the
    certificates trusted; ``signer``: its certificate's name; ``signed_at``: the timestamp's
    time when ``timestamped``, else the time the signer wrote."""

    sealed: bool
    intact: bool = False
    trusted: bool = False
    signer: str = ""
    signed_at: datetime.datetime | None = None
    timestamped: bool = False


def _certificates(trusted: list[bytes]) -> list:
    from asn1crypto import pem, x509

    certificates = []
    for data in trusted:
        if pem.detect(data):
            certificates.extend(
                x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)
            )
        else:
            certificates.append(x509.Certificate.load(data))
    return certificates


def _signer_name(certificate) -> str:
    subject = certificate.subject.native
    return (
        subject.get("common_name")
        or subject.get("organization_name")
        or certificate.subject.human_friendly
    )


def pdf_seal_check(pdf: bytes, *, trusted: list[bytes]) -> SealCheck:
    """The seal of ``pdf`` (its last signature), checked offline against ``trusted`` (DER or
    PEM certificates): nothing is fetched, no revocation list either."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - a file damaged beyond reading
        # A signed file keeps its /ByteRange in clear: damaged, not unsealed.
        return SealCheck(sealed=b"/ByteRange" in pdf)
    if not signatures:
        return SealCheck(sealed=False)
    signature = signatures[-1]
    context = ValidationContext(trust_roots=_certificates(trusted), allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except (PdfError, ValueError, KeyError):  # a signature too damaged to be read
        return SealCheck(sealed=True)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = bool(status.intact and status.valid and whole)
    timestamp = status.timestamp_validity
    if timestamp is not None and not (timestamp.intact and timestamp.valid):
        timestamp = None  # a token that does not match: the signer's clock is all there is
    return SealCheck(
        sealed=True,
        intact=intact,
        trusted=intact and status.trusted,
        signer=_signer_name(status.signing_cert),
        signed_at=timestamp.timestamp if timestamp is not None else status.signer_reported_dt,
        timestamped=timestamp is not None,
    )
