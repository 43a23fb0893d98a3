"""The embedded PostgreSQL a fresh checkout runs on: starts once, is shared, stops."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg
import pytest

from nvsi_portal.embedded_db import DATABASE_NAME, embedded_database_stop, embedded_database_url


@pytest.fixture
def var_dir(tmp_path):
    # The server runs as its own system user when we are root: it must reach the directory.
    tmp_path.chmod(0o755)
    yield tmp_path
    embedded_database_stop(var_dir=tmp_path)


def test_concurrent_starts_share_one_server_with_the_project_database(var_dir):
    with ThreadPoolExecutor(max_workers=3) as pool:
        urls = list(pool.map(lambda _: embedded_database_url(var_dir=var_dir), range(3)))
    assert len(set(urls)) == 1
    with psycopg.connect(urls[0]) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (DATABASE_NAME,)
        assert conn.execute("SELECT 0.1::numeric + 0.2::numeric").fetchone()[0] == Decimal("0.3")

    assert embedded_database_stop(var_dir=var_dir) is True
    assert embedded_database_stop(var_dir=var_dir) is False
    # A stopped server starts again on the same data.
    assert embedded_database_url(var_dir=var_dir) == urls[0]
