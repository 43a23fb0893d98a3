"""What a person does in the browser: sign in, type a code, take a screenshot."""

import re
import time
from pathlib import Path

from django.conf import settings

PASSWORD = "Browser-test-password-2026"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now; waits out the last seconds of a period."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def submit_code(page, code: str) -> None:
    page.fill("input[name=code]", code)
    page.press("input[name=code]", "Enter")
    page.wait_for_load_state()


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def sign_out(page) -> None:
    """Use the page's sign-out button when it has one, else allauth's sign-out page."""
    button = page.locator('form[action$="/accounts/logout/"] [type=submit]')
    if button.count() == 0:
        page.goto("/accounts/logout/")
    button.first.click()
    page.wait_for_load_state()


def totp_secret_on_page(page) -> str:
    """The secret the enrolment page shows beside the QR code, for typing into an app."""
    field = page.locator("#authenticator_secret")
    if field.count():
        shown = field.first.evaluate("e => ('value' in e && e.value) || e.textContent")
        return re.sub(r"\s", "", shown)
    found = re.search(r"secret=([A-Z2-7]{16,})", page.content()) or re.search(
        r"\b([A-Z2-7]{32})\b", page.inner_text("body")
    )
    assert found, "the enrolment page shows no TOTP secret"
    return found.group(1)


def confirm_password_if_asked(page, password: str = PASSWORD) -> None:
    """allauth asks for the password again before adding an authenticator (reauthentication)."""
    if path_of(page).startswith("/accounts/reauthenticate/"):
        page.fill("input[name=password]", password)
        page.press("input[name=password]", "Enter")
        page.wait_for_load_state()
