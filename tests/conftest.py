"""The fixed cast every test uses (healthchecks' alice/bob/charlie)."""

import os

import pytest
from django.core.cache import cache
from django.db import connection

from contracts.demo import demo_group_seed
from tests import factories
from tests.documents.generation_helpers import cabinet_make, fleet_contract_make

pytest_plugins = ["tests.converter_pool", "tests.object_storage"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 at each test's setup dominated the suite's time; MD5 is fine for tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test writes its files in a storage of its own, so tests can list it."""
    root = tmp_path / "private"
    settings.PRIVATE_ROOT = root
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counters kept in the cache (« Mot de passe oublié » per address) start at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _postgresql_only(request):
    """`@pytest.mark.postgresql` tests skip on SQLite locally, and fail under CI."""
    if request.node.get_closest_marker("postgresql") is None:
        return
    if "django_db_blocker" in request.fixturenames:
        request.getfixturevalue("django_db_blocker")
    if connection.vendor != "postgresql":
        message = "ce test n'a de sens que sur PostgreSQL (DATABASE_URL=postgres://...)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def staff_user(db):
    """Alice, a gestionnaire: staff, not superuser, with the « Gestionnaires » group's rights
    as the demo cabinet defines them."""
    alice = factories.StaffFactory(
        username="alice", email="alice@cabinet.fr", first_name="Alice", is_superuser=False
    )
    alice.groups.add(demo_group_seed("Gestionnaires"))
    return alice


@pytest.fixture
def superuser(db):
    """Zoé, the cabinet's administrator: what only a superuser may do (staff accounts, groups)."""
    return factories.StaffFactory(username="zoe", email="zoe@cabinet.fr", first_name="Zoé")


@pytest.fixture
def other_staff(db):
    return factories.StaffFactory(
        username="bob", email="bob@cabinet.fr", first_name="Bob", is_superuser=False
    )


@pytest.fixture
def carol(db):
    """Staff who is no recipient and has no permission at all."""
    return factories.StaffFactory(
        username="carol", email="carol@cabinet.fr", first_name="Carol", is_superuser=False
    )


@pytest.fixture
def fleet(client_a):
    """A vehicle fleet contract of client A, in force and paid, and one of its vehicles."""
    cabinet_make()
    return fleet_contract_make(client_a)


@pytest.fixture
def client_a(db, staff_user):
    return factories.ClientFactory(nom="Transports Dupont SAS", account_manager=staff_user)


@pytest.fixture
def client_b(db, staff_user):
    return factories.ClientFactory(nom="Boulangerie Leroy SARL", account_manager=staff_user)


@pytest.fixture
def client_a_user(client_a):
    user = factories.UserFactory(username="charlie@dupont.fr", email="charlie@dupont.fr")
    factories.ExtranetAccessFactory(user=user, client=client_a)
    return user


@pytest.fixture
def client_b_user(client_b):
    user = factories.UserFactory(username="diane@leroy.fr", email="diane@leroy.fr")
    factories.ExtranetAccessFactory(user=user, client=client_b)
    return user


# --- The cast, logged in -------------------------------------------------------------------


@pytest.fixture
def as_staff(client, staff_user):
    """The test client, logged in as Alice (a gestionnaire)."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def as_bob(client, other_staff):
    """The test client, logged in as Bob (staff, recipient of the validation tasks)."""
    client.force_login(other_staff)
    return client


@pytest.fixture
def as_superuser(client, superuser):
    """The test client, logged in as the cabinet's administrator."""
    client.force_login(superuser)
    return client


@pytest.fixture
def as_a(client, client_a_user):
    """The test client, logged in on the extranet as client A's account."""
    client.force_login(client_a_user)
    return client
