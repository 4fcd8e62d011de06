"""One clicking process of the fleet race (tests/integrations/test_delivery_fleet.py).

Run as `python -m tests.integrations.click_race_child USER_ID CLICKS GO_FILE CONNECTION_ID...`
with the test's database and broker in the environment. It says "ready" once Django is up, waits
for GO_FILE so all processes start together, then clicks CLICKS times through the one door, as
the click view does, taking the connections in turn: each click is recorded here and sent by
the workers.
"""

import os
import sys
import time
from pathlib import Path


def main() -> None:
    user_id, clicks, go_file, *connection_ids = sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from integrations.models import Connection
    from integrations.services import SOURCE_WIDGET, SendOrigin, connection_send

    connections = [Connection.objects.get(pk=pk) for pk in connection_ids]
    user = get_user_model().objects.get(pk=user_id)
    print("ready", flush=True)
    while not Path(go_file).exists():
        time.sleep(0.005)
    for n in range(int(clicks)):
        # One button per click: a click waiting for a free slot must not make the next a repeat.
        connection_send(
            connection=connections[n % len(connections)],
            user=user,
            source=SOURCE_WIDGET,
            origin=SendOrigin(widget_id=n),
        )


if __name__ == "__main__":
    main()
