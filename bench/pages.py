"""How fast are the main pages at national scale, against the sign-in page?

    .venv/bin/python -m bench.pages                    # build the data, measure, drop it
    .venv/bin/python -m bench.pages --keep             # keep the database for the next run
    .venv/bin/python -m bench.pages --reuse            # reuse a kept database (no build)
    .venv/bin/python -m bench.pages --requests 20      # fewer requests per page
    make bench                                         # every benchmark, this one too

On a database of its own, `<the configured database>_bench_pages` on the server of
DATABASE_URL (or the embedded one under var/): the national scale of bench/settlement.py
(342 municipalities, 5,000 clients, 50,000 candidates, 1,000,000 time entries invoiced in
2026-H1, their premiums and credit notes), then that half-year settled by the real run (every
member a draft settlement with its breakdown), then two users: a coordinator of 35
municipalities and the treasurer (enrolled with TOTP; the session is made by the session
engine, as after the two-factor step).

The portal is served by gunicorn with two workers on 127.0.0.1 (DEBUG off, as in production,
the static files collected under var/bench-static). Each page is requested `--requests`
times with `--concurrency` requests in flight (a bounded load: a fixed number of requests,
no ramp); the floor is the sign-in page measured the same way in the same run. It prints per
page p50, p95, the size of the page and its SQL queries (counted once in this process with
the same user), and the ratio of its p50 to the sign-in page's. Aim: every main page within
3x of the sign-in page.

Measured on 5 December 2026 (2 shared cores, load average about 8: p50 in ms, 20 requests a
page, 4 at a time; before = main at 09108f7, after = branch pages15):

    page                          before (queries, KB)     after (queries, KB)
    sign-in (floor)                 109                       59
    coordinator /dashboard/        3707 (185, 43)            384 (15, 43)
    coordinator /premies/          3617 (157, 62)            904 (17, 63)
    treasurer /contributie/         861 (10, 238)            587 (11, 43)
    treasurer /contributie/?year   1207 (11, 263)            644 (12, 53)

Still far over 3x under that load, untouched here: /opdrachten/ (every client in the filter,
352 KB), /facturen/, /uren/ and /toezicht/ (the receivables' ageing, over 1.7 s of SQL).
"""

import argparse
import concurrent.futures
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
import _setup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvsi_portal.settings")
os.environ.setdefault("SECRET_KEY", "insecure-benchmark-only-key")

SUFFIX = "bench_pages"
PERIOD = "2026-H1"
COORDINATOR = "bench.coordinator@example.invalid"
TREASURER = "bench.treasurer@example.invalid"
AIM = 3.0

# (label, user, path): the main pages of each role.
PAGES = [
    ("sign-in", None, "/accounts/login/"),
    ("coordinator /te-doen/", COORDINATOR, "/te-doen/"),
    ("coordinator /dashboard/", COORDINATOR, "/dashboard/"),
    ("coordinator /premies/", COORDINATOR, "/premies/"),
    ("coordinator /premies/betaalmomenten/", COORDINATOR, "/premies/betaalmomenten/"),
    ("coordinator /uren/", COORDINATOR, "/uren/"),
    ("coordinator /opdrachten/", COORDINATOR, "/opdrachten/"),
    ("coordinator /kandidaten/", COORDINATOR, "/kandidaten/"),
    ("coordinator /facturen/", COORDINATOR, "/facturen/"),
    ("coordinator /afrekeningen/", COORDINATOR, "/afrekeningen/"),
    ("coordinator /gemeenten/", COORDINATOR, "/gemeenten/"),
    ("treasurer /te-doen/", TREASURER, "/te-doen/"),
    ("treasurer /contributie/", TREASURER, "/contributie/"),
    ("treasurer /contributie/?year=2026", TREASURER, "/contributie/?year=2026"),
    ("treasurer /afrekeningen/", TREASURER, "/afrekeningen/"),
    ("treasurer /dashboard/?municipality", TREASURER, "/dashboard/?municipality=GM0001"),
    ("treasurer /toezicht/", TREASURER, "/toezicht/"),
    ("treasurer /toezicht/cijfers/", TREASURER, "/toezicht/cijfers/"),
]


# --- The database ---------------------------------------------------------------------------


def _database_exists(base: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(_setup._with_database(base, "postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


@contextlib.contextmanager
def pages_database(*, reuse: bool, keep: bool, build):
    """`<configured>_bench_pages`: reused when asked and built, else made anew."""
    base = _setup._base_url()
    name = (urlsplit(base).path.strip("/") or "nvsi") + "_" + SUFFIX
    url = _setup._with_database(base, name)
    if reuse and _database_exists(base, name):
        os.environ["DATABASE_URL"] = url
        _setup.django_setup()
        from accounts.models import User

        if User.objects.filter(email=TREASURER).exists():
            print(f"database {name}: reused", flush=True)
            try:
                yield url
            finally:
                from django.db import connections

                connections.close_all()
            return
    with _setup.bench_database(suffix=SUFFIX, keep=keep or reuse):
        build()
        yield url


def build() -> None:
    import settlement as national
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts.models import User
    from accounts.roles import Role
    from members.models import Municipality
    from settlements.models import Period

    start = time.perf_counter()
    counts = national.generate(
        entries=ARGS.entries,
        municipalities=ARGS.municipalities,
        clients=ARGS.clients,
        candidates=ARGS.candidates,
    )
    print(
        f"generated in {time.perf_counter() - start:.1f} s: "
        + ", ".join(f"{value:,} {key}" for key, value in counts.items()),
        flush=True,
    )
    start = time.perf_counter()
    how = national.run_half_year(Period.parse(PERIOD))
    print(f"{PERIOD} settled ({how}) in {time.perf_counter() - start:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    coordinator = User.objects.create_user(email=COORDINATOR, first_name="Bench")
    coordinator.groups.add(Group.objects.get(name=Role.COORDINATOR.value))
    towns = list(Municipality.objects.order_by("cbs_code")[: ARGS.coordinated])
    coordinator.coordinated_municipalities.add(*towns)
    treasurer = User.objects.create_user(email=TREASURER, first_name="Bench")
    treasurer.groups.add(Group.objects.get(name=Role.TREASURER.value))
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(treasurer, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    print(f"users: a coordinator of {len(towns)} municipalities, the treasurer (TOTP)")


def session_cookies() -> dict[str, str]:
    """A session per user, made by the session engine as after sign-in and the second
    factor (the test client's force_login writes it to the configured session store)."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    cookies = {}
    for email in (COORDINATOR, TREASURER):
        client = Client()
        client.force_login(User.objects.get(email=email))
        cookies[email] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def query_counts() -> dict[str, int]:
    """Each page once in this process, with the same user: its SQL queries."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from accounts.models import User

    plain = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    counts = {}
    with override_settings(SECURE_SSL_REDIRECT=False, ALLOWED_HOSTS=["testserver"], STORAGES=plain):
        for label, email, path in PAGES:
            client = Client()
            if email:
                client.force_login(User.objects.get(email=email))
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            counts[label] = len(queries.captured_queries)
    return counts


# --- The server and the load ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str):
    static_root = ROOT / "var" / "bench-static"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    process = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "nvsi_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                status, _size = fetch(port, "/accounts/login/", None)
                if status == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)
        print(f"gunicorn: 2 workers on 127.0.0.1:{port}", flush=True)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def fetch(port: int, path: str, cookie: str | None) -> tuple[int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def measure(port: int, path: str, cookie: str | None, *, requests: int, concurrency: int):
    for _ in range(2):  # warm up both workers
        fetch(port, path, cookie)

    def one(_index):
        start = time.perf_counter()
        status, size = fetch(port, path, cookie)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        return elapsed, size

    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(one, range(requests)))
    times = sorted(t for t, _size in results)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, results[-1][1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--municipalities", type=int, default=342)
    parser.add_argument("--coordinated", type=int, default=35)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--candidates", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database")
    global ARGS
    ARGS = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f})")

    with pages_database(reuse=ARGS.reuse, keep=ARGS.keep, build=build) as url:
        cookies = session_cookies()
        queries = query_counts()
        from django.db import connections

        connections.close_all()
        rows = []
        with gunicorn(url) as port:
            for label, email, path in PAGES:
                p50, p95, size = measure(
                    port,
                    path,
                    cookies.get(email),
                    requests=ARGS.requests,
                    concurrency=ARGS.concurrency,
                )
                rows.append((label, p50, p95, size))
                print(
                    f"  {label}: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                    f"{size / 1024:.0f} KB",
                    flush=True,
                )
    floor = rows[0][1]
    print(
        f"\n{ARGS.requests} requests per page, {ARGS.concurrency} at a time; floor: the "
        f"sign-in page, p50 {floor * 1000:.0f} ms"
    )
    print(f"{'page':<42} {'p50 ms':>7} {'p95 ms':>7} {'KB':>5} {'queries':>7} {'ratio':>6}")
    over = []
    for label, p50, p95, size in rows:
        ratio = p50 / floor
        if ratio > AIM:
            over.append(label)
        print(
            f"{label:<42} {p50 * 1000:>7.0f} {p95 * 1000:>7.0f} {size / 1024:>5.0f} "
            f"{queries[label]:>7} {ratio:>5.1f}x"
        )
    print(
        f"pages over {AIM:.0f}x the sign-in page: {', '.join(over)}"
        if over
        else f"every page within {AIM:.0f}x the sign-in page"
    )
    return 0


ARGS = None

if __name__ == "__main__":
    sys.exit(main())
