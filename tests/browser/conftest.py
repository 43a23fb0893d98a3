"""Browser tests: Playwright's sync API drives Debian's Chromium against pytest-django's live server.

Run them with `make test-browser` (which installs Chromium with the Debian packages) or
`pytest -m browser`. Every test here is marked `browser`, so `make test` leaves them out.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test.utils import override_settings

from .flows import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The live server speaks plain http, so cookies must not be Secure-only and nothing may
# redirect to https. Without DEBUG the whitenoise storage wants a collectstatic manifest;
# the live server serves static files from the finders instead.
HTTP_SETTINGS = {
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "STORAGES": {
        **django_settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
}


def pytest_collection_modifyitems(items):
    # Whitenoise warns when STATIC_ROOT does not exist (no collectstatic in tests); the live
    # server serves static files from the app directories instead.
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))


@pytest.fixture(scope="session")
def _no_ssl_redirect_at_start_up():
    overrides = override_settings(SECURE_SSL_REDIRECT=False)
    overrides.enable()
    yield overrides


@pytest.fixture(scope="session")
def live_server(_no_ssl_redirect_at_start_up, live_server):
    """pytest-django's live server, built while SECURE_SSL_REDIRECT is off.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server builds its handler at
    start-up, so a per-test `settings` change comes too late for it. The override ends as soon
    as the server runs, so it does not leak into the other tests of the session.
    """
    _no_ssl_redirect_at_start_up.disable()
    return live_server


@pytest.fixture(autouse=True)
def _plain_http_settings(settings):
    for name, value in HTTP_SETTINGS.items():
        setattr(settings, name, value)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts sign-ins per IP in the cache; every test signs in from 127.0.0.1."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A tab on the live server. Whatever the test does, the Content-Security-Policy must
    refuse nothing: Chromium reports each refused script, style or image on the console,
    and any such message fails the test at its end (`csp_violations` lists them)."""
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.csp_violations = []
    tab.on("console", lambda message: _record_csp_violation(tab, message))
    yield tab
    context.close()
    assert not tab.csp_violations, "Refused by the Content-Security-Policy:\n" + "\n".join(
        tab.csp_violations
    )


def _record_csp_violation(tab, message) -> None:
    if "Content Security Policy" in message.text:
        tab.csp_violations.append(f"{tab.url}: {message.text}")


@pytest.fixture
def roles(transactional_db):
    """The role groups: transactional_db empties every table between tests."""
    from accounts.roles import roles_sync

    roles_sync()


@pytest.fixture
def make_user(roles):
    from django.contrib.auth.models import Group

    from accounts.models import User

    def make(email: str, *, role, is_staff: bool = False, totp_secret: str | None = None):
        user = User.objects.create_user(email, PASSWORD, is_staff=is_staff)
        user.groups.add(Group.objects.get(name=role.value))
        if totp_secret:
            from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
            from allauth.mfa.totp.internal.auth import TOTP

            TOTP.activate(user, totp_secret)
            RecoveryCodes.activate(user)
        return user

    return make


@pytest.fixture
def municipalities(transactional_db):
    from members.models import LabourMarketRegion, Municipality

    groningen_region = LabourMarketRegion.objects.create(name="Groningen")
    drenthe_region = LabourMarketRegion.objects.create(name="Drenthe")
    return {
        "GM0014": Municipality.objects.create(
            cbs_code="GM0014", name="Groningen", region=groningen_region
        ),
        "GM0106": Municipality.objects.create(
            cbs_code="GM0106", name="Assen", region=drenthe_region
        ),
    }
