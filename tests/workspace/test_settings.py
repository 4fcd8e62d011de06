"""Production settings: refuse to start without real keys; `check --deploy` is clean."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REAL_SECRET = "k" * 20 + "-production-secret-" + "q" * 30
REAL_FIELD_KEY = "QX59Ub6tS9OFFru5kZOFGkNh26ykvpm6p2gHkw1SoQ0="


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEYS",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "SECURE_SSL_REDIRECT",
            "TESTING",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "REDIS_URL",
        }
    }
    clean_env.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key():
    result = run_manage("check", FIELD_ENCRYPTION_KEYS=REAL_FIELD_KEY)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_without_an_encryption_key():
    result = run_manage("check", SECRET_KEY=REAL_SECRET)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must list at least one Fernet key" in result.stderr


def test_it_passes_the_deployment_checklist_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=REAL_SECRET,
        FIELD_ENCRYPTION_KEYS=REAL_FIELD_KEY,
        ALLOWED_HOSTS="switchboard.example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DATABASE_URL="sqlite:////tmp/switchboard-deploy-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_shared_cache():
    result = run_manage(
        "check",
        SECRET_KEY=REAL_SECRET,
        FIELD_ENCRYPTION_KEYS=REAL_FIELD_KEY,
        ALLOWED_HOSTS="switchboard.example.com",
    )
    assert result.returncode != 0
    assert "django_ratelimit.E003" in result.stderr
