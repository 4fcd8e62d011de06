"""The worker process tests start (tests/celery_worker.py): Celery's own command line, after
pointing name resolution at a fixed table when TEST_FAKE_DNS (JSON: name → addresses) is set.

The table lets a worker in another process send to several names that all reach receivers on
127.0.0.1, through the fake resolver the in-process tests use (tests/support/resolver.py), so quota
and per-host limits see several hosts.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    table = os.environ.get("TEST_FAKE_DNS")
    if table:
        import django

        django.setup()
        from integrations import address_policy
        from tests.support.resolver import FakeResolver

        address_policy.resolve_host = FakeResolver(json.loads(table))
    from celery.__main__ import main as celery_main

    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


if __name__ == "__main__":
    main()
