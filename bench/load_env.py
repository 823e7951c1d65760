"""The load bench's set-up: its own PostgreSQL database and Redis database, and the seed.

Importing this module sets the environment of the bench and of every process it starts
(before Django is set up): database, broker, private files under a temporary folder.
"""

from __future__ import annotations

import datetime
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DB_NAME = os.environ.get("BENCH_DB_NAME", "modulr_bench")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PASSWORD = "bench-modulr-2026"
_TMP = tempfile.TemporaryDirectory(prefix="modulr-load-")
TMP = Path(_TMP.name)

# Before Django starts: the environment of this process, and of every process it starts.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "modulr.settings",
        "DATABASE_URL": f"{POSTGRES_URL}/{DB_NAME}",
        "CELERY_BROKER_URL": REDIS_URL,
        "PRIVATE_ROOT": str(TMP / "private"),
        "AXES_ENABLED": "false",
        "ATTESTATION_REQUESTS_PER_HOUR": "1000000",
        "DEBUG": "false",
        # Production settings, but over plain HTTP on 127.0.0.1, with a key of the run's own.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        # Temporary files of every process started (render zygotes' sockets) under ours.
        "TMPDIR": str(TMP),
    }
)


START_TIMEOUT = 60
ATTESTATION_TIMEOUT = 60

# -- set-up: database, Redis, seed ------------------------------------------------------------


def database_recreate() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')


def redis_flush() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()


@dataclass
class Account:
    email: str
    contract_id: int
    vehicle_ids: list[int]


def seed(clients: int) -> list[Account]:
    """The demo cabinet and models, then one extranet account per client thread, each with an
    eligible fleet contract (in force, today covered by a paid quittance) of three vehicles."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from contracts.models import Beneficiary, Client, Contract, ExtranetAccess, Payment, Quittance
    from products.models import BeneficiaryKind, Product

    quiet = {"verbosity": 0, "stdout": open(os.devnull, "w")}  # noqa: SIM115
    call_command("migrate", **quiet)
    call_command("seed_demo", "--force", **quiet)  # DEBUG is off, as in production
    call_command("seed_demo_documents", "--force", **quiet)
    User = get_user_model()
    manager = User.objects.get(username="gestionnaire")
    fleet = Product.objects.get(name="Flotte automobile")
    today = datetime.date.today()
    accounts = []
    for n in range(1, clients + 1):
        email = f"flotte-{n:02d}@bench.modulr.test"
        user, _ = User.objects.update_or_create(
            username=email, defaults={"email": email, "is_staff": False, "is_active": True}
        )
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        client, _ = Client.objects.update_or_create(
            nom=f"Transports Bench {n:02d} SAS",
            defaults={"adresse": f"{n} rue du Port", "code_postal": "69007", "ville": "Lyon",
                      "siren": f"{900000000 + n}", "account_manager": manager},
        )  # fmt: skip
        ExtranetAccess.objects.get_or_create(user=user, client=client)
        contract, _ = Contract.objects.update_or_create(
            numero=f"FL-BENCH-{n:04d}",
            defaults={"client": client, "product": fleet, "assureur": "AXA France IARD",
                      "date_effet": today.replace(year=today.year - 1, month=1, day=1),
                      "echeance_principale": "01/01", "status": Contract.Status.EN_COURS},
        )  # fmt: skip
        quittance, _ = Quittance.objects.update_or_create(
            numero=f"FL-BENCH-{n:04d}-T1",
            defaults={"contract": contract, "periode_debut": today - datetime.timedelta(days=30),
                      "periode_fin": today + datetime.timedelta(days=60), "prime_ht": 1000,
                      "prime_ttc": 1200},
        )  # fmt: skip
        if not quittance.payments.exists():
            Payment.objects.create(quittance=quittance, date=today, montant=1200)
        vehicles = [
            Beneficiary.objects.update_or_create(
                contract=contract, kind=BeneficiaryKind.VEHICULE,
                immatriculation=f"BE-{n:03d}-{suffix}",
                defaults={"marque": "Renault", "modele": "Master", "vin": "VF1MA000064123457",
                          "date_entree": contract.date_effet},
            )[0].pk
            for suffix in ("AA", "BB", "CC")
        ]  # fmt: skip
        accounts.append(Account(email=email, contract_id=contract.pk, vehicle_ids=vehicles))
    return accounts


# -- processes --------------------------------------------------------------------------------
