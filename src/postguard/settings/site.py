"""Django settings, built only from `postguard.settings.env` readers.

The default needs no services: SQLite in POSTGUARD_DATA_DIR and the embedded worker. PostgreSQL
is one variable away (DATABASE_URL). POSTGUARD_ENV=production refuses to start without a real
secret key and turns on secure cookies and HSTS. docs/configuration.md lists every variable.
"""

from __future__ import annotations

from pathlib import Path

from postguard.settings import env
from postguard.settings.database import parse_database_url, sqlite_database
from postguard.settings.env import SettingError

ENVIRONMENT = env.choice("POSTGUARD_ENV", "development", ("development", "production"))
PRODUCTION = ENVIRONMENT == "production"

DATA_DIR = Path(env.string("POSTGUARD_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DEBUG = env.boolean("POSTGUARD_DEBUG", False)
if PRODUCTION and DEBUG:
    raise SettingError("POSTGUARD_DEBUG=true is not allowed with POSTGUARD_ENV=production")

_DEVELOPMENT_KEY = "insecure-development-key-change-me"
SECRET_KEY = env.string("POSTGUARD_SECRET_KEY", _DEVELOPMENT_KEY)
if PRODUCTION and (SECRET_KEY == _DEVELOPMENT_KEY or len(SECRET_KEY) < 50):
    raise SettingError(
        "POSTGUARD_SECRET_KEY (or POSTGUARD_SECRET_KEY_FILE) must be set to a random value of at "
        "least 50 characters with POSTGUARD_ENV=production; generate one with: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
ALLOWED_HOSTS = list(env.string_list("POSTGUARD_ALLOWED_HOSTS", ("localhost", "127.0.0.1")))
CSRF_TRUSTED_ORIGINS = list(env.string_list("POSTGUARD_CSRF_TRUSTED_ORIGINS", ()))
# Where `postguard serve` listens (host:port).
BIND = env.bind_address("POSTGUARD_BIND", ("127.0.0.1", 8000))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "postguard.core",
    "postguard.audit",
    "postguard.registry",
    "postguard.policy",
    "postguard.jobs",
    "postguard.workflow",
    "postguard.publishing",
    # The web app before allauth: its templates restyle allauth's pages (sign-in, MFA).
    "postguard.web",
    # sign-in (web helper): allauth with MFA and its session list, axes lockouts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    # Listed so the API docs page serves Swagger UI from local static files, not a CDN.
    "ninja",
    "postguard.api",
]
AUTH_USER_MODEL = "core.User"

_DATABASE_URL = env.optional_string("DATABASE_URL")
if not _DATABASE_URL:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": (
        parse_database_url(_DATABASE_URL)
        if _DATABASE_URL
        else sqlite_database(DATA_DIR / "postguard.sqlite3")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"

# --- Web, sign-in and API (web helper) ---------------------------------------------------------
ROOT_URLCONF = "postguard.web.urls"
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # One request id for every audit event recorded while serving a request.
    "postguard.audit.middleware.RequestIdMiddleware",
    # Sets request.device: the enrolled company device the request comes from, or None.
    "postguard.registry.devices.DeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Until MFA is on, people whose roles approve or publish may only set it up.
    "postguard.web.middleware.MfaRequiredMiddleware",
    # Axes last: it turns a lockout raised during authentication into its lockout page.
    "axes.middleware.AxesMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "postguard.web.context.navigation",
            ],
        },
    }
]
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve files straight from the apps: `postguard serve` works without collectstatic.
WHITENOISE_USE_FINDERS = True

AUTHENTICATION_BACKENDS = [
    # Axes watches every password sign-in (the admin signs in through allauth, so MFA applies).
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_REDIRECT_URL = "web:dashboard"
ACCOUNT_ADAPTER = "postguard.web.adapter.AccountAdapter"  # closed signup: the lead adds people
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are entered by the lead, not by strangers
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.integer(
    "POSTGUARD_REAUTHENTICATION_SECONDS", 300, minimum=30, maximum=3600
)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Postguard"
# WebAuthn needs https; a plain-http deployment on a laptop can opt in explicitly.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.boolean("POSTGUARD_WEBAUTHN_ALLOW_HTTP", DEBUG)
USERSESSIONS_TRACK_ACTIVITY = True
AXES_FAILURE_LIMIT = env.integer("POSTGUARD_LOCKOUT_FAILURES", 10, minimum=1)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "login"  # allauth's form field
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.integer("POSTGUARD_SESSION_SECONDS", 12 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
NINJA_PAGINATION_PER_PAGE = 50
AXES_USERNAME_CALLABLE = "postguard.web.adapter.axes_username"
CSRF_FAILURE_VIEW = "postguard.web.views.errors.csrf_failure"

# --- Passwords ---------------------------------------------------------------------------------
# argon2 first; the others only verify old hashes (and upgrade them at the next sign-in).
# Tests swap in a fast hasher (tests/conftest.py), never this module.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Devices -----------------------------------------------------------------------------------
# Company devices carry a signed cookie set at enrollment (postguard.registry.devices).
DEVICE_COOKIE_NAME = "postguard_device"
DEVICE_COOKIE_AGE = (
    env.integer("POSTGUARD_DEVICE_COOKIE_DAYS", 365, minimum=1, maximum=3650) * 86400
)

# --- Uploads -----------------------------------------------------------------------------------
# The largest file Postguard accepts (directory CSV, images); larger ones are refused by name.
MAX_UPLOAD_BYTES = env.byte_size("POSTGUARD_MAX_UPLOAD_BYTES", 10 * 1000**2, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = min(MAX_UPLOAD_BYTES, 2_500_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = min(MAX_UPLOAD_BYTES, 2_500_000)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
MEDIA_ROOT = DATA_DIR / "media"

# --- Outgoing mail (invitations: a new person chooses their own password) ----------------------
EMAIL_HOST = env.optional_string("POSTGUARD_EMAIL_HOST")
DEFAULT_FROM_EMAIL = env.string("POSTGUARD_EMAIL_FROM", "postguard@localhost")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.integer("POSTGUARD_EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env.string("POSTGUARD_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env.string("POSTGUARD_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env.boolean("POSTGUARD_EMAIL_TLS", True)
elif PRODUCTION:
    # Invitation links are secrets: in production they go by mail or not at all, never to a log.
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
MAIL_CONFIGURED = bool(EMAIL_HOST) or not PRODUCTION

# --- Jobs --------------------------------------------------------------------------------------
# embedded: a worker thread inside `postguard serve`; celery: separate workers over a broker.
JOBS_BACKEND = env.choice("POSTGUARD_JOBS_BACKEND", "embedded", ("embedded", "celery"))
BROKER_URL = env.url("POSTGUARD_BROKER_URL", None, ("redis", "rediss", "amqp", "amqps"))
if JOBS_BACKEND == "celery" and BROKER_URL is None:
    raise SettingError(
        "POSTGUARD_JOBS_BACKEND=celery needs POSTGUARD_BROKER_URL (or POSTGUARD_BROKER_URL_FILE), "
        "e.g. redis://127.0.0.1:6379/0 or amqp://user:password@host:5672//"
    )
# How long a worker's claim on a job holds (seconds): a worker killed mid-job keeps it locked
# this long before the sweep hands it to another, so it bounds the lateness after a crash; it
# must exceed the longest job, or a slow job is handed on while it still runs.
JOB_LOCK_SECONDS = env.integer("POSTGUARD_JOB_LOCK_SECONDS", 300, minimum=10, maximum=86400)

# --- Platform connectors ----------------------------------------------------------------------
# Platform servers on the organization's own network (or this machine) must be allowed by name:
# by default connectors reach public addresses only.
PLATFORM_ALLOW_LOOPBACK = env.boolean("POSTGUARD_PLATFORM_ALLOW_LOOPBACK", False)
PLATFORM_ALLOW_PRIVATE = env.boolean("POSTGUARD_PLATFORM_ALLOW_PRIVATE", False)
PLATFORM_TIMEOUT_SECONDS = env.integer("POSTGUARD_PLATFORM_TIMEOUT", 20, minimum=1, maximum=300)
# The integrity watch re-reads each connected account at most this often (minutes).
INTEGRITY_MINUTES = env.integer("POSTGUARD_INTEGRITY_MINUTES", 15, minimum=1, maximum=1440)

# --- Production hardening ----------------------------------------------------------------------
SECURE_HSTS_SECONDS = env.integer(
    "POSTGUARD_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
# Preloading is a commitment browsers keep for months; the operator opts in explicitly, so the
# deployment check's reminder (W021) is silenced rather than answered with a default.
SECURE_HSTS_PRELOAD = env.boolean("POSTGUARD_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env.boolean("POSTGUARD_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (only then: it can be spoofed).
if env.boolean("POSTGUARD_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Logging -----------------------------------------------------------------------------------
# To stderr; every record passes a filter that blanks the secret values from these settings.
LOG_LEVEL = env.choice(
    "POSTGUARD_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "postguard.settings.log_filters.RedactSecrets"}},
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django logs request bodies nowhere, but its SQL debug log would show parameters.
        "django.db.backends": {"level": "INFO", "propagate": True},
        "axes": {"level": "WARNING", "propagate": True},
    },
}
