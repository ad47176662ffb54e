"""``searchkit serve``: the app under uvicorn, in one process or several.

In one process the threads share a pool of SearchIndex objects over the
folder (shared.py; one by default), and searching is Python under one GIL:
they take turns. ``workers`` > 1 runs that many uvicorn worker processes on one
listening socket (uvicorn's supervisor restarts one that dies), each with
its own pool and caches, reopening by itself when an index run commits:
what they share is the index folder, its catalog database and the OS's
page cache of its files. Each worker costs a searcher's memory
(benchmarks/web_load.py measured both shapes; see BENCHMARKS.md).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp
from uvicorn.supervisors import Multiprocess

from ..search import SearchIndex
from .app import create_app
from .security import allowed_hosts


def open_index(index_dir: str | Path) -> SearchIndex:
    """The index to serve, checked now rather than on the first request."""
    index = SearchIndex(index_dir, create=False)
    len(index)  # raises IndexMissingError, IndexVersionError... before binding a port
    return index


# What a worker process needs to open the index again (uvicorn starts workers
# from an import string, not from objects).
_ENV = "SEARCHKIT_SERVE"


def default_workers() -> int:
    return min(4, os.cpu_count() or 1)


def worker_app() -> Starlette:
    """The app of one worker process (uvicorn's factory for ``workers`` > 1)."""
    settings = json.loads(os.environ[_ENV])
    return create_app(open_index(settings["index"]), hosts=settings["hosts"])


def run(index: SearchIndex, host: str, port: int, workers: int = 1) -> None:
    hosts = allowed_hosts(host)
    if hosts == ["*"]:
        # Said before listening: the UI has no login, and saving writes to the index folder.
        print(
            f"warning: listening on {host}: anyone who can reach this machine can read the archive and save searches",
            file=sys.stderr,
        )
    if workers <= 1:
        app = create_app(index, hosts=hosts)
        uvicorn.run(app, host=host, port=port, server_header=False, log_level="info")
        return
    os.environ[_ENV] = json.dumps({"index": str(index.path), "hosts": hosts})
    index.close()  # checked; each worker opens its own
    config = uvicorn.Config(f"{__name__}:worker_app", factory=True, workers=workers, server_header=False,
                            log_level="info")
    sock = listen(host, port)
    logging.getLogger("uvicorn.error").info("searchkit serve on %s with %d workers (Press CTRL+C to quit)",
                                            url_of(sock), workers)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()


def listen(host: str, port: int) -> socket.socket:
    """A listening socket to hand to uvicorn's workers.

    Made with the protocol named (IPPROTO_TCP), as asyncio's own servers
    make theirs: asyncio sets TCP_NODELAY only on connections accepted from
    such a socket, and without it a keep-alive response waited on the
    client's delayed ACK (56 ms a request instead of 6, measured).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextlib.contextmanager
def running(app: ASGIApp, host: str = "127.0.0.1", timeout: float = 10.0) -> Iterator[str]:
    """Serves ``app`` from a background thread on a free port; yields its URL.

    For the browser tests, the screenshot script and the load benchmark:
    a real socket and a real uvicorn, stopped on exit.
    """
    sock = listen(host, 0)
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
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
