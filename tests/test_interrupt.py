"""Ctrl-C: a one-line message that says what it left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchkit import SearchIndex
from searchkit.cli import cli


def _interrupt(*args: Any, **kwargs: Any) -> Any:
    raise KeyboardInterrupt


def test_an_interrupted_search_only_says_so(library_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SearchIndex, "search", _interrupt)
    result = CliRunner().invoke(cli, ["-i", str(library_dir), "search", "radar"])
    assert (result.exit_code, result.output) == (130, "Error: interrupted\n")


def test_an_interrupted_save_names_what_the_index_keeps(library_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SearchIndex, "save_search", _interrupt)
    result = CliRunner().invoke(cli, ["-i", str(library_dir), "save", "x", "radar"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: interrupted: the index keeps its last committed batch; run `searchkit index` again to finish\n"
    )
