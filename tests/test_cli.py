"""The command line through click's CliRunner: exit codes and exact messages."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import __version__
from searchkit.cli import cli

from .conftest import LIBRARY, ROOT, SEED_ID


def run(*args: str, index_dir: Path | None = None) -> tuple[int, str, str]:
    prefix = ["-i", str(index_dir)] if index_dir else []
    result = CliRunner().invoke(cli, [*prefix, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"searchkit, version {__version__}")


@pytest.mark.parametrize("command", sorted(cli.commands))  # every command, as the group lists them
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Example:" in out


def test_search_text_output(library_dir: Path) -> None:
    code, out, _ = run("search", "kyogamisaki", index_dir=library_dir)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "1 result (showing 1–1)"
    assert lines[2] == "1. South Korea Denies Imminent Plans to Ink Defense Intel Pact with Japan"
    assert lines[3] == f"   2013-10-31 · Kyodo News, RIA Novosti · {SEED_ID}"
    assert "Kyogamisaki" in lines[4] and "\x1b[" not in out  # not a terminal: plain


def test_search_no_results_and_suggestion(library_dir: Path) -> None:
    code, out, _ = run("search", "missle defence", index_dir=library_dir)
    assert code == 0
    assert out.splitlines() == ["No results.", "", "Did you mean: missile defense"]


def test_search_json(library_dir: Path) -> None:
    code, out, _ = run("search", "radar", "--format", "json", "--limit", "1", index_dir=library_dir)
    doc = json.loads(out)
    assert code == 0 and doc["query"] == "radar" and doc["total"] == 3
    hit = doc["hits"][0]
    assert set(hit) == {"id", "headline", "date", "sources", "score", "snippet", "highlights", "path", "copies", "url"}
    start, end = hit["highlights"][0]
    assert hit["snippet"][start:end].lower() == "radar"


def test_search_jsonl_and_csv(library_dir: Path) -> None:
    _, out, _ = run("search", "missile", "--format", "jsonl", "--limit", "3", index_dir=library_dir)
    assert len([json.loads(line) for line in out.splitlines()]) == 3
    _, out, _ = run("search", "kyogamisaki", "--format", "csv", index_dir=library_dir)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["id", "headline", "date", "sources", "score", "snippet", "path", "copies", "url"]
    assert rows[1][3] == "Kyodo News; RIA Novosti"


def test_explain(library_dir: Path) -> None:
    code, out, _ = run("search", "radar source:kyodo", "--since", "2013", "--explain", index_dir=library_dir)
    assert code == 0
    assert out.splitlines()[0] == "query:   (headline:radar^2 OR body:radar)"
    assert "filters: date 2013-01-01 to … (undated excluded); source any of kyodo news" in out


def test_show(library_dir: Path) -> None:
    code, out, _ = run("show", SEED_ID, "--format", "json", index_dir=library_dir)
    doc = json.loads(out)
    assert code == 0
    assert set(doc) == {"id", "headline", "date", "sources", "body", "summary", "path", "url", "publisher"}
    assert doc["date"] == "2013-10-31"
    code, out, _ = run("show", SEED_ID, index_dir=library_dir)
    assert out.startswith("South Korea Denies") and "About" in out


def test_stats_and_sources(library_dir: Path) -> None:
    code, out, _ = run("stats", index_dir=library_dir)
    assert code == 0 and "Articles:     9" in out and "(1 undated)" in out
    code, out, _ = run("sources", "--format", "json", index_dir=library_dir)
    assert {"source": "TASS", "articles": 2} in json.loads(out)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        # Errors of a query (bad dates, too long) are cases of the case table.
        (["show", "nope"], 1, "Error: no article with id 'nope'\n"),
        (["similar", "nope"], 1, "Error: no article with id 'nope'\n"),
    ],
)
def test_errors_are_one_line(library_dir: Path, args: list[str], code: int, message: str) -> None:
    got_code, _, err = run(*args, index_dir=library_dir)
    assert (got_code, err) == (code, message)


@pytest.mark.parametrize(
    ("args", "fragment"), [(["search", "  "], "QUERY is empty"), (["search", "x", "--limit", "-1"], "--limit")]
)
def test_usage_errors_exit_2(library_dir: Path, args: list[str], fragment: str) -> None:
    code, _, err = run(*args, index_dir=library_dir)
    assert code == 2 and fragment in err and "Traceback" not in err


def test_no_index_yet(tmp_path: Path) -> None:
    code, _, err = run("search", "x", index_dir=tmp_path / "index")
    where = tmp_path / "index"
    assert (code, err) == (1, f"Error: no index at {where}: create it with `searchkit --index-dir {where} index PATH...`\n")


def test_older_searchkit_index(tmp_path: Path) -> None:
    where = tmp_path / "ix"
    where.mkdir()
    (where / "searchkit.json").write_text('{"schema_version": 1}')
    code, _, err = run("search", "x", index_dir=where)
    assert code == 1
    assert err == (
        f"Error: index at {where} was written by an older searchkit: "
        f"rebuild it with `searchkit --index-dir {where} index --rebuild PATH...`\n"
    )


def test_index_reports_and_skips(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(LIBRARY, corpus)
    (corpus / "empty.txt").write_bytes(b"")
    code, out, err = run("index", str(corpus), index_dir=tmp_path / "ix")
    assert code == 0
    assert out.startswith("8 added, 0 updated, 0 removed, 0 unchanged, 1 skipped in ")
    assert out.splitlines()[0].endswith("(9 files checked)")  # the empty file was checked too
    assert out.splitlines()[1] == "9 .txt read as text"  # what was read, by type
    assert f"skipped: {corpus / 'empty.txt'}: empty file" in err
    assert "no date line: indexed undated" in err


def test_env_var_sets_index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCHKIT_INDEX", str(tmp_path / "env-ix"))
    assert run("index", str(ROOT / "corpus"))[0] == 0
    assert (tmp_path / "env-ix" / "catalog.sqlite").exists()


def test_terminal_output_is_sanitised(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "evil.txt").write_text(
        "Evil \x1b[31mRed\x1b[0m Title\n\nBody with \x07bell and \x1b]0;title\x07 radar.\n"
    )
    run("index", str(corpus), index_dir=tmp_path / "ix")
    _, out, _ = run("search", "radar", index_dir=tmp_path / "ix")
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil Red Title" in out
