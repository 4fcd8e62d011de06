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
    from integrations.services.deliveries import delivery_start
    from integrations.services.delivery_send import delivery_execute

    connection = Connection.objects.get(pk=connection_id)
    user = get_user_model().objects.get(pk=user_id)
    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.005)
    outcomes: Counter[str] = Counter()
    for n in range(int(clicks)):
        # One button each: a click waiting for a free slot must not make the next a repeat.
        delivery: Delivery | None = delivery_start(
            connection=connection, user=user, source="widget", widget_id=n
        )
        if delivery.outcome == Delivery.Outcome.PENDING:
            # Sent now, or, with two calls already in flight from the other processes, by the
            # send that frees a slot (it hands on to the oldest waiting click).
            delivery = delivery_execute(delivery_id=delivery.pk)
        outcomes[delivery.outcome] += 1
    print(" ".join(f"{outcome}={count}" for outcome, count in sorted(outcomes.items())))


if __name__ == "__main__":
    main()
