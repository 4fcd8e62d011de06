"""The live server of the browser and HTTP tests: the ASGI application under uvicorn, in a
thread of the test process, as production serves it (README, "Running in production").

pytest-django's own live server is a WSGI server, which cannot hold an open board's event
stream (boards/views/live.py) open; this one replaces it under the same fixture name, so
pytest-django still gives each test that uses it a transactional database.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from django.core.asgi import get_asgi_application
from django.test.utils import modify_settings

HOST = "127.0.0.1"


class AsgiLiveServer:
    def __init__(self) -> None:
        self._socket = socket.create_server((HOST, 0))
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            get_asgi_application(),
            log_level="warning",
            lifespan="off",
            # Open event streams are cut at once when the session ends.
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        # Enabled and disabled around each test by pytest-django's live-server helper.
        self._live_server_modified_settings = modify_settings(ALLOWED_HOSTS={"append": HOST})

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("The live server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __str__(self) -> str:
        return self.url

    def __add__(self, other: str) -> str:
        return f"{self}{other}"
