"""An index run typed at a terminal starts a daemon for the searches after it
(client.after_index), under the rules of a read command's own auto-start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from searchkit import client, daemon

from . import test_daemon_auto
from .test_daemon_auto import _answering, _at_a_terminal, _env

# A daemon folder of each test's own, its daemon stopped at the end: the auto-start tests' fixture.
where = test_daemon_auto.where


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "radar.txt").write_text("Radar upgrade\n\nThe coastal radar network gets an upgrade.\n\nOctober 22, 2013\n")
    (corpus / "ships.txt").write_text("Ships sail\n\nTwo ships sailed past the radar station.\n\nMay 3, 2012\n")
    return corpus


def test_after_index_follows_the_auto_start_rules(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SEARCHKIT_NO_DAEMON", raising=False)
    started: list[str] = []
    monkeypatch.setattr(client, "autostart_on", lambda index_dir, replacing=False: started.append(index_dir) or True)
    monkeypatch.setattr(client, "interactive", lambda: False)  # a script, a pipe, CI
    assert not client.after_index("ix") and started == []
    monkeypatch.setattr(client, "interactive", lambda: True)
    assert client.after_index("ix") and started == ["ix"]
    daemon.change_settings(auto=False)
    assert not client.after_index("ix") and started == ["ix"]
    daemon.change_settings(auto=True)
    monkeypatch.setenv("SEARCHKIT_NO_DAEMON", "1")
    assert not client.after_index("ix") and started == ["ix"]


@pytest.mark.slow
def test_an_index_run_at_a_terminal_starts_a_daemon_for_the_first_search(where: Path, tmp_path: Path) -> None:
    corpus, ix = _corpus(tmp_path), tmp_path / "ix"
    code, shown = _at_a_terminal(["-i", str(ix), "index", str(corpus)], _env(where))
    assert code == 0 and b"2 .txt read as text" in shown
    started = _answering(where)
    assert started.auto and started.ran == 0 and started.index == str(ix)
    args = ["-i", str(ix), "search", "radar"]
    first = _at_a_terminal(args, _env(where))
    assert daemon.status(str(where)).ran == 1  # the first search went through it
    assert first == _at_a_terminal(args, _env(where, SEARCHKIT_NO_DAEMON="1"))
    assert first[0] == 0 and b"2 results" in first[1] and b"Ships sail" in first[1]
    # Another run (nothing changed) leaves the running daemon alone.
    assert _at_a_terminal(["-i", str(ix), "index", str(corpus)], _env(where))[0] == 0
    assert daemon.status(str(where)).pid == started.pid


@pytest.mark.slow
def test_index_runs_in_scripts_dry_runs_and_with_auto_off_start_none(where: Path, tmp_path: Path) -> None:
    corpus, ix = _corpus(tmp_path), tmp_path / "ix"
    sk = [sys.executable, "-m", "searchkit", "-i", str(ix)]
    script = subprocess.run([*sk, "index", str(corpus)], env=_env(where), stdin=subprocess.DEVNULL,
                            capture_output=True, timeout=120)
    assert script.returncode == 0
    assert _at_a_terminal(["-i", str(ix), "index", str(corpus), "--dry-run"], _env(where))[0] == 0
    assert _at_a_terminal(["-i", str(ix), "index", str(corpus)], _env(where, SEARCHKIT_NO_DAEMON="1"))[0] == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", _env(where)["XDG_CONFIG_HOME"])  # this test's settings file
        daemon.change_settings(auto=False)
    assert _at_a_terminal(["-i", str(ix), "index", str(corpus)], _env(where))[0] == 0
    for name in (client.LOG_NAME, client.LOCK_NAME, client.SOCKET_NAME):
        assert not (where / name).exists(), name  # no daemon was even begun
