"""One case table (data/cases/*.json) drives the API, the CLI and the
web API, so the three cannot drift apart.

The table is split by topic, one file each (search.json, errors.json,
timeline.json, and the files of later features), and read as one list: a
case's name must be unique across the files.

A case is ``{"name", "query", "options"?, "command"?, expected...}``:

- ``command``: ``search`` (the default: one page of hits), ``count`` (the
  total alone: limit 0), ``export`` (every hit, streamed: JSON Lines on the
  CLI) or ``timeline`` (``by`` gives the period, default month);
- ``options``: SearchOptions fields, each translated to the CLI's flags and
  the web's parameters, or the case fails (as_flags/as_params);
- expected: ``ids`` (in order, or ``unordered``), ``total`` (count; for
  a page, when it is not the number of ``ids``),
  ``buckets`` ([period, hits, articles] rows) and ``undated`` (timeline),
  ``warnings`` (the exact list, default none), or ``error`` (the exact
  message: raised by the API, ``Error: ...`` from the CLI, the web's 400).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searchkit import SearchIndex, SearchkitError
from searchkit.cli import cli
from searchkit.export import run_search
from searchkit.options import TIMELINE, SearchOptions, as_flags, as_params
from searchkit.web import create_app

from .conftest import DATA

CASES: list[dict[str, Any]] = [
    case for path in sorted((DATA / "cases").glob("*.json")) for case in json.loads(path.read_text())
]
COMMANDS = ("search", "count", "export", "timeline")
# What a case may expect, by command (besides error and warnings).
EXPECTS = {"search": {"ids", "total"}, "count": {"total"}, "export": {"ids", "total"}, "timeline": {"buckets", "undated"}}
KEYS = {"name", "query", "options", "command", "by", "unordered", "warnings", "error"}
Outcome = dict[str, Any]


def test_case_names_unique() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)) and len(names) > 0


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_is_well_formed(case: dict[str, Any]) -> None:
    command = case.get("command", "search")
    assert command in COMMANDS
    assert set(case) <= KEYS | EXPECTS[command], f"unknown keys {set(case) - KEYS - EXPECTS[command]}"
    assert ("error" in case) != bool(EXPECTS[command] & set(case)), "expect an error or a result, not both"


def _command(case: dict[str, Any]) -> str:
    command: str = case.get("command", "search")
    return command


def _options(case: dict[str, Any]) -> SearchOptions:
    """The case's options (an unknown key is a TypeError); a search page
    holds 50 hits, a count none, an export all."""
    page = {"search": 50, "count": 0, "export": 10_000, "timeline": 10}[_command(case)]
    return SearchOptions.of(SearchOptions(limit=page), **case.get("options", {}))


def _timeline(doc: dict[str, Any]) -> Outcome:
    return {"buckets": [[p["period"], p["hits"], p["articles"]] for p in doc["periods"]], "undated": doc["undated"]}


def _check(case: dict[str, Any], got: Outcome) -> None:
    if "error" in case:
        assert got == {"error": case["error"]}
        return
    assert "error" not in got, got["error"]
    if "ids" in case:
        ids, expected = got["ids"], case["ids"]
        assert (sorted(ids) == sorted(expected)) if case.get("unordered") else (ids == expected)
    if _command(case) == "count":
        assert got["ids"] == []
    if "total" in got:  # every hit, unless the case says (paging)
        assert got["total"] == case.get("total", len(case.get("ids", ())))
    for key in ("buckets", "undated"):
        if key in case:
            assert got[key] == case[key]
    if "warnings" in got:
        assert got["warnings"] == case.get("warnings", [])


# -- the API -------------------------------------------------------------------


def _api(ix: SearchIndex, case: dict[str, Any]) -> Outcome:
    command, options = _command(case), _options(case)
    try:
        if command == "timeline":
            tl = ix.timeline(case["query"], case.get("by", "month"), options.only(TIMELINE))
            return {"buckets": [[b.period, b.hits, b.articles] for b in tl.buckets], "undated": tl.undated}
        if command == "export":
            found = run_search(ix, case["query"], options, stream=True)
            ids = [hit.id for hit, _ in found.hits()]
            return {"ids": ids, "total": found.results.total, "warnings": list(found.results.warnings)}
        results = ix.search(case["query"], options)
    except SearchkitError as exc:
        return {"error": str(exc)}
    return {"ids": [h.id for h in results.hits], "total": results.total, "warnings": list(results.warnings)}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_api(ix: SearchIndex, case: dict[str, Any]) -> None:
    _check(case, _api(ix, case))


# -- the CLI -------------------------------------------------------------------


def _cli_args(case: dict[str, Any]) -> list[str]:
    """The case as CLI arguments: every option key translated, or ValueError."""
    command, options = _command(case), _options(case)
    if command == "timeline":
        by = ["--by", case["by"]] if "by" in case else []
        return ["timeline", case["query"], "--format", "json", *by, *as_flags(options.only(TIMELINE))]
    fmt = "jsonl" if command == "export" else "json"
    return ["search", case["query"], "--format", fmt, *as_flags(options)]


def _cli(library_dir: Path, case: dict[str, Any]) -> Outcome:
    result = CliRunner().invoke(cli, ["-i", str(library_dir), *_cli_args(case)])
    if result.exit_code:
        assert result.exit_code == 1 and result.stdout == "", result.output
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
        return {"error": result.stderr[len("Error: ") : -1]}
    if _command(case) == "timeline":
        return _timeline(json.loads(result.stdout))
    if _command(case) == "export":
        # JSON Lines carries the hits only, no total and no warnings.
        return {"ids": [json.loads(line)["id"] for line in result.stdout.splitlines()]}
    doc = json.loads(result.stdout)
    return {"ids": [h["id"] for h in doc["hits"]], "total": doc["total"], "warnings": doc.get("warnings", [])}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cli(library_dir: Path, case: dict[str, Any]) -> None:
    _check(case, _cli(library_dir, case))


# -- the web API -----------------------------------------------------------------


def _web_params(case: dict[str, Any]) -> list[tuple[str, str]]:
    """The case as web parameters: every option key translated, or ValueError."""
    options = _options(case)
    if _command(case) == "timeline":
        by = [("by", case["by"])] if "by" in case else []
        return [("q", case["query"]), *by, *as_params(options.only(TIMELINE))]
    return [("q", case["query"]), *as_params(options)]


@pytest.fixture(scope="module")
def web(ix: SearchIndex) -> TestClient:
    return TestClient(create_app(ix), base_url="http://localhost")


def _web(web: TestClient, case: dict[str, Any]) -> Outcome:
    url = "/api/timeline" if _command(case) == "timeline" else "/api/search"
    response = web.get(url, params=_web_params(case))
    if response.status_code != 200:
        assert response.status_code == 400, response.text
        return {"error": response.json()["error"]}
    doc = response.json()
    if _command(case) == "timeline":
        return _timeline(doc)
    return {"ids": [h["id"] for h in doc["hits"]], "total": doc["total"], "warnings": doc.get("warnings", [])}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_web(web: TestClient, case: dict[str, Any]) -> None:
    _check(case, _web(web, case))


# -- the translation itself --------------------------------------------------------


def test_every_option_reaches_cli_and_web() -> None:
    """A case option the CLI or the web cannot give fails the case loudly."""
    case = {"query": "x", "options": {"all_copies": True, "offset": 2, "facets": True}}
    assert _cli_args(case)[4:] == ["--limit", "50", "--offset", "2", "--facets", "--all-copies"]
    assert _web_params(case)[1:] == [("limit", "50"), ("offset", "2"), ("facets", "1"), ("all_copies", "1")]
    with pytest.raises(ValueError, match="suggest_spelling"):
        _cli_args({"query": "x", "options": {"suggest_spelling": False}})
    with pytest.raises(TypeError, match="unknown search option"):
        _cli_args({"query": "x", "options": {"recency_days": 3}})
