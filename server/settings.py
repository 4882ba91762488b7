"""Hearth's one settings module.

It runs with no configuration at all for a laptop (``DEBUG=1``: SQLite file, in-memory channel
layer) and differs in production only by environment variables, all listed in README.md.
A production deployment (``DJANGO_ENV=production``) refuses to start without a SECRET_KEY and
passes ``manage.py check --deploy``.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from server.env import (
    ConfigurationError,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ConfigurationError("DJANGO_ENV must be 'development' or 'production'")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ConfigurationError("DEBUG=1 is refused when DJANGO_ENV=production")

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigurationError(
            "SECRET_KEY is required (set DEBUG=1 for a local development server instead)"
        )
    # Development only: a fixed key, so pseudonyms and sessions survive restarts on a laptop.
    SECRET_KEY = "hearth-insecure-development-key-never-use-in-production"
if PRODUCTION and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or "CHANGE-ME" in SECRET_KEY.upper()
):
    # The key makes every pseudonym and identity key: a guessable one would let anyone link a
    # person's pseudonyms across rooms, or forge sessions.
    raise ConfigurationError(
        "SECRET_KEY must be 50 or more random characters when DJANGO_ENV=production (not the "
        "CHANGE-ME of deploy/env.example): "
        'python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if not PRODUCTION else []
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigurationError("ALLOWED_HOSTS is required when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rooms",
    "rooms.scheduling",
    "moderation",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "server.errors.DatabaseUnavailableMiddleware",
    "server.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "server.urls"
ASGI_APPLICATION = "server.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # No health check per use: it costs a query before every call. A connection broken by a
    # database restart fails one call (answered "unavailable") and is then replaced.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if env_str("HEARTH_TEST_DATABASE_NAME"):
        # Lets two test runs share one PostgreSQL server without dropping each other's database.
        DATABASES["default"]["TEST"] = {"NAME": env_str("HEARTH_TEST_DATABASE_NAME")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("HEARTH_SQLITE_PATH", str(BASE_DIR / "var" / "hearth.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "hearth:layer:"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache holds throttle counts (RSVPs): shared by all processes through Redis when there is one.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hearth:cache",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Sessions: the anonymous identity lives here ------------------------------------------------

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "hearth_session"
SESSION_COOKIE_AGE = env_int("HEARTH_SESSION_DAYS", 30, minimum=1) * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security ----------------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
# Same-origin only: nothing goes to other sites, and the browser can still prove to Django's CSRF
# check that a form was posted from Hearth itself (with "no-referrer" it sends Origin: null).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("HEARTH_SSL_REDIRECT", True)
    # Health checks come from inside the deployment, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("HEARTH_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind the bundled nginx, which terminates TLS and sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Static files ------------------------------------------------------------------------------

STATIC_URL = "/static/"
# collectstatic's target (the Docker image); unset, whitenoise serves files from the apps.
STATIC_ROOT = env_str("HEARTH_STATIC_ROOT") or None
# Without collectstatic, whitenoise finds the files in the apps (it does so only with DEBUG=1
# otherwise), so the pages work with DEBUG off too: tests, a laptop with DEBUG=0.
WHITENOISE_USE_FINDERS = STATIC_ROOT is None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Quick exit replaces the page with this neutral site (frontend/, docs/frontend.md).
HEARTH_EXIT_URL = env_str("HEARTH_EXIT_URL", "https://www.bbc.co.uk/weather")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# OpenAPI 3 schema at /api/schema/, Swagger UI at /api/docs/ from local files (no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "Hearth API",
    "DESCRIPTION": "Rooms and scheduled group sessions. See docs/scheduling.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "rooms.scheduling.models.GroupSession.Status",
        "RsvpStatusEnum": "rooms.scheduling.models.RSVP.Status",
        "RoomKindEnum": "rooms.models.Room.Kind",
        "MessageStatusEnum": "rooms.models.Message.Status",
        "FlagKindEnum": "moderation.models.Flag.Kind",
        "FlagStatusEnum": "moderation.models.Flag.Status",
    },
}

# Nothing Hearth logs names an IP address: daphne's access log stays off and Django's request
# logger only names paths.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("HEARTH_LOG_LEVEL", "INFO")},
    "loggers": {"daphne.access": {"level": "WARNING"}},
}

# --- Hearth's limits (each one a HEARTH_* variable, listed in README.md) -------------------------

HEARTH_MAX_BODY_CHARS = env_int("HEARTH_MAX_BODY_CHARS", 2000, minimum=1)
HEARTH_MAX_FRAME_BYTES = env_int("HEARTH_MAX_FRAME_BYTES", 16 * 1024, minimum=1024)
HEARTH_RATE_BURST = env_int("HEARTH_RATE_BURST", 5, minimum=1)
HEARTH_RATE_REFILL_SECONDS = env_float("HEARTH_RATE_REFILL_SECONDS", 2.0, minimum=0.001)
HEARTH_REPORT_BURST = env_int("HEARTH_REPORT_BURST", 10, minimum=1)
HEARTH_REPORT_REFILL_SECONDS = env_float("HEARTH_REPORT_REFILL_SECONDS", 30.0, minimum=0.001)
HEARTH_DEFAULT_ROOM_CAPACITY = env_int("HEARTH_DEFAULT_ROOM_CAPACITY", 500, minimum=1)
HEARTH_REPLAY_LIMIT = env_int("HEARTH_REPLAY_LIMIT", 1000, minimum=1)
HEARTH_GAP_FILL_SECONDS = env_float("HEARTH_GAP_FILL_SECONDS", 0.25, minimum=0.01)
HEARTH_PRESENCE_TTL_SECONDS = env_int("HEARTH_PRESENCE_TTL_SECONDS", 30, minimum=5)
HEARTH_PRESENCE_INTERVAL_SECONDS = env_float("HEARTH_PRESENCE_INTERVAL_SECONDS", 1.0, minimum=0.0)
# Scheduled group sessions (rooms.scheduling, docs/scheduling.md)
HEARTH_SESSION_OPENS_MINUTES_BEFORE = env_int("HEARTH_SESSION_OPENS_MINUTES_BEFORE", 10, minimum=0)
HEARTH_SESSION_MAX_CAPACITY = env_int("HEARTH_SESSION_MAX_CAPACITY", 50, minimum=1)
HEARTH_RSVP_RATE = env_str("HEARTH_RSVP_RATE", "10/hour")
HEARTH_RSVP_NETWORK_RATE = env_str("HEARTH_RSVP_NETWORK_RATE", "20/hour")
HEARTH_WATCHED_WORDS_TTL = env_float("HEARTH_WATCHED_WORDS_TTL", 5.0, minimum=0.0)
HEARTH_CIRCLE_GRACE_SECONDS = env_float("HEARTH_CIRCLE_GRACE_SECONDS", 30.0, minimum=0.0)
HEARTH_MAX_CONNECTIONS_PER_IDENTITY = env_int("HEARTH_MAX_CONNECTIONS_PER_IDENTITY", 8, minimum=1)
HEARTH_MAX_CONNECTIONS_PER_ADDRESS = env_int("HEARTH_MAX_CONNECTIONS_PER_ADDRESS", 64, minimum=1)
HEARTH_HANDSHAKE_BURST = env_int("HEARTH_HANDSHAKE_BURST", 20, minimum=1)
HEARTH_HANDSHAKE_REFILL_SECONDS = env_float("HEARTH_HANDSHAKE_REFILL_SECONDS", 1.0, minimum=0.001)
HEARTH_FRAME_RATE = env_float("HEARTH_FRAME_RATE", 10.0, minimum=0.1)
HEARTH_FRAME_BURST = env_int("HEARTH_FRAME_BURST", 30, minimum=1)
HEARTH_SOCKET_BUFFER_BYTES = env_int("HEARTH_SOCKET_BUFFER_BYTES", 1 << 20, minimum=16 * 1024)
HEARTH_RETENTION_HOURS = env_int("HEARTH_RETENTION_HOURS", 72, minimum=0)
# How often each process marks its connected people's names as in use (rooms.hub.keep_names).
HEARTH_NAME_KEEP_SECONDS = env_float("HEARTH_NAME_KEEP_SECONDS", 3600.0, minimum=0.01)
HEARTH_FLAG_RETENTION_DAYS = env_int("HEARTH_FLAG_RETENTION_DAYS", 30, minimum=0)
HEARTH_BLOCK_RETENTION_DAYS = env_int("HEARTH_BLOCK_RETENTION_DAYS", 365, minimum=1)
