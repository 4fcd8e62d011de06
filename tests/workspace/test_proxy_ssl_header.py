"""X-Forwarded-Proto counts only from a trusted proxy: a client cannot skip the https redirect."""

import pytest

from tests.workspace.test_settings import REAL_FIELD_KEY, REAL_SECRET, run_manage

# Runs in production settings (DEBUG off, SECURE_SSL_REDIRECT on) in a fresh process. No view is
# reached that needs the database: the redirect comes first, and /api/v1/… answers a plain 404.
PLAIN_HTTP_REQUEST_CLAIMING_HTTPS = (
    "from django.test import Client; "
    "response = Client().get('/api/v1/nothing-here', HTTP_X_FORWARDED_PROTO='https'); "
    "print(response.status_code, response.get('Location', '-'))"
)


def answer_with_proxies(count: int) -> str:
    result = run_manage(
        "shell",
        "-c",
        PLAIN_HTTP_REQUEST_CLAIMING_HTTPS,
        SECRET_KEY=REAL_SECRET,
        FIELD_ENCRYPTION_KEYS=REAL_FIELD_KEY,
        ALLOWED_HOSTS="testserver",
        TRUSTED_PROXY_COUNT=str(count),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_without_a_trusted_proxy_a_client_claiming_https_is_still_redirected():
    assert answer_with_proxies(0) == "301 https://testserver/api/v1/nothing-here"


@pytest.mark.parametrize("count", [1, 2])
def test_behind_a_trusted_proxy_its_https_header_is_believed(count: int):
    assert answer_with_proxies(count) == "404 -"
