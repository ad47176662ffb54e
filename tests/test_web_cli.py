"""`searchkit serve`: the command, and the server as a real process that
picks up an `index` run in another process without a restart."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import searchkit.web
from searchkit import SearchIndex
from searchkit.cli import cli
from searchkit.web import server

from . import web_corpus
from .web_serve import serving


def get(url: str) -> tuple[int, dict[str, str], str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read().decode()


def test_serve_help_has_an_example() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "searchkit serve" in result.output
    assert "[default: 127.0.0.1]" in result.output and "[default: 8000;" in result.output


def test_serve_without_an_index_says_so_before_listening(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-i", str(tmp_path / "none"), "serve", "--port", "1"])
    assert result.exit_code == 1
    none = tmp_path / "none"
    assert result.stderr.strip() == f"Error: no index at {none}: create it with `searchkit --index-dir {none} index PATH...`"


def test_serve_without_the_web_extra_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The import fails as it does where starlette or uvicorn is not installed.
    monkeypatch.setitem(sys.modules, "searchkit.web.server", None)
    monkeypatch.delattr(searchkit.web, "server", raising=False)
    result = CliRunner().invoke(cli, ["-i", str(tmp_path), "serve"])
    assert result.exit_code == 1
    assert "the web UI needs the web extra: pip install 'searchkit[web]'" in result.stderr


def test_serve_rejects_a_bad_port() -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "70000"])
    assert result.exit_code == 2


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_process_answers_and_sees_an_index_run_from_another_process(tmp_path: Path, workers: str) -> None:
    corpus = web_corpus.write(tmp_path / "corpus")
    index = tmp_path / "index"
    SearchIndex(index, create=True).update([corpus])
    # Each urlopen is a new connection: with 2 workers, both answer in turn.
    with serving(["-i", str(index), "serve", "--workers", workers], cwd=tmp_path) as url:
        assert url.startswith("http://127.0.0.1:")  # the default host: loopback only
        status, headers, body = get(url + "/?q=radar")
        assert status == 200 and "29 results" in body
        assert "content-security-policy" in {k.lower() for k in headers}

        query = urllib.parse.urlencode({"q": "zeppelin"})
        assert json.loads(get(f"{url}/api/search?{query}")[2])["total"] == 0
        late = tmp_path / "late"
        late.mkdir()
        (late / "zep.txt").write_text("Zeppelin radar\n\nA zeppelin carried the radar, TASS reported.\n\nMay 5, 2014\n")
        # `searchkit index` in its own process while the server keeps running.
        run = subprocess.run(
            [sys.executable, "-m", "searchkit", "-i", str(index), "index", str(corpus.parent), str(late)],
            capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, run.stderr
        for _ in range(4):
            doc = json.loads(get(f"{url}/api/search?{query}")[2])
            assert [h["id"] for h in doc["hits"]] == ["zep"]
        assert "Zeppelin radar" in get(url + "/?q=zeppelin")[2]


@pytest.mark.parametrize(("host", "hosts", "warned"), [("127.0.0.1", ["127.0.0.1", "::1", "localhost"], False),
                                                       ("0.0.0.0", ["*"], True)])
def test_serve_binds_what_it_is_told_and_warns_off_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, hosts: list[str], warned: bool
) -> None:
    web_corpus.indexed(tmp_path)
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    result = CliRunner().invoke(cli, ["-i", str(tmp_path / "index"), "serve", "--host", host, "--port", "8123",
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    [call] = calls
    assert (call["host"], call["port"]) == (host, 8123)
    middleware = {m.cls.__name__: m.kwargs for m in call["app"].user_middleware}  # type: ignore[attr-defined]
    assert middleware["TrustedHostMiddleware"]["allowed_hosts"] == hosts
    assert ("warning: listening on 0.0.0.0" in result.stderr) == warned


def test_serve_with_workers_hands_uvicorn_one_tcp_socket_and_the_index_to_reopen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web_corpus.indexed(tmp_path)
    started: list[tuple[Any, list[socket.socket]]] = []

    class Supervisor:
        def __init__(self, config: Any, sockets: list[socket.socket]) -> None:
            started.append((config, sockets))

        def run(self) -> None:
            pass

    monkeypatch.setattr(server, "Multiprocess", Supervisor)
    monkeypatch.delenv("SEARCHKIT_SERVE", raising=False)
    result = CliRunner().invoke(cli, ["-i", str(tmp_path / "index"), "serve", "--port", "0", "--workers", "3"])
    assert result.exit_code == 0, result.output
    [(config, [sock])] = started
    assert config.workers == 3 and config.factory and config.app == "searchkit.web.server:worker_app"
    assert sock.getsockname()[0] == "127.0.0.1" and sock.proto == socket.IPPROTO_TCP
    sock.close()
    # What each worker process builds from the environment it inherits.
    app = server.worker_app()
    middleware = {m.cls.__name__: m.kwargs for m in app.user_middleware}
    assert middleware["TrustedHostMiddleware"]["allowed_hosts"] == ["127.0.0.1", "::1", "localhost"]
    assert app.state.index.path == (tmp_path / "index").resolve()
    monkeypatch.delenv("SEARCHKIT_SERVE")


@pytest.mark.parametrize(("proto", "nodelay"), [(socket.IPPROTO_TCP, True), (0, False)])
def test_connections_accepted_from_the_workers_socket_send_without_delay(proto: int, nodelay: bool) -> None:
    """asyncio sets TCP_NODELAY only when the listening socket names its
    protocol; without it a keep-alive response waits on delayed ACKs."""
    if proto:
        sock = server.listen("127.0.0.1", 0)
    else:  # what uvicorn's own bind_socket makes
        sock = socket.socket(socket.AF_INET)
        sock.bind(("127.0.0.1", 0))

    async def accepted() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                seen.set_result(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        srv = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        value = await asyncio.wait_for(seen, 10)
        writer.close()
        srv.close()
        return value

    assert bool(asyncio.run(accepted())) is nodelay
