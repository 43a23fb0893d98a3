"""Fixtures for every test: plain-http settings and one user (and logged-in client) per role.

The role groups exist in the test database because `accounts.roles.roles_sync` runs after
every migrate. Users of the money roles (treasurer, back office) come in two variants:
without a second factor (to prove the portal insists on one) and `*_with_mfa`, enrolled
with a TOTP authenticator and recovery codes. Their `*_client` fixtures use the enrolled
variant, as a real session would after the two-factor step.
"""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from accounts.roles import Role
from tests.factories import MunicipalityFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The migrations load the reference data that ships with the portal (premium caps and the
    general framework's history, members.reference_data). Tests make the terms they need with
    the factories, so it is removed once here; tests/members/test_reference_data.py loads it
    again through the migration's own function and uses it."""
    from members.models import Framework, PremiumCap

    with django_db_blocker.unblock():
        Framework.objects.filter(scope=Framework.Scope.GENERAL).delete()
        PremiumCap.objects.all().delete()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Production defaults are secure; the test client speaks plain http.
    settings.SECURE_SSL_REDIRECT = False
    # Without DEBUG the manifest storage wants a collectstatic run; templates only need URLs.
    settings.STORAGES = {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    # Uploaded contracts land in a directory of the test's own.
    settings.MEDIA_ROOT = tmp_path / "media"
    # A fast hasher: the suite creates many users; hashing strength is Django's concern.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Sign-in rate limits and used TOTP codes live in the cache: each test starts clean.
    cache.clear()


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Municipalities --------------------------------------------------------------------------


@pytest.fixture
def municipality(db):
    return MunicipalityFactory(cbs_code="GM0014", name="Groningen")


@pytest.fixture
def other_municipality(db):
    return MunicipalityFactory(cbs_code="GM0106", name="Assen")


# --- Users per role ---------------------------------------------------------------------------


@pytest.fixture
def coordinator(municipality):
    return UserFactory(
        email="coordinator@groningen.example.nl",
        role=Role.COORDINATOR,
        municipalities=[municipality],
    )


@pytest.fixture
def other_coordinator(other_municipality):
    return UserFactory(
        email="coordinator@assen.example.nl",
        role=Role.COORDINATOR,
        municipalities=[other_municipality],
    )


@pytest.fixture
def back_office(db):
    """Back office without a second factor yet."""
    return UserFactory(email="backoffice@operator.example.nl", role=Role.BACK_OFFICE, is_staff=True)


@pytest.fixture
def back_office_with_mfa(db):
    return UserFactory(
        email="backoffice.mfa@operator.example.nl",
        role=Role.BACK_OFFICE,
        is_staff=True,
        mfa=True,
    )


@pytest.fixture
def treasurer(db):
    """The treasurer without a second factor yet."""
    return UserFactory(email="treasurer@nvsi.example.nl", role=Role.TREASURER)


@pytest.fixture
def treasurer_with_mfa(db):
    return UserFactory(email="treasurer.mfa@nvsi.example.nl", role=Role.TREASURER, mfa=True)


@pytest.fixture
def board_member(db):
    """NVSI's board (secretariat) without a second factor yet."""
    return UserFactory(email="board@nvsi.example.nl", role=Role.NVSI_BOARD, is_staff=True)


@pytest.fixture
def board_member_with_mfa(db):
    return UserFactory(
        email="board.mfa@nvsi.example.nl", role=Role.NVSI_BOARD, is_staff=True, mfa=True
    )


@pytest.fixture
def representative(municipality):
    user = UserFactory(email="wethouder@groningen.example.nl", role=Role.REPRESENTATIVE)
    municipality.representatives.add(user)
    return user


@pytest.fixture
def superuser_with_mfa(db):
    return UserFactory(email="admin@nvsi.example.nl", is_staff=True, is_superuser=True, mfa=True)


# --- Logged-in clients ------------------------------------------------------------------------


@pytest.fixture
def coordinator_client(coordinator):
    return _client_for(coordinator)


@pytest.fixture
def other_coordinator_client(other_coordinator):
    return _client_for(other_coordinator)


@pytest.fixture
def back_office_client(back_office_with_mfa):
    return _client_for(back_office_with_mfa)


@pytest.fixture
def treasurer_client(treasurer_with_mfa):
    return _client_for(treasurer_with_mfa)


@pytest.fixture
def board_client(board_member_with_mfa):
    return _client_for(board_member_with_mfa)


@pytest.fixture
def representative_client(representative):
    return _client_for(representative)


@pytest.fixture
def superuser_client(superuser_with_mfa):
    return _client_for(superuser_with_mfa)


@pytest.fixture
def anonymous_client():
    return Client()
