"""`searchkit serve`: the command, and the server as a real process that
picks up an `index` run in another process without a restart."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

import searchkit.web
from searchkit import SearchIndex
from searchkit.cli import cli

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
def test_serve_process_answers_and_sees_an_index_run_from_another_process(tmp_path: Path) -> None:
    corpus = web_corpus.write(tmp_path / "corpus")
    index = tmp_path / "index"
    SearchIndex(index, create=True).update([corpus])
    with serving(["-i", str(index), "serve"], cwd=tmp_path) as url:
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
        doc = json.loads(get(f"{url}/api/search?{query}")[2])
        assert [h["id"] for h in doc["hits"]] == ["zep"]
        assert "Zeppelin radar" in get(url + "/?q=zeppelin")[2]


@pytest.mark.parametrize(("host", "hosts", "warned"), [("127.0.0.1", ["127.0.0.1", "::1", "localhost"], False),
                                                       ("0.0.0.0", ["*"], True)])
def test_serve_binds_what_it_is_told_and_warns_off_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, hosts: list[str], warned: bool
) -> None:
    SearchIndex(tmp_path / "index", create=True).update([web_corpus.write(tmp_path / "corpus")])
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    result = CliRunner().invoke(cli, ["-i", str(tmp_path / "index"), "serve", "--host", host, "--port", "8123"])
    assert result.exit_code == 0, result.output
    [call] = calls
    assert (call["host"], call["port"]) == (host, 8123)
    middleware = {m.cls.__name__: m.kwargs for m in call["app"].user_middleware}  # type: ignore[attr-defined]
    assert middleware["TrustedHostMiddleware"]["allowed_hosts"] == hosts
    assert ("warning: listening on 0.0.0.0" in result.stderr) == warned
