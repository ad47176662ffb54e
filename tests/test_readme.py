"""Executable docs: every example in README.md runs here."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)
ALL_SH_LINES = [
    re.sub(r"\s+#\s.*$", "", line).strip()
    for lang, body in BLOCKS
    if lang == "sh"
    for line in body.splitlines()
    if line.startswith("searchkit ")
]
# `serve` runs until stopped: those lines run as real servers, below.
SERVE_LINES = [line for line in ALL_SH_LINES if "serve" in line.split()]
# `daemon` lines start and stop a real daemon: they run in order, below.
DAEMON_LINES = [line for line in ALL_SH_LINES if line.split()[1] == "daemon"]
SH_LINES = [line for line in ALL_SH_LINES if line not in SERVE_LINES and line not in DAEMON_LINES]


def test_readme_starts_with_the_two_commands_ci_runs() -> None:
    first, second = (body.strip() for lang, body in BLOCKS[:2])
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert first in ci and second in ci
    assert "pip install -e '.[test]'" in first and "searchkit index" in first
    assert "pytest" in second


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "corpus", where / "corpus")
    shutil.copytree(ROOT / "examples", where / "examples")
    return where


@pytest.mark.parametrize("line", SH_LINES)
def test_shell_example(workdir: Path, line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    runner = CliRunner()
    if not (workdir / "index" / "catalog.sqlite").exists():
        assert runner.invoke(cli, ["index"]).exit_code == 0
    if line.startswith("searchkit saved --delete"):
        runner.invoke(cli, ["save", "radar-japan", "radar japan"])
    result = runner.invoke(cli, shlex.split(line)[1:])
    assert result.exit_code == 0, f"{line}\n{result.output}"


def test_python_example(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(workdir)
    code = next(body for lang, body in BLOCKS if lang == "python")
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "2013-10-31 South Korea Denies" in out
    assert os.path.isdir(workdir / "index")


@pytest.mark.slow
@pytest.mark.parametrize("line", SERVE_LINES)
def test_serve_example(workdir: Path, line: str) -> None:
    """The line as written, on a free port (the --port appended wins), until it answers."""
    from .web_serve import serving

    if not (workdir / "index" / "searchkit.json").exists():
        args = ["-i", str(workdir / "index"), "index", str(workdir / "corpus")]
        assert CliRunner().invoke(cli, args).exit_code == 0
    with serving(shlex.split(line)[1:], cwd=workdir) as url, urllib.request.urlopen(url + "/?q=radar") as response:
        assert response.status == 200
        assert "South Korea Denies" in response.read().decode()


@pytest.mark.slow
def test_daemon_examples(workdir: Path, tmp_path: Path) -> None:
    """The daemon lines in order, as real processes, with a private socket folder."""
    import subprocess
    import sys

    assert [line.split()[2] for line in DAEMON_LINES] == ["start", "status", "stop"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SEARCHKIT_DAEMON_DIR": str(tmp_path / "d")}
    env.pop("SEARCHKIT_NO_DAEMON", None)
    if not (workdir / "index" / "catalog.sqlite").exists():
        assert CliRunner().invoke(cli, ["-i", str(workdir / "index"), "index", str(workdir / "corpus")]).exit_code == 0

    def run(line: str) -> subprocess.CompletedProcess[str]:
        args = [sys.executable, "-m", "searchkit", *shlex.split(line)[1:]]
        return subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)

    try:
        for line in DAEMON_LINES:
            done = run(line)
            assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
            if line.split()[2] == "start":
                searched = run("searchkit search radar")
                assert searched.returncode == 0 and "radar" in searched.stdout.lower()
            if line.split()[2] == "status":
                assert "commands run: 1;" in done.stdout
    finally:
        run("searchkit daemon stop")
