"""Fixtures of the security suite (tests/security/): `world` is built once per module in a
transaction rolled back after the module's last test; each test nests in it."""

import pytest
from django.db import connection, transaction


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings
    from django.test import override_settings

    from tests.security.world import build_world

    media = tmp_path_factory.mktemp("security-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            built.media_root = media
            connection.check_constraints()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
    assert media != settings.MEDIA_ROOT


@pytest.fixture
def world_media(world, settings):
    """The world's uploaded files (contracts, statements) where the views look for them."""
    settings.MEDIA_ROOT = world.media_root
