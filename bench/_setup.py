"""Shared start-up for the benchmarks: Django on the configured database."""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

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


__all__ = ["best_of", "django_setup", "report", "statistics"]
