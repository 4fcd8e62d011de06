"""Settings for the test suite: production defaults, with fixed throwaway keys."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "t" * 48)
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS0wMDAwMDAwMDAwMDA=")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
# Each run (and each parallel worker) its own server-free broker folder; a worker process a test
# starts is given this same folder.
os.environ.setdefault(
    "CELERY_BROKER_DIR",
    os.path.join(tempfile.gettempdir(), f"switchboard-test-broker-{os.getpid()}"),
)

from config.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Fast hashing: the suite signs in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

# A file, not SQLite's in-memory default: the quota race test's child processes, the live server
# and the Celery worker processes tests start must all see the same test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _test_db_dir = BASE_DIR / "var"  # noqa: F405
    _test_db_dir.mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("SQLITE_TEST_NAME") or str(_test_db_dir / "test-db.sqlite3")
    }
# Parallel workers (pytest -n) share one Redis database: each keeps its cache keys under a prefix
# of its own, and clears only those (tests/conftest.py), so one worker's clear never wipes the
# counts another worker's test is in the middle of.
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache" and os.environ.get(  # noqa: F405
    "PYTEST_XDIST_WORKER"
):
    CACHES["default"]["KEY_PREFIX"] += "-" + os.environ["PYTEST_XDIST_WORKER"]  # noqa: F405


# Never overwrite a developer's demo pipeline key file from the suite.
DEMO_PIPELINE_CONFIG = str(Path(tempfile.gettempdir()) / "switchboard-test-demo-pipeline.json")

# Tasks run in the calling thread (config/celery.py enqueue_after_commit); tests that need real
# workers (ordering, concurrency, crashes) start one (tests/celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)  # noqa: F405
# One queue per parallel test worker: the Redis lane shares one broker database.
CELERY_TASK_DEFAULT_QUEUE = "switchboard-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
CELERY_IMPORT_QUEUE = CELERY_TASK_DEFAULT_QUEUE + "-imports"
CELERY_TASK_QUEUES, CELERY_TASK_ROUTES = celery_queues(  # noqa: F405
    CELERY_TASK_DEFAULT_QUEUE, CELERY_IMPORT_QUEUE
)
CELERY_BEAT_SCHEDULE = celery_beat_schedule(  # noqa: F405 (the heartbeats go to these queues)
    CELERY_TASK_DEFAULT_QUEUE, CELERY_IMPORT_QUEUE
)
