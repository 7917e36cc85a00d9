"""Settings for the Kalliola strategy tracker.

Everything that differs between a laptop and production is read from the environment.
A malformed value stops the process at start-up with a message naming the variable, rather
than running with a silently wrong configuration.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    # An empty value means "not set": an empty line in an env file must not switch off a
    # security setting.
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0), got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {raw!r}.")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-insecure-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before django.contrib.admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "auditlog",
    "axes",
    "kalliola",
    "goals",
    "neighbourhoods",
    "measures",
    "evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kalliola.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kalliola.middleware.AuditlogMiddleware",
    # Last, so that the lockout page it puts in place of the login page still passes through
    # the others on its way out (security headers, CSP, the language).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kalliola.urls"
FORM_RENDERER = "kalliola.forms.FormRenderer"
WSGI_APPLICATION = "kalliola.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "string_if_invalid": "",
        },
    },
]

# Database: a SQLite file for the quick start, PostgreSQL in production and CI.
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A session left in an open transaction (a worker killed between two statements) is ended
    # by PostgreSQL after this long, and its locks with it; the stale marks it leaves are then
    # swept up. Longer than any pause between two statements of the nightly recompute.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = " ".join(
        [
            _options.get("options", ""),
            "-c idle_in_transaction_session_timeout="
            f"{env_int('DATABASE_IDLE_IN_TRANSACTION_SECONDS', 300, minimum=1)}s",
        ]
    ).strip()

# Covering indexes (an index's INCLUDE columns) are PostgreSQL's; SQLite, in the quick start,
# builds the same indexes on their key columns alone, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The lockout check comes first: it refuses a locked-out login before the password is tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

# Languages: Finnish first, Swedish and English as full translations of the interface.
LANGUAGE_CODE = "fi"
LANGUAGES = [
    ("fi", _("Finnish")),
    ("sv", _("Swedish")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["kalliola.formats"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "kalliola_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content in the strategy is written in Finnish; Swedish and English versions are optional
# and fall back to Finnish where they are empty.
MODELTRANSLATION_DEFAULT_LANGUAGE = "fi"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fi",)

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development WhiteNoise serves the files straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security. With DEBUG off and a complete production configuration (docker-compose.yml gives
# one; it includes EMAIL_HOST, so that error reports can be mailed), `check --deploy` reports
# nothing.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# The container health check calls this over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: every script and stylesheet comes from this site; nothing inline.
# Pico CSS draws its form icons with data: SVG images.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Celery. Without a broker the quick start runs tasks eagerly, in-process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks still open a (never used) producer: give it an in-memory transport, with a
    # host name so that kombu does not warn about a missing one on every save.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A save must not wait on a broker that is down: the web process publishes once per
# transaction, without retrying, and gives up on a connection that does not open within half a
# second or a broker that stops answering within three (a worker's BRPOP waits one second, so
# the read timeout must be longer). The stale marks are in the database; the periodic sweep
# catches up when the broker is back. The worker's own connection retries on its own settings.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 0.5,
    "socket_timeout": 3,
}
# Stale metric values are swept up every minute (e.g. those saved while the broker was down)
# and everything is recomputed at night, so nothing stays wrong for long.
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-metrics": {"task": "measures.sweep_stale", "schedule": 60.0},
    "recompute-all-metrics": {
        "task": "measures.recompute_all",
        "schedule": crontab(hour=3, minute=15),
    },
    "purge-import-files": {
        "task": "neighbourhoods.purge_import_files",
        "schedule": crontab(hour=3, minute=45),
    },
}

# The cache holds what every process must see at once, such as an import's progress, which a
# worker writes while the web process reads it: Redis when there is a broker (CACHE_URL, or
# the broker's Redis), else the process's own memory (the quick start runs tasks in-process).
CACHE_URL = env_str("CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Activities imported from spreadsheets (neighbourhoods/imports.py): the largest file and the
# most rows accepted, and the size up to which a file is checked and imported while the
# browser waits; a larger one goes to a worker, and the page shows a progress bar.
IMPORT_MAX_FILE_MB = env_int("IMPORT_MAX_FILE_MB", 10, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000, minimum=1)
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 300, minimum=0)
# An uploaded file not imported within this many days (checked but never confirmed) is deleted.
IMPORT_KEEP_DAYS = env_int("IMPORT_KEEP_DAYS", 7, minimum=1)

# A metric with a target is "on track" when its latest value is at least this share of the way
# the straight line from baseline to target says it should be by now, "at risk" down to
# METRIC_AT_RISK_SHARE, and "off track" below that. See measures/status.py.
METRIC_ON_TRACK_SHARE = env_float("METRIC_ON_TRACK_SHARE", 0.95)
METRIC_AT_RISK_SHARE = env_float("METRIC_AT_RISK_SHARE", 0.8)

# Mail (error reports to ADMIN_EMAILS). Without EMAIL_HOST, mail is printed to the console.
_EMAIL_HOST = env_str("EMAIL_HOST")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
                # An error report is sent while the failed request waits: a mail server that
                # accepts and then stays silent must not hold a web worker for long.
                "timeout": env_int("EMAIL_TIMEOUT", 5, minimum=1),
            },
        }
        if _EMAIL_HOST
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "noreply@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = env_list("ADMIN_EMAILS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "kalliola.log.ErrorMailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    # Django's own "django" logger mails errors with a handler that may raise (see kalliola.log).
    "loggers": {"django": {"handlers": ["mail_admins"], "level": "INFO"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
}

AUDITLOG_INCLUDE_ALL_MODELS = False

# Dates the app accepts (activities, signals, funding, measurements, baselines): from the
# first of January of DATES_FIRST_YEAR to the end of the year DATES_YEARS_AHEAD years from now.
DATES_FIRST_YEAR = env_int("DATES_FIRST_YEAR", 2000, minimum=1900)
DATES_YEARS_AHEAD = env_int("DATES_YEARS_AHEAD", 3, minimum=1)

# A means still being worked on whose last progress note is older than this many days (or
# that has none) is flagged as silent on the goal dashboard and on its owner's list.
MEANS_SILENT_AFTER_DAYS = env_int("MEANS_SILENT_AFTER_DAYS", 60, minimum=1)
# The goal (by number) that builds the inequality meter: it keeps the built-in metrics of the
# organisation's whole reach per year and area, which the meter reads (goal 3 in 2023–2025).
INEQUALITY_METER_GOAL = env_int("INEQUALITY_METER_GOAL", 3, minimum=1)

# Password guessing (django-axes, see kalliola/lockout.py). A username is locked out at one
# address after LOGIN_FAILURE_LIMIT failures, and an address for every username after
# LOGIN_FAILURE_LIMIT_PER_ADDRESS failures (0: no such limit), until LOGIN_LOCKOUT_MINUTES
# have passed without another attempt. Locking a username everywhere would let anyone lock
# out a colleague by typing their name; another address keeps its own count instead.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30, minimum=0)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# How many reverse proxies in front of the app append to X-Forwarded-For. With none, the
# header is the client's own word and is ignored: the address is the connection's.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Each attempt during a lockout starts the cool-off again, so the lockout page can say that
# the wait is the whole of it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "kalliola.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "kalliola.lockout.client_ip_address"
AXES_LOCKOUT_CALLABLE = "kalliola.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Failed attempts are kept only until their cool-off has passed; a log of every successful
# login with its address and browser would grow forever and is not needed.
AXES_DISABLE_ACCESS_LOG = True
