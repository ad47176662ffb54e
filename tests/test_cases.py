"""One case table (data/cases/*.json) drives the API, the CLI and the
web API, so the three cannot drift apart.

The table is split by topic, one file each (search.json, and the files of
later features), and read as one list: a case's name must be unique across
the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searchkit import SearchIndex
from searchkit.cli import cli
from searchkit.options import SearchOptions, as_flags, as_params
from searchkit.web import create_app

from .conftest import DATA

CASES: list[dict[str, Any]] = [
    case for path in sorted((DATA / "cases").glob("*.json")) for case in json.loads(path.read_text())
]


def test_case_names_unique() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)) and len(names) > 0


def _check(case: dict[str, Any], ids: list[str], total: int) -> None:
    expected = case["ids"]
    if case.get("unordered"):
        assert sorted(ids) == sorted(expected)
    else:
        assert ids == expected
    assert total == len(expected)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_api(ix: SearchIndex, case: dict[str, Any]) -> None:
    results = ix.search(case["query"], _options(case))
    _check(case, [h.id for h in results.hits], results.total)
    if "warning" in case:
        assert any(case["warning"] in w for w in results.warnings)
    else:
        assert results.warnings == ()


def _options(case: dict[str, Any]) -> SearchOptions:
    """The case's options over the table's page size (an unknown key is a TypeError)."""
    return SearchOptions.of(SearchOptions(limit=50), **case.get("options", {}))


def _cli_args(case: dict[str, Any]) -> list[str]:
    """The case as CLI arguments: every option key translated, or ValueError."""
    return ["search", case["query"], "--format", "json", *as_flags(_options(case))]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cli(library_dir: Path, case: dict[str, Any]) -> None:
    result = CliRunner().invoke(cli, ["-i", str(library_dir), *_cli_args(case)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    _check(case, [h["id"] for h in doc["hits"]], doc["total"])


def _web_params(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The case as /api/search parameters: every option key translated, or ValueError."""
    return [("q", case["query"]), *as_params(_options(case))]


def test_every_option_reaches_cli_and_web() -> None:
    """A case option the CLI or the web cannot give fails the case loudly."""
    case = {"query": "x", "options": {"all_copies": True, "offset": 2, "facets": True}}
    assert _cli_args(case)[4:] == ["--limit", "50", "--offset", "2", "--facets", "--all-copies"]
    assert _web_params(case)[1:] == [("limit", "50"), ("offset", "2"), ("facets", "1"), ("all_copies", "1")]
    with pytest.raises(ValueError, match="suggest_spelling"):
        _cli_args({"query": "x", "options": {"suggest_spelling": False}})
    with pytest.raises(TypeError, match="unknown search option"):
        _cli_args({"query": "x", "options": {"recency_days": 3}})


@pytest.fixture(scope="module")
def web(ix: SearchIndex) -> TestClient:
    return TestClient(create_app(ix), base_url="http://localhost")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_web(web: TestClient, case: dict[str, Any]) -> None:
    response = web.get("/api/search", params=_web_params(case))
    assert response.status_code == 200, response.text
    doc = response.json()
    _check(case, [h["id"] for h in doc["hits"]], doc["total"])
    if "warning" in case:
        assert any(case["warning"] in w for w in doc["warnings"])
    else:
        assert "warnings" not in doc
