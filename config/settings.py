"""Settings, read from environment variables.

Defaults are the safe ones: DEBUG off, plain http off, no local addresses reachable. Development
(the README's start command) turns DEBUG on explicitly; production refuses to start without a real
SECRET_KEY and FIELD_ENCRYPTION_KEYS.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from datasets.rate_limit import import_rate_parse

BASE_DIR = Path(__file__).resolve().parent.parent
SWITCHBOARD_VERSION = "0.1.0"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


DEBUG = env_bool("DEBUG", False)

# Development keys: only ever used when DEBUG is on. They are public, so anything encrypted with
# them is readable by anyone who has this file.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LWRvLW5vdC11c2UtISE="

SECRET_KEY = os.environ.get("SECRET_KEY", "")
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not DEBUG:
    if len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
        )
    if not FIELD_ENCRYPTION_KEYS or _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must list at least one Fernet key when DEBUG is off "
            "(generate one with: python manage.py generate_encryption_key)."
        )
SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [_DEV_FIELD_KEY]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_ratelimit",
    "workspace",
    "integrations",
    "datasets",
    "boards",
    "operations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "config.middleware.DatabaseBusyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.PublishAfterResponseMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workspace.context_processors.current_workspace",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Under ASGI every request runs its database work in a thread of its own, so a
        # connection kept per thread would be one connection per request ever served: closed
        # after each request instead, and on PostgreSQL taken from the pool below.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "20"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_SIZE > 0:
    # Opening a PostgreSQL connection costs more than anything a click does: each process keeps
    # a pool (psycopg_pool), and a burst of requests (a thousand boards reconnecting at once)
    # queues for it instead of exhausting the server's max_connections.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Planning cost more than running the short statements every request repeats (the Action
    # button's read: 1.4 ms to plan, 0.3 ms to run). Server-side binding lets psycopg prepare a
    # statement once a connection has run it twice, and the pooled connection keeps the plan.
    # Off for a transaction-pooling PgBouncer in front, which cannot carry prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=2
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so the quota ledger's
    # count-then-insert is serialised across processes; WAL lets readers carry on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "switchboard"),
        }
    }
else:
    # Without Redis the cache lives in each process: fine for one development server or a test
    # run, but limits and one-time tokens would then hold per process only. So outside DEBUG and
    # the test suite, django-ratelimit's own check (E003) stops the app until REDIS_URL is set.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if DEBUG or env_bool("TESTING"):
        SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# ModelBackend, with the per-request user read as one raw query (workspace/auth_backends.py).
AUTHENTICATION_BACKENDS = ["workspace.auth_backends.UserBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded CSV files (MEDIA_ROOT, below) are customer data: readable by the app's user only.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env_bool("TESTING")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Development and tests serve static files straight from static/ (no collectstatic needed);
# production serves the hashed, compressed copies collectstatic writes to STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("TESTING")
WHITENOISE_AUTOREFRESH = DEBUG or env_bool("TESTING")

# Behind reverse proxies, how many of them append to X-Forwarded-For: per-IP limits then key on
# the client's address instead of the proxy's (config/client_ip.py), and X-Forwarded-Proto is
# believed.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Production hardening: on unless DEBUG. SECURE_SSL_REDIRECT can be switched off behind a proxy
# that already redirects.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if TRUSTED_PROXY_COUNT > 0:
        # Only our own proxy may say the client came over https: without one, the header is
        # whatever the client sent, and believing it would skip the https redirect.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
# Load balancers probe the health endpoints over plain http (operations/views.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
# Database sessions, read with one raw query (workspace/sessions.py says why).
SESSION_ENGINE = "workspace.sessions"
X_FRAME_OPTIONS = "DENY"

# Outgoing API requests (see integrations/address_policy.py and integrations/egress/).
OUTBOUND_ALLOWLIST = env_list("OUTBOUND_ALLOWLIST")
OUTBOUND_ALLOW_HTTP = env_bool("OUTBOUND_ALLOW_HTTP", False)
OUTBOUND_EGRESS_IPS = env_list("OUTBOUND_EGRESS_IPS")
OUTBOUND_CONNECT_TIMEOUT = env_float("OUTBOUND_CONNECT_TIMEOUT", 5.0)
OUTBOUND_READ_TIMEOUT = env_float("OUTBOUND_READ_TIMEOUT", 10.0)
OUTBOUND_DEADLINE = env_float("OUTBOUND_DEADLINE", 15.0)
OUTBOUND_MAX_RESPONSE_BYTES = 64 * 1024
OUTBOUND_CALLS_PER_HOUR = 100
# Seconds a click may wait in line for its host (2 calls at a time per host) before it is given
# up unsent, its quota slot given back.
DELIVERY_MAX_WAIT = env_float("DELIVERY_MAX_WAIT", 300.0)

# Background work on Celery (config/celery.py). The broker only carries ids; results live in our
# tables, so there is no result backend. Without a broker server (a fresh laptop) kombu's
# filesystem transport under var/ carries the messages between the web and worker processes.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_DIR = Path(os.environ.get("CELERY_BROKER_DIR", str(BASE_DIR / "var" / "broker")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        # The folder is polled: the default of 1 s would add up to a second to every hand-on.
        "polling_interval": 0.1,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Acknowledge after the task ran, and put it back if its worker died: a lost message is found
# by the sweeps anyway, and every task decides from the row whether anything is left to do.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# And no message waits in a worker whose threads are all busy while another worker idles (a
# handed-on slot would sit there for a whole send). Celery offers this for Redis only.
CELERY_WORKER_DISABLE_PREFETCH = CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
# Sends wait on the network, not the CPU: threads, many per worker (see README, "Running on
# several machines").
CELERY_WORKER_POOL = os.environ.get("CELERY_WORKER_POOL", "threads")
# Imports run on a queue of their own, so a deployment can give them workers of their own (at a
# lower CPU priority, README "Running on several machines"): a long import then never holds the
# threads that send clicks, nor the CPU the web server answers with. A worker started without
# --queues consumes both, as ./scripts/start's one worker does.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_IMPORT_QUEUE = os.environ.get("CELERY_IMPORT_QUEUE", "imports")


def celery_queues(default: str, imports: str) -> tuple[tuple[Queue, Queue], dict[str, dict]]:
    """The workers' queues (CELERY_TASK_QUEUES) and the import task's route to its own."""
    queues = tuple(Queue(name, Exchange(name), routing_key=name) for name in (default, imports))
    return (queues[0], queues[1]), {"datasets.tasks.import_job_run_task": {"queue": imports}}


CELERY_TASK_QUEUES, CELERY_TASK_ROUTES = celery_queues(
    CELERY_TASK_DEFAULT_QUEUE, CELERY_IMPORT_QUEUE
)


CELERY_WORKER_CONCURRENCY = int(os.environ.get("CELERY_WORKER_CONCURRENCY", "16"))
# Above the egress deadline plus name resolution, so a send is never cut short by Celery.
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_WORKER_SEND_TASK_EVENTS = env_bool("CELERY_WORKER_SEND_TASK_EVENTS", False)  # Flower
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")


def celery_beat_schedule(default: str, imports: str) -> dict[str, dict]:
    """Periodic work. Each task is cheap when there is nothing to do, and safe to run twice.
    Messages of the frequent ones expire unrun when the workers are that far behind: the next
    one comes. The heartbeat goes to each queue (operations/tasks.py): readiness wants a worker
    taking each kind of work."""
    heartbeats = {
        f"heartbeat-{queue}": {
            "task": "operations.tasks.heartbeat",
            "schedule": 10.0,
            "kwargs": {"queue": queue},
            "options": {"queue": queue},
        }
        for queue in (default, imports)
    }
    return {
        "delivery-sweep": {
            "task": "integrations.tasks.delivery_sweep_task",
            "schedule": 5.0,
            "options": {"expires": 5.0},
        },
        "import-sweep": {
            "task": "datasets.tasks.import_jobs_sweep_task",
            "schedule": 15.0,
            "options": {"expires": 15.0},
        },
        **heartbeats,
        "delivery-prune": {"task": "integrations.tasks.delivery_prune_task", "schedule": 3600.0},
        "import-housekeeping": {
            "task": "datasets.tasks.import_housekeeping_task",
            "schedule": 3600.0,
        },
    }


CELERY_BEAT_SCHEDULE = celery_beat_schedule(CELERY_TASK_DEFAULT_QUEUE, CELERY_IMPORT_QUEUE)
# Tests run tasks in the calling thread (integrations/tasks.py, datasets/tasks.py enqueue them
# at once instead of on commit); tests that need a real worker start one.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Operations (operations/): /readyz wants a worker heartbeat younger than this many seconds (beat
# sends one every 10 s); /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`, and is
# a 404 while it is unset.
WORKER_HEARTBEAT_MAX_AGE = env_float("WORKER_HEARTBEAT_MAX_AGE", 60.0)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Import API
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_HEADER_BYTES = int(os.environ.get("IMPORT_MAX_HEADER_BYTES", "65536"))
# Requests per client IP in any span of the period (a sliding window, datasets/rate_limit.py).
IMPORT_RATE_LIMIT = os.environ.get("IMPORT_RATE_LIMIT", "500/5m")
import_rate_parse(IMPORT_RATE_LIMIT)  # a bad value stops the app here, naming the format
# Sign-in throttling (django-ratelimit, workspace/throttling.py) keys on the same client address.
RATELIMIT_IP_META_KEY = "config.client_ip.client_ip"
# Uploaded CSV files wait for their import in the default storage (datasets/import_storage.py):
# this folder. Several machines share one folder, or point STORAGES["default"] at a shared
# backend (S3 and the like).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "uploads")))
# Seconds a running import may go without a heartbeat before its worker is taken for dead and the
# import runs again from its stored file (datasets/import_runner.py).
IMPORT_STALLED_AFTER = int(os.environ.get("IMPORT_STALLED_AFTER", "120"))
# Days finished imports (and deliveries) are kept before housekeeping deletes them.
RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "90"))

# Demo pipeline (python manage.py run_demo_pipeline)
DEMO_PIPELINE_PORT = int(os.environ.get("DEMO_PIPELINE_PORT", "8765"))
SWITCHBOARD_BASE_URL = os.environ.get("SWITCHBOARD_BASE_URL", "http://127.0.0.1:8000")
# Where seed_demo writes the demo pipeline's import key and configuration id (owner-only file).
DEMO_PIPELINE_CONFIG = os.environ.get(
    "DEMO_PIPELINE_CONFIG", str(BASE_DIR / "var" / "demo_pipeline.json")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The level on the handler too: records from loggers with levels of their own (Django's
    # "django" logger is INFO) reach the root's handler without passing the root's level.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "level": os.environ.get("LOG_LEVEL", "INFO"),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # urllib3 logs full request URLs (query strings included) at DEBUG and on malformed answers;
    # an endpoint URL is a stored secret, so only its errors get through.
    "loggers": {"urllib3": {"level": "ERROR", "propagate": True}},
}
