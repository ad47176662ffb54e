"""One case table (data/search_cases.json) drives both the API and the CLI,
so the two cannot drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from searchkit import SearchIndex
from searchkit.cli import cli

from .conftest import DATA

CASES: list[dict[str, Any]] = json.loads((DATA / "search_cases.json").read_text())


def _check(case: dict[str, Any], ids: list[str], total: int) -> None:
    expected = case["ids"]
    if case.get("unordered"):
        assert sorted(ids) == sorted(expected)
    else:
        assert ids == expected
    assert total == len(expected)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_api(ix: SearchIndex, case: dict[str, Any]) -> None:
    results = ix.search(case["query"], limit=50, **case.get("options", {}))
    _check(case, [h.id for h in results.hits], results.total)
    if "warning" in case:
        assert any(case["warning"] in w for w in results.warnings)
    else:
        assert results.warnings == ()


def _cli_args(case: dict[str, Any]) -> list[str]:
    opts = case.get("options", {})
    args = ["search", case["query"], "--format", "json", "--limit", "50"]
    for name in opts.get("sources", []):
        args += ["--source", name]
    for name in opts.get("exclude_sources", []):
        args += ["--exclude-source", name]
    for key in ("since", "until", "sort"):
        if key in opts:
            args += [f"--{key}", opts[key]]
    if opts.get("any_words"):
        args.append("--any")
    return args


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cli(library_dir: Path, case: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["-i", str(library_dir), *_cli_args(case)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    _check(case, [h["id"] for h in doc["hits"]], doc["total"])
