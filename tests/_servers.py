"""A real uvicorn server in a background thread, on a free loopback port, for tests."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn


class ThreadServer:
    """Serve ``app`` until :meth:`stop`; ``url`` is where it listens."""

    def __init__(self, app: Any, *, log_level: str = "critical") -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            app, log_level=log_level, lifespan="off", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]})
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        self._sock = sock

    def stop(self) -> None:
        """Shut the server down and release its port."""
        self.server.should_exit = True
        self.thread.join(10)
        self._sock.close()
