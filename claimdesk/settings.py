"""Django settings for Claimdesk, read from the environment.

Variables (all optional unless said otherwise):

- ``DEBUG`` (bool, default false).
- ``SECRET_KEY``: required unless ``DEBUG`` is on.
- ``ALLOWED_HOSTS``: comma-separated; default ``127.0.0.1,localhost`` (``*`` is refused unless
  ``DEBUG``).
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/claimdesk``; default SQLite at
  ``var/claimdesk.sqlite3``.
- ``REDIS_URL``: when set, Redis is Celery's broker and Django's cache; when unset, Celery's
  broker is a folder under ``var/broker`` (kombu's filesystem transport) that the worker
  ``make run`` starts reads, and the cache is local memory, so nothing but Python is needed.
- ``LOCAL_BROKER_DIR`` (default ``var/broker``): that folder.
- ``ANALYSIS_STALE_AFTER_SECONDS`` (default 600): when the sweep re-enqueues a pending claim.
- ``ANALYSIS_INDEX_FEED_HOURS`` (default 24): how long index changes are kept for workers'
  in-memory index mirrors to replay.
- ``ANALYSIS_PREPARED_STATEMENTS`` (default on): analysis prepares its statements on
  PostgreSQL; turn off behind a pooler that cannot keep prepared statements.
- ``WEBHOOK_SECRET_KEYS``: comma-separated Fernet keys for webhook secrets at rest.
- ``SITE_URL``: absolute base of links in webhook payloads.
- ``SECURE_SSL_REDIRECT``, ``SECURE_HSTS_SECONDS``, ``CSRF_TRUSTED_ORIGINS``, ``LOG_LEVEL``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext

from claimdesk.env import (
    SettingError,
    env_bool,
    env_choice,
    env_fernet_keys,
    env_float,
    env_int,
    env_list,
    env_log_level,
    env_rate,
    env_str,
    env_url,
)

# Lets admin and form classes be subscripted for type checking (ModelAdmin[Claim]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise SettingError(
            "SECRET_KEY",
            None,
            "required when DEBUG is off; set it to a long random string (for example: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))')",
        )
    # Development only: a fixed key keeps sessions valid across restarts of `make run`.
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
if "*" in ALLOWED_HOSTS and not DEBUG:
    raise SettingError(
        "ALLOWED_HOSTS",
        env_str("ALLOWED_HOSTS"),
        "'*' is refused when DEBUG is off; list the hosts",
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
for _origin in CSRF_TRUSTED_ORIGINS:
    if "://" not in _origin:
        raise SettingError(
            "CSRF_TRUSTED_ORIGINS",
            env_str("CSRF_TRUSTED_ORIGINS"),
            "each origin needs its scheme, e.g. https://claims.example.org",
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_htmx",
    "sources",
    "claims",
    "reviews",
    "ingest",
    "factchecks",
    "publishing",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the signed-in user on history rows written during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during sign-in into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "claimdesk.urls"
WSGI_APPLICATION = "claimdesk.wsgi.application"
ASGI_APPLICATION = "claimdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "claimdesk" / "templates"],
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


def _database_config() -> dict[str, Any]:
    url = env_str("DATABASE_URL", default="")
    if not url:
        VAR_DIR.mkdir(exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "claimdesk.sqlite3",
            # SQLite allows one writer; wait for the lock rather than fail at once, and take
            # the write lock at BEGIN so two writers never deadlock upgrading read locks.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    allowed = "use postgres://user:pass@host:5432/name or sqlite:///path"
    try:
        config = dict(
            dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
        )
    except ValueError:
        raise SettingError("DATABASE_URL", url, f"could not be read; {allowed}") from None
    if config.get("ENGINE") not in {
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    }:
        raise SettingError("DATABASE_URL", url, f"unsupported database; {allowed}")
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", default="")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise SettingError("REDIS_URL", REDIS_URL, "must start with redis://, rediss:// or unix://")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "claimdesk",
            # Only the API's rate counters live here, and they fall back to per-process
            # counters when Redis fails (claimdesk.api.throttling): give up fast on a Redis
            # that is down or hangs, rather than hold the request.
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery. Tasks always run in a worker process, as in production; only the unit tests run them
# eagerly (tests/settings.py). Without Redis the broker is a folder of message files under
# var/broker (kombu's filesystem transport): no service and no extra package, publishing is a
# file write, and beat, retries (ETA messages) and the worker's remote control (fanout) work as
# on Redis. It suits one machine only: `make run` starts the worker and beat beside the server.
BROKER_DIR = Path(env_str("LOCAL_BROKER_DIR", default=str(VAR_DIR / "broker")))
# A host name only so that kombu does not warn "No hostname was supplied" on every publish;
# the filesystem transport ignores it.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = env_bool("CELERY_TASK_EAGER_PROPAGATES", default=False)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Acknowledge after the task ran, and requeue if the worker dies, so a killed worker never
# loses a message; tasks are idempotent, so running one twice is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Saving a claim publishes its analysis after commit, inside the user's request, so a publish
# must give up quickly when the broker is down: the claim stays pending and the sweep enqueues
# it later. Connection refused fails within milliseconds; the socket timeouts bound a broker that
# accepts connections but never answers (without them a publish waits forever). No publish
# retries: each reconnect to a hung broker costs another timeout, redis-py already reconnects a
# connection a restarted Redis closed, and the sweep is the retry. The worker's BRPOP waits
# 1 s, inside the 2 s socket timeout.
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any]
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
# What a Redis broker needs, named apart so a process switched to Redis (the fault tests) gets
# the same timeouts as production.
REDIS_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    "socket_connect_timeout": 2.0,
    "socket_timeout": 2.0,
}
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
else:
    # One folder for queued messages (written and read by every process), one for the
    # exchange tables. Created here so the first publish never fails on a missing folder.
    try:
        for _folder in (BROKER_DIR / "queue", BROKER_DIR / "control"):
            _folder.mkdir(parents=True, exist_ok=True)
    except OSError as _exc:
        raise SettingError(
            "LOCAL_BROKER_DIR",
            str(BROKER_DIR),
            f"cannot create the broker folder there ({_exc.strerror}); name a writable folder",
        ) from None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        # The worker lists the folder this often when it is empty: a claim saved is picked
        # up within a tenth of a second, for a directory listing that costs next to nothing.
        "polling_interval": 0.1,
    }
# Beat's record of when each periodic task last ran, beside the other local state.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "sweep-analysis": {"task": "claims.tasks.sweep_analysis", "schedule": 300.0},
    "deliver-due-webhooks": {"task": "publishing.tasks.deliver_due_webhooks", "schedule": 30.0},
    "sweep-queue-stats": {"task": "reviews.tasks.sweep_queue_stats", "schedule": 900.0},
    # Counts the weeks changed since the last run into the dashboard's summary, so readers
    # rarely do it in their request.
    "refresh-desk-stats": {"task": "desk.tasks.refresh_desk_stats", "schedule": 60.0},
    "fetch-claimreview-feeds": {
        "task": "publishing.tasks.fetch_feed_subscriptions",
        "schedule": 300.0,
    },
    "sweep-review-matching": {"task": "factchecks.tasks.sweep_review_matching", "schedule": 300.0},
}
# A claim still pending this long after its analysis was requested is enqueued again by the
# sweep: its message was lost (broker down or restarted) or its worker was killed. With
# acks_late on Redis such a message only comes back after the visibility timeout, hence a
# window shorter than that; it should exceed the time the queue takes to drain, or busy claims
# are analysed twice (harmless, analysis is idempotent, but wasted work).
ANALYSIS_STALE_AFTER_SECONDS = env_int("ANALYSIS_STALE_AFTER_SECONDS", 600, minimum=0)
if CELERY_VISIBILITY_TIMEOUT <= ANALYSIS_STALE_AFTER_SECONDS:
    # Otherwise Redis hands a slow claim's message to a second worker before the sweep would,
    # and a claim whose worker died waits for the longer of the two.
    raise SettingError(
        "CELERY_VISIBILITY_TIMEOUT",
        str(CELERY_VISIBILITY_TIMEOUT),
        f"must be greater than ANALYSIS_STALE_AFTER_SECONDS ({ANALYSIS_STALE_AFTER_SECONDS})",
    )
# Workers rank on an in-memory mirror of the index and replay the change feed (IndexChange)
# before every ranking; the sweep prunes the feed after this long, and a mirror that has not
# replayed for half of it loads the index afresh instead.
ANALYSIS_INDEX_FEED_HOURS = env_int("ANALYSIS_INDEX_FEED_HOURS", 24, minimum=1)
# Analysis runs the same few statements for every claim; prepared once per connection, with one
# generic plan, they are neither parsed nor planned again (that had cost more than running
# most of them). Off for a pooler in
# transaction mode that cannot keep prepared statements (PgBouncer before 1.21).
ANALYSIS_PREPARED_STATEMENTS = env_bool("ANALYSIS_PREPARED_STATEMENTS", default=True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "admin:login"

# Sign-in brute-force protection (django-axes) for the admin and the review queue. Failures are
# counted per username *and* address together, so one person guessing cannot lock out everyone
# behind the same newsroom NAT, and one address cannot lock a colleague's name from elsewhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", default=1.0, minimum=0, exclusive_minimum=True)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "desk/locked_out.html"
# Axes logs a "BEGIN version …" banner at INFO whenever Django starts, so on every management
# command; lock-outs themselves are still logged as warnings.
AXES_VERBOSE = False
# Behind a TLS-terminating proxy the client address is in X-Forwarded-For; off by default so a
# client cannot choose its own address.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", default=0, minimum=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Security. Production (DEBUG off) gets secure cookies and HSTS by default; a deployment behind
# a TLS-terminating proxy sets SECURE_PROXY_SSL_HEADER_ENABLED=1.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Matching thresholds, on the engine's 0..1 similarity scale. Unset, the engine's own
# defaults (tuned on the benchmark) apply; `manage.py matching_report` shows how editors
# decided on past flags, to tune them from real use.
# The optional semantic tier (sentence embeddings) runs a neural model, so "auto" turns it on
# in Celery worker processes only (claimdesk.celery.in_worker): never in a web process, nor in
# unit tests that run tasks eagerly.
MATCHING_SEMANTIC = env_choice("MATCHING_SEMANTIC", "auto", ("auto", "on", "off"))

MATCHING_THRESHOLDS: dict[str, float] = {
    name: env_float(f"MATCHING_{name.upper()}_THRESHOLD", default=0.0, minimum=0, maximum=1)
    for name in ("repeat", "related", "conflict")
    if env_str(f"MATCHING_{name.upper()}_THRESHOLD", default="")
}

# Publisher REST API (/api/v1/). Publishers authenticate with bearer tokens; a session is
# accepted for editors and fact-checkers only, so staff can browse the API and its docs.
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "claimdesk.api.authentication.BearerTokenAuthentication",
        "claimdesk.api.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claimdesk.api.access.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE; larger ones get a JSON 413.
    "DEFAULT_PARSER_CLASSES": ["claimdesk.api.errors.LimitedJSONParser"],
    # Every error as {"field": ["message", ...]} (see claimdesk.api.errors).
    "EXCEPTION_HANDLER": "claimdesk.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["claimdesk.api.throttling.CallerRateThrottle"],
    # Counted in the default cache: Redis when REDIS_URL is set, so all web processes share it.
    "DEFAULT_THROTTLE_RATES": {
        "api": env_rate("API_RATE_LIMIT", default="1200/hour"),
        "submit": env_rate("API_SUBMIT_RATE_LIMIT", default="120/hour"),
    },
    "DEFAULT_PAGINATION_CLASS": "claimdesk.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Claimdesk publisher API",
    "DESCRIPTION": "Published fact-checks (schema.org ClaimReview), claims, sources and claim "
    "submission. Authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "FlagStatusEnum": "claims.models.FlagStatus",
        "FlagKindEnum": "claims.models.FlagKind",
        "AnalysisStateEnum": "claims.models.AnalysisState",
    },
    # Swagger UI from the installed sidecar package: the docs page loads nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Who publishes the fact-checks, as named in ClaimReview JSON-LD (schema.org author), and the
# public page of a review: "{id}" is replaced by the verdict id. Without a template the API's
# own URL for the review is used.
CLAIMREVIEW_AUTHOR_NAME = env_str("CLAIMREVIEW_AUTHOR_NAME", default="Claimdesk").strip()
if not CLAIMREVIEW_AUTHOR_NAME:
    raise SettingError(
        "CLAIMREVIEW_AUTHOR_NAME", "", "must name the organisation (ClaimReview requires one)"
    )
CLAIMREVIEW_AUTHOR_URL = env_url("CLAIMREVIEW_AUTHOR_URL")
CLAIMREVIEW_URL_TEMPLATE = env_url("CLAIMREVIEW_URL_TEMPLATE")
if CLAIMREVIEW_URL_TEMPLATE and "{id}" not in CLAIMREVIEW_URL_TEMPLATE:
    raise SettingError(
        "CLAIMREVIEW_URL_TEMPLATE",
        CLAIMREVIEW_URL_TEMPLATE,
        "must contain {id}, replaced by the verdict id",
    )
# Webhooks to private, loopback or link-local addresses are refused (they would let a publisher
# probe the internal network) unless this is on, for development and tests.
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", default=False)

# Ingest: sentences scoring at least this check-worthiness are shown as candidates by default.
INGEST_CANDIDATE_THRESHOLD = env_float(
    "INGEST_CANDIDATE_THRESHOLD", default=0.5, minimum=0, maximum=1
)
WEBHOOK_TIMEOUT_SECONDS = env_float(
    "WEBHOOK_TIMEOUT_SECONDS", default=10.0, minimum=0, maximum=300, exclusive_minimum=True
)
# Fernet keys that encrypt webhook signing secrets at rest: the first encrypts, all decrypt
# (rotation). Empty: a key derived from SECRET_KEY (see publishing/webhook_secrets.py).
WEBHOOK_SECRET_KEYS = env_fernet_keys("WEBHOOK_SECRET_KEYS")
# Absolute base of the links in webhook payloads (e.g. https://desk.example.org); webhooks are
# sent outside any request, so there is no host to take it from. Empty: links are paths.
SITE_URL = env_url("SITE_URL").rstrip("/")

LOG_LEVEL = env_log_level("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Celery logs "Task … received" and "Task … succeeded" for every claim at INFO, which
        # buries everything else on a busy desk; the batch tasks log one summary line instead.
        # Failures and retries are warnings or errors and still show.
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
    },
}
