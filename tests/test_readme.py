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
SH_LINES = [line for line in ALL_SH_LINES if line not in SERVE_LINES]


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
