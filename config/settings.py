"""Jalon settings: everything comes from the environment, with safe embedded defaults.

Embedded default: SQLite in var/, a local Huey worker on SQLite, e-mails written to var/mail.
Production: DATABASE_URL (PostgreSQL), REDIS_URL (Huey broker and cache), EMAIL_URL, SECRET_KEY,
ALLOWED_HOSTS and JALON_PRODUCTION=1 (HTTPS-only cookies and headers).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_rate, env_str, log_format, log_level, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("JALON_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_bool("JALON_PRODUCTION", False)
# Off unless asked for (`make run` sets DEBUG=1): a forgotten variable never shows tracebacks.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR, production=PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # its templates and static files: the API docs load Swagger UI from Jalon, not a CDN
    "csp",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "jalon.core",
    "jalon.accounts",
    "jalon.directory",
    "jalon.patients",
    "jalon.events",
    "jalon.messaging",
    "jalon.referrals",
    "jalon.triage",
    "jalon.pathways",
    "jalon.scheduling",
    "jalon.diagnostics",
    "jalon.portal",
    "jalon.teleexpertise",
    "jalon.mailin",
    "jalon.boards",
    "jalon.indicators",
    "jalon.coordination",
    "jalon.demo",
]

MIDDLEWARE = [
    # First, so that every log line of the request (and the answer's header) carries its id.
    "jalon.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A background refresh whose page cannot have changed: 204 before the session is read (issue 15).
    "jalon.accounts.freshness.UnchangedPollMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jalon.accounts.second_factor_middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "jalon.core.middleware.NoStoreMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jalon.accounts.sessions.SessionPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # The French formats of dates and times (core.formatting) in every template.
            "builtins": ["jalon.core.templatetags.french"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jalon.messaging.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jalon.sqlite3'}")
# Persistent connections (issue 15): each request reuses its worker's connection for DB_CONN_MAX_AGE seconds
# (600 by default; 0 closes it after each request), checked before reuse so a restarted database costs one
# failed check, never an error page.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 600), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialise writers instead of failing on lock upgrade; WAL lets
    # readers go on while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The pages read a referral with its entry point, organisation, patient, commune, GP, referrer… in one
    # query of 9 to 11 tables (select_related): PostgreSQL spent 5 to 15 ms planning it (every join order
    # tried), against 0.3 ms to run it. Those joins follow foreign keys from the filtered row, the order the
    # query is written in; beyond 6 tables the planner keeps that order (issue 15). DB_JOIN_COLLAPSE_LIMIT=8
    # is PostgreSQL's default.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c join_collapse_limit={env_int('DB_JOIN_COLLAPSE_LIMIT', 6, minimum=1)}"
    )
    # Server-side binding (psycopg 3): parameters travel apart from the statement, and a statement a
    # connection runs again and again is prepared once (planned once) after DB_PREPARE_THRESHOLD runs.
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env_int("DB_PREPARE_THRESHOLD", 5, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, sessions, lockout ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the professional record with the user (sessions opened under
    # "django.contrib.auth.backends.ModelBackend" before this change end: their users log in again).
    "jalon.accounts.backends.UserWithProfessionalBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jalon.accounts.password_validation.GuessablePasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Session policy (jalon.accounts.sessions): a session ends after SESSION_IDLE_SECONDS without a real
# request (background polls, marked by the X-Jalon-Poll header, do not count) and in any case
# SESSION_ABSOLUTE_SECONDS after login. The middleware saves the session on real requests only.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Sensitive actions (jalon.accounts.reauth.recent_auth_required) ask for the password again when the
# last authentication is older than this.
REAUTH_MAX_AGE_SECONDS = env_int("REAUTH_MAX_AGE_SECONDS", 15 * 60, minimum=60)
# Rate limits (jalon.accounts.throttling), counted in Django's cache: Redis in production, so they hold
# across app servers. A rate is « count/period », the period in s, m, h or d (« 100/15m »).
LOGIN_RATE_LIMIT = env_rate("LOGIN_RATE_LIMIT", "30/m")  # login attempts per address
LOGIN_ADDRESS_FAILURE_LIMIT = env_rate("LOGIN_ADDRESS_FAILURE_LIMIT", "100/15m")  # failed logins per address
API_RATE_LIMIT = env_rate("API_RATE_LIMIT", "120/m")  # API calls per user
API_ADDRESS_RATE_LIMIT = env_rate("API_ADDRESS_RATE_LIMIT", "600/m")  # API calls per address
RATELIMIT_FAIL_OPEN = True  # cache down: let requests through (axes still locks accounts, in the database)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Second factor (TOTP with recovery codes) and Pro Santé Connect -----------------------------
# Coordinators, managers and admins must enrol a TOTP device (jalon/accounts/two_factor.py); `make run`
# turns the requirement off for the demo (JALON_REQUIRE_2FA=0): whoever enrolled is still asked a code.
JALON_REQUIRE_2FA = env_bool("JALON_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Jalon")
# Admins may delete a lost device in the admin, never read a user's secret or recovery codes there.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Pro Santé Connect (OpenID Connect): the button shows only when issuer, client id and secret are set.
PSC_ISSUER = env_str("PSC_ISSUER", "").rstrip("/")
PSC_CLIENT_ID = env_str("PSC_CLIENT_ID", "")
PSC_CLIENT_SECRET = env_str("PSC_CLIENT_SECRET", "")
PSC_SCOPES = env_str("PSC_SCOPES", "openid scope_all")
PSC_ACR_VALUES = env_str("PSC_ACR_VALUES", "eidas1")
# The claim (ID token or userinfo) carrying the national identifier: "8" + RPPS for PSC's SubjectNameID.
PSC_RPPS_CLAIM = env_str("PSC_RPPS_CLAIM", "SubjectNameID")
PSC_TIMEOUT_SECONDS = env_int("PSC_TIMEOUT_SECONDS", 10, minimum=1)

# --- Production hardening (checked by `manage.py check --deploy`) -----------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from Jalon's own static files, no
# inline script or style (templates keep none: jalon/core/tests/test_security_headers.py scans them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Internationalisation and time ------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    # The file system, except that a file saved in a transaction that rolls back is removed (core/files.py).
    "default": {"BACKEND": "jalon.core.files.RollbackSafeStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The nightly sweep removes stored files no row names once they are this old (never a file of a
# transaction still in progress).
FILES_SWEEP_GRACE_HOURS = env_int("FILES_SWEEP_GRACE_HOURS", 24, minimum=1)
# Scheduling: no slot starting sooner than this is proposed or bookable (the patient must be told and come).
SCHEDULING_LEAD_TIME_MINUTES = env_int("SCHEDULING_LEAD_TIME_MINUTES", 120, minimum=0)
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_MB", 10, minimum=1) * 1024 * 1024
# A JSON API body carries its documents in base64 (4/3 of their size): leave room for two.
DATA_UPLOAD_MAX_MEMORY_SIZE = DOCUMENT_MAX_BYTES * 3
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail (the outbox sends through Django's backends) --------------------------------------
EMAIL_URL = env_str("EMAIL_URL", "")
if EMAIL_URL:
    from urllib.parse import unquote, urlparse

    _mail = urlparse(EMAIL_URL)
    if _mail.scheme not in {"smtp", "smtps", "submission"}:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("EMAIL_URL must be smtp://, smtps:// or submission://")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or {"smtp": 25, "smtps": 465, "submission": 587}[_mail.scheme]
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_USE_TLS = _mail.scheme == "submission"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Jalon <ne-pas-repondre@jalon.localhost>")
EMAIL_TIMEOUT = 20

# --- Background work (Huey) -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "jalon",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
    # One Redis client per pool, not one per operation (jalon/core/redis_cache.py).
    CACHES = {"default": {"BACKEND": "jalon.core.redis_cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis (written through to the database): one query less on every page. Only with
    # a cache every app server shares; nothing in Jalon deletes session rows behind the session store.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "jalon",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Outbox -----------------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8, minimum=1)
OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 60, minimum=1)
SMS_GATEWAY = env_str("SMS_GATEWAY", "jalon.messaging.sms.FileSmsGateway")
# Public address of Jalon, for links in messages (a notice says where to log in).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Secure mail in (MSSanté mailbox turned into draft referrals) -----------------------------
# imaps://user:password@host:993/INBOX, or dir:///path/to/folder of .eml files (embedded default).
MAIL_IN_URL = env_str("MAIL_IN_URL", f"dir://{VAR_DIR / 'mail-in'}")
# Slug of the entry point whose coordination receives the mails of that mailbox.
MAIL_IN_ENTRY_POINT = env_str("MAIL_IN_ENTRY_POINT", "")

# --- GP portal --------------------------------------------------------------------------------
# How often live parts of the portal and the worklist ask for news (seconds).
PORTAL_REFRESH_SECONDS = env_int("PORTAL_REFRESH_SECONDS", 15, minimum=1)
# Key of the pseudonyms in indicator exports (keyed hash of the pathway); empty: derived from SECRET_KEY.
INDICATORS_PSEUDONYM_KEY = env_str("INDICATORS_PSEUDONYM_KEY", "")

# --- API --------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
# A token issued without an explicit expiry lasts this many days (an expired one answers 401).
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 90, minimum=1)
# An `Idempotency-Key` is remembered (same key, same body: the same answer replayed) this long.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1)
# A request still "in progress" after this long is taken as dead: a retry with its key may run it again
# (safe: its work and its stored answer commit together, so a dead one left nothing behind).
IDEMPOTENCY_LEASE_SECONDS = env_int("IDEMPOTENCY_LEASE_SECONDS", 120, minimum=10)

# Every line, from the web servers and the Huey workers alike, says when, how serious, which logger and
# which request (the X-Request-ID of the request, a Huey task's id in the worker, "-" otherwise).
# LOG_FORMAT=json writes one JSON object per line (time, level, logger, request_id, message) for collectors.
LOG_FORMAT = log_format("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "jalon.core.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": log_level("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Huey's run_huey adds its own handler to the "huey" logger unless that logger already has one; with
        # it and the root's, each worker line was printed twice. Ours, not propagated: each line once, in
        # Jalon's format. run_huey's --quiet/--verbose then no longer apply: HUEY_LOG_LEVEL does.
        "huey": {
            "handlers": ["console"],
            "level": log_level("HUEY_LOG_LEVEL", log_level("LOG_LEVEL", "INFO")),
            "propagate": False,
        },
    },
}

# Axes locks per account, not per address: a hospital's users share one NAT address, and locking
# it at an account's threshold would lock out the whole hospital. Addresses get their own, much
# higher threshold (LOGIN_ADDRESS_FAILURE_LIMIT, jalon.accounts.throttling).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
