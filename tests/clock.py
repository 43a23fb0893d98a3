"""Freezing the clock without a dependency: `django.utils.timezone.now` patched, so the
portal's today (`timezone.localdate()`, in Europe/Amsterdam) follows through the real code.

    with clock_at("2026-12-04T23:30Z"):  # already 5 December in Amsterdam
        ...
"""

import contextlib
import datetime
from collections.abc import Iterator
from unittest import mock


@contextlib.contextmanager
def clock_at(moment: str) -> Iterator[datetime.datetime]:
    """`timezone.now()` returns `moment`, ISO text with its offset (`Z` for UTC)."""
    now = datetime.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if now.tzinfo is None:
        raise ValueError(f"Give the moment with its offset, e.g. 2026-12-04T23:30Z: {moment!r}")
    with mock.patch("django.utils.timezone.now", return_value=now):
        yield now
