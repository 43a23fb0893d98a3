"""Shared start-up for the benchmarks: Django on the configured database, or on a database
of the benchmark's own (`bench_database`)."""

import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvsi_portal.settings")
os.environ.setdefault(
    "SECRET_KEY", "insecure-benchmark-only-key"
)  # DEBUG stays off, as in production


def django_setup() -> None:
    import django

    django.setup()


def best_of(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds: the least disturbed measurement."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def report(name: str, *, seconds: float, floor_seconds: float, unit: str, count: int) -> None:
    ratio = seconds / floor_seconds if floor_seconds else float("inf")
    print(
        f"{name}: {count / seconds:,.0f} {unit}/s ({seconds * 1000:.1f} ms for {count}); "
        f"floor {floor_seconds * 1000:.1f} ms; ratio {ratio:.2f}x"
    )


def _base_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    from nvsi_portal.embedded_db import embedded_database_url

    return embedded_database_url(var_dir=Path(__file__).resolve().parent.parent / "var")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _maintenance(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


@contextlib.contextmanager
def bench_database(*, suffix: str, keep: bool = False):
    """Create `<configured name>_<suffix>`, point Django at it, migrate; drop it after."""
    base = _base_url()
    name = (urlsplit(base).path.strip("/") or "nvsi") + "_" + suffix
    _maintenance(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _maintenance(base, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _with_database(base, name)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"database {name}: migrated in {time.perf_counter() - start:.1f} s", flush=True)
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f'kept database {name} (drop it with: DROP DATABASE "{name}")')
        else:
            _maintenance(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


__all__ = ["bench_database", "best_of", "django_setup", "report", "statistics"]
