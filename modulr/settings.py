"""modulr settings, from the environment (django-environ). With no environment at all the app
runs on its embedded default: SQLite in ``var/``, private files in ``var/private``, jobs
in-process. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to PostgreSQL and a real Celery
worker; the README « Configuration » lists every variable.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Local state of this machine (SQLite, converters, static files): one per host.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

# DEBUG off is production: it needs its own SECRET_KEY and speaks HTTPS only (below). The
# embedded default (`make run`) turns DEBUG on and runs over plain HTTP on 127.0.0.1.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # A public default key would let anyone forge sessions and password-reset links.
        raise ImproperlyConfigured(
            "SECRET_KEY est obligatoire quand DEBUG est désactivé : définissez la variable "
            "d'environnement SECRET_KEY (au moins 50 caractères aléatoires)."
        )
    SECRET_KEY = "dev-only-insecure-key-for-debug-only-never-in-production-0123456789"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env.list(
    "CSRF_TRUSTED_ORIGINS", default=["{0.scheme}://{0.netloc}".format(urlsplit(SITE_URL))]
)
# Our reverse proxies (addresses or CIDRs): only a request from one of them has its client's
# address read from X-Forwarded-For (modulr.http.client_ip). Empty: the header is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES : « {_proxy} » n'est ni une adresse IP ni un réseau (CIDR)."
        ) from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "products",
    "contracts",
    "tasks",
    "documents",
    "sharing",
    "intranet",
    "extranet",
    "verification",
]

MIDDLEWARE = [
    # First: what the rest reads of the proxy's headers, only when it is our proxy.
    "modulr.middleware.UntrustedProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "intranet.middleware.StaffSessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it throttles failed logins on both portals.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "modulr.urls"
WSGI_APPLICATION = "modulr.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a job writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
else:
    # Connections are kept between requests, and checked before reuse: after a restart of
    # PostgreSQL the next request opens a new one instead of failing on the dead one.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "contracts.auth.EmailBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# HTTPS. On by default when DEBUG is off; each can be turned off from the environment (a
# plain-HTTP test server). The proxy's X-Forwarded-Proto is only believed from TRUSTED_PROXIES
# (modulr.middleware.UntrustedProxyHeadersMiddleware drops it from anyone else).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks ask over plain HTTP from inside the host (scripts/healthcheck.py, load
# balancers): /healthz answers them, with no personal data, instead of redirecting.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# "HTTP_X_FORWARDED_PROTO,https"; empty: never from a header.
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=["HTTP_X_FORWARDED_PROTO", "https"])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if _proxy_ssl_header else None
if SECURE_PROXY_SSL_HEADER is not None and len(SECURE_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER : un en-tête et sa valeur, par exemple "
        "« HTTP_X_FORWARDED_PROTO,https »."
    )

# django-axes: 5 failures lock the (username, IP) pair for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# One counter per account whatever the case or spaces typed (the logins match without case).
AXES_USERNAME_CALLABLE = "contracts.auth.axes_username"
# Behind the proxy every client shares its address: the client's own, read safely.
AXES_CLIENT_IP_CALLABLE = "modulr.http.client_ip"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# A French page (HTTP 429) for a locked-out login, on both portals.
AXES_LOCKOUT_TEMPLATE = "extranet/lockout.html"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)

# Private files: on local disk, outside any URL. They are served only by views that check
# access, through one response (modulr.downloads).
PRIVATE_ROOT = Path(env.str("PRIVATE_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = str(PRIVATE_ROOT)
FILE_UPLOAD_PERMISSIONS = 0o640
# A bucket name moves them to S3-compatible object storage (django-storages): a private
# bucket; downloads redirect to a URL signed for STORAGE_SIGNED_URL_SECONDS.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGE_SIGNED_URL_SECONDS = env.int("STORAGE_SIGNED_URL_SECONDS", default=60)
if AWS_STORAGE_BUCKET_NAME:
    from modulr.object_storage import s3_storage_options

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(
            bucket_name=AWS_STORAGE_BUCKET_NAME,
            endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
            access_key=env.str("AWS_ACCESS_KEY_ID", default=""),
            secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=""),
            region_name=env.str("AWS_S3_REGION_NAME", default=""),
            signed_url_seconds=STORAGE_SIGNED_URL_SECONDS,
            addressing_style=env.str("AWS_S3_ADDRESSING_STYLE", default="auto"),
        ),
    }
# Local disk only: SENDFILE=nginx hands the file to nginx (X-Accel-Redirect to an internal
# location under SENDFILE_PREFIX, aliased to PRIVATE_ROOT: deploy/nginx-private.conf).
SENDFILE = env.str("SENDFILE", default="")
SENDFILE_PREFIX = env.str("SENDFILE_PREFIX", default="/_private/")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="modulr <ne-pas-repondre@modulr.local>")

LOGIN_URL = "extranet:login"
# A staff session ends after this long without a request (a working day); clients' keep
# Django's SESSION_COOKIE_AGE.
SESSION_STAFF_IDLE_SECONDS = env.int("SESSION_STAFF_IDLE_SECONDS", default=9 * 3600)
# « Mot de passe oublié »: at most this many e-mails per address, and per client address, per
# hour (counted in the cache: set CACHE_URL to Redis when several processes serve the site).
PASSWORD_RESET_PER_HOUR = env.int("PASSWORD_RESET_PER_HOUR", default=5)
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Celery: no broker configured means jobs run in-process (embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A conversion may take up to ~4 x CONVERTER_TIMEOUT (wait for a converter, a hang, the retry):
# the job limits sit above that so a slow-but-working conversion is not cut short.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=150)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=180)
# Well above the hard time limit, or Redis re-delivers jobs still running. Short socket
# timeouts: a broker that does not answer fails the send fast.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
# Sending a job while the broker is down fails within seconds (the client's POST must not
# hang): the request stays recorded, unsent, and the recovery sends it once Redis is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

# The public verification page (/verifier/): lookups and file checks together, per client
# address per hour; past it, HTTP 429.
VERIFICATION_RATE_LIMIT = env.int("VERIFICATION_RATE_LIMIT", default=30)

# « Envoyer à un tiers »: at most this many sends per extranet account per hour; the third
# party's link (/envoi/), at most this many requests per client address per hour (HTTP 429).
SEND_RATE_LIMIT = env.int("SEND_RATE_LIMIT", default=20)
SEND_LINK_RATE_LIMIT = env.int("SEND_LINK_RATE_LIMIT", default=60)

# Attestation requests from the extranet.
# At most this many requests (and retries) per extranet account per rolling hour.
ATTESTATION_REQUESTS_PER_HOUR = env.int("ATTESTATION_REQUESTS_PER_HOUR", default=30)
# The same request sent again by the same account within this many seconds (a double click,
# a form posted twice) is not recorded again: the client lands on the first one. 0: off.
ATTESTATION_DUPLICATE_SECONDS = env.int("ATTESTATION_DUPLICATE_SECONDS", default=10)
# A request being generated whose job has not renewed its lease for this long has lost its
# job (worker or machine killed): it may be claimed again, and the client may retry it. The
# job renews it every sixth of this (documents/attestations/lease.py).
ATTESTATION_REQUEST_LEASE_SECONDS = env.int("ATTESTATION_REQUEST_LEASE_SECONDS", default=30)
# A request sent to the worker but not taken for this long has lost its job (the broker lost
# the message): it is sent again. Above how long a queue of jobs may wait.
ATTESTATION_REQUEST_STALE_SECONDS = env.int(
    "ATTESTATION_REQUEST_STALE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60
)
# Embedded default (no broker): generations run in this many background threads of the web
# process, so the client's page shows progress instead of waiting on the POST.
ATTESTATION_JOB_THREADS = env.int("ATTESTATION_JOB_THREADS", default=2)

# PDF conversion: a pool of unoserver instances, one per core by default.
# CONVERTER_PORTS="2003,2004" uses those; empty means one-shot soffice per document.
CONVERTER_PORTS = env.list("CONVERTER_PORTS", cast=int, default=[])
CONVERTER_HOST = env.str("CONVERTER_HOST", default="127.0.0.1")
CONVERTER_TIMEOUT = env.int("CONVERTER_TIMEOUT", default=30)
SOFFICE_BINARY = env.str("SOFFICE_BINARY", default="soffice")
# Filling a broker's Word model (docgen, through documents.engine): each render runs in a throwaway
# child process, killed past this many seconds, its address space capped at this size.
RENDER_TIMEOUT = env.int("RENDER_TIMEOUT", default=20)
RENDER_MEMORY_LIMIT_MB = env.int("RENDER_MEMORY_LIMIT_MB", default=1024)

# The cabinet's electronic seal on each attestation PDF (docs/engine.md « Cachet électronique »):
# a PKCS#12 file (certificate and key); empty: PDFs are not sealed. Its passphrase is best in a
# file (SEAL_PKCS12_PASSWORD_FILE, read at each seal) rather than in the environment.
# SEAL_TIMESTAMP_URL: an RFC 3161 timestamp authority. On the embedded default (DEBUG on), the
# trial certificate `make run` makes in VAR_DIR, when it is there: the app and `manage.py
# attestation_check` then seal and check with the same one.
_TRIAL_SEAL = VAR_DIR / "seal.p12"
_trial_seal = DEBUG and _TRIAL_SEAL.exists() and "SEAL_PKCS12_PATH" not in os.environ
SEAL_PKCS12_PATH = env.str("SEAL_PKCS12_PATH", default=str(_TRIAL_SEAL) if _trial_seal else "")
SEAL_PKCS12_PASSWORD = env.str("SEAL_PKCS12_PASSWORD", default="")
SEAL_PKCS12_PASSWORD_FILE = env.str(
    "SEAL_PKCS12_PASSWORD_FILE", default=f"{_TRIAL_SEAL}.password" if _trial_seal else ""
)
SEAL_TIMESTAMP_URL = env.str("SEAL_TIMESTAMP_URL", default="")

# Logs: LOG_FORMAT=json writes one JSON object per line with the records' extra fields
# (modulr/logging.py). Each attestation request's state change, each PDF conversion and each
# send to a third party (and each open and download of its link) is logged at INFO, whatever
# LOG_LEVEL (LOG_EVENTS_LEVEL=WARNING silences them).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_EVENTS_LEVEL = env.str("LOG_EVENTS_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "modulr.logging.JsonFormatter"},
        "text": {"()": "modulr.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {
        "documents.attestations.logs": {"level": LOG_EVENTS_LEVEL},
        "docgen.convert": {"level": LOG_EVENTS_LEVEL},
        "sharing.services": {"level": LOG_EVENTS_LEVEL},
        # A seal that is not trusted is an answer of our check, not an incident to log.
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
    },
}
# A Celery worker replaces the root logger's handlers with its own text ones: in JSON, it
# keeps these instead, so the worker's lines (the job's) are JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"

FORMAT_MODULE_PATH = ["modulr.formats"]
