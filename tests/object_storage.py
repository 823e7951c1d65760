"""pytest plugin: a real S3 API server for the test session (moto's standalone server).

`s3_endpoint` (session scope) starts `python -m moto.server` on a free port at first use and
stops it at the end of the session. `s3_storage` (function scope) creates a fresh bucket
and points the default storage at it, configured as production configures it
(`modulr.object_storage`); it returns an `S3Bucket` to list the bucket with boto3 and to point
the storage elsewhere (an outage). Django resets `default_storage` (and so every FileField's
storage) whenever `settings.STORAGES` changes.

The server speaks the S3 API over HTTP, but it checks neither a signed URL's signature nor
its expiry: what this suite proves about signed URLs stops at what the URL asks for.
"""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import boto3
import pytest

from modulr.object_storage import s3_storage_options

REGION = "eu-west-3"
ACCESS_KEY = "modulr-test"
SECRET_KEY = "modulr-test-secret"
START_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answers, whatever it says
    except OSError:
        return False


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """The URL of a moto server run for the session."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Le serveur S3 de test n'a pas démarré :\n{log.read_text()}")
            time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class S3Bucket:
    name: str
    endpoint: str
    settings: object

    @property
    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def keys(self, prefix: str = "") -> list[str]:
        """What the bucket holds, listed by the S3 API (not trusted from the database)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def point_at(self, endpoint: str, **options) -> None:
        """The default storage now talks to ``endpoint`` (a closed port: an outage)."""
        self.settings.STORAGES = {
            **self.settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": s3_storage_options(
                    bucket_name=self.name,
                    endpoint_url=endpoint,
                    access_key=ACCESS_KEY,
                    secret_key=SECRET_KEY,
                    region_name=REGION,
                    signed_url_seconds=self.settings.STORAGE_SIGNED_URL_SECONDS,
                    **options,
                ),
            },
        }


@pytest.fixture
def s3_storage(s3_endpoint, settings, _private_storage) -> S3Bucket:
    """A fresh private bucket, and the default storage on it for this test."""
    name = f"modulr-{uuid.uuid4().hex[:16]}"
    bucket = S3Bucket(name=name, endpoint=s3_endpoint, settings=settings)
    bucket.client.create_bucket(
        Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    bucket.point_at(s3_endpoint)
    return bucket
