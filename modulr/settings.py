"""modulr settings, from the environment (django-environ). With no environment at all the app
runs on its embedded default: SQLite in ``var/``, private files in ``var/private``, jobs
in-process. ``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to PostgreSQL and a real Celery
worker; the README « Configuration » lists every variable.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

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
    "intranet",
    "extranet",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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

VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a job writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
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

# django-axes: 5 failures lock the (username, IP) pair for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
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

# Private files: on local disk, outside any URL. They are served only by views
# that check access (documents.views / extranet.views).
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

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="modulr <ne-pas-repondre@modulr.local>")

LOGIN_URL = "extranet:login"

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
# Well above the hard time limit, or Redis re-delivers jobs still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# Attestation requests from the extranet.
# At most this many requests (and retries) per extranet account per rolling hour.
ATTESTATION_REQUESTS_PER_HOUR = env.int("ATTESTATION_REQUESTS_PER_HOUR", default=30)
# The same request sent again by the same account within this many seconds (a double click,
# a form posted twice) is not recorded again: the client lands on the first one. 0: off.
ATTESTATION_DUPLICATE_SECONDS = env.int("ATTESTATION_DUPLICATE_SECONDS", default=10)
# A request pending or generating for longer than this has lost its job (worker killed,
# broker down): it may be claimed again, and the client may retry it. Above the hard limit.
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

FORMAT_MODULE_PATH = ["modulr.formats"]
