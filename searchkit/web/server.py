"""``searchkit serve``: the app under uvicorn, in one process.

One process and its thread pool share one open index (see shared.py):
several processes would each open, cache and refresh their own copy for no
gain in a lock-bound search.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from ..search import SearchIndex
from .app import create_app
from .security import allowed_hosts


def open_index(index_dir: str | Path) -> SearchIndex:
    """The index to serve, checked now rather than on the first request."""
    index = SearchIndex(index_dir, create=False)
    len(index)  # raises IndexMissingError, IndexVersionError... before binding a port
    return index


def run(index: SearchIndex, host: str, port: int) -> None:
    hosts = allowed_hosts(host)
    if hosts == ["*"]:
        # Said before listening: the UI has no login, and saving writes to the index folder.
        print(
            f"warning: listening on {host}: anyone who can reach this machine can read the archive and save searches",
            file=sys.stderr,
        )
    uvicorn.run(create_app(index, hosts=hosts), host=host, port=port, server_header=False, log_level="info")


@contextlib.contextmanager
def running(app: ASGIApp, host: str = "127.0.0.1", timeout: float = 10.0) -> Iterator[str]:
    """Serves ``app`` from a background thread on a free port; yields its URL.

    For the browser tests, the screenshot script and the load benchmark:
    a real socket and a real uvicorn, stopped on exit.
    """
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the test server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
