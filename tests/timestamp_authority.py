"""A real RFC 3161 timestamp authority on 127.0.0.1, for the seal's tests.

pyHanko's ``DummyTimeStamper`` signs the tokens (with a certificate made here, extended key
usage « timeStamping »); a small ``http.server`` speaks the protocol's HTTP side around it
(POST of ``application/timestamp-query``, answer in ``application/timestamp-reply``), so the
seal goes through pyHanko's own HTTP client exactly as with a commercial authority.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class TimestampAuthority:
    url: str
    certificate: bytes  # DER
    requests: list[str] = field(default_factory=list)  # the content type of each request


def _authority_key_and_certificate():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Horodatage d'essai")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


@contextlib.contextmanager
def timestamp_authority() -> Iterator[TimestampAuthority]:
    from asn1crypto import keys, tsp, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps import DummyTimeStamper

    key, certificate = _authority_key_and_certificate()
    der = certificate.public_bytes(serialization.Encoding.DER)
    stamper = DummyTimeStamper(
        tsa_cert=x509.Certificate.load(der),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            seen.append(self.headers.get("Content-Type", ""))
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            request = tsp.TimeStampReq.load(body)
            answer = asyncio.run(stamper.async_request_tsa_response(request)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TimestampAuthority(f"http://127.0.0.1:{server.server_address[1]}/", der, seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
