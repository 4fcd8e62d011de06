"""One clicking process of the quota race (tests/integrations/test_quota_race.py).

Run as `python -m tests.integrations.quota_race_child CONNECTION_ID USER_ID CLICKS GO_FILE` with
DATABASE_URL pointing at the test database. It says "ready" once Django is up, waits for GO_FILE
so all processes start clicking together, then clicks CLICKS times the way the click endpoint
does (record, then send inline) and prints how each click ended.
"""

import os
import sys
import time
from collections import Counter
from pathlib import Path


def main() -> None:
    connection_id, user_id, clicks, go_file = sys.argv[1:5]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from integrations.models import Connection, Delivery
    from integrations.services.deliveries import delivery_execute, delivery_start

    connection = Connection.objects.get(pk=connection_id)
    user = get_user_model().objects.get(pk=user_id)
    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.005)
    outcomes: Counter[str] = Counter()
    for _ in range(int(clicks)):
        delivery = delivery_start(connection=connection, user=user, source="widget", widget_id=1)
        if delivery.outcome == Delivery.Outcome.PENDING:
            delivery = delivery_execute(delivery_id=delivery.pk)
        outcomes[delivery.outcome] += 1
    print(" ".join(f"{outcome}={count}" for outcome, count in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
