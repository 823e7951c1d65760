"""The options of the S3-compatible private storage (django-storages' ``S3Storage``).

One function, so that the settings and the test suite's bucket (``tests/object_storage.py``)
configure the storage the same way.
"""

from botocore.config import Config


def s3_storage_options(
    *,
    bucket_name: str,
    endpoint_url: str = "",
    access_key: str = "",
    secret_key: str = "",
    region_name: str = "",
    signed_url_seconds: int = 60,
    addressing_style: str = "auto",
    max_attempts: int = 3,
) -> dict:
    """A private bucket: no ACL sent (objects stay as private as the bucket), a file never
    overwritten, URLs only signed and short-lived. Empty credentials let boto3 find its own
    (instance role, ~/.aws)."""
    return {
        "bucket_name": bucket_name,
        "endpoint_url": endpoint_url or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "region_name": region_name or None,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": signed_url_seconds,
        "file_overwrite": False,
        # A storage that does not answer fails a generation in seconds, not minutes.
        # addressing_style « path »: servers without bucket.host names (MinIO-like).
        "client_config": Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        ),
    }
