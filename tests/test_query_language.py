"""The query language exactly: limits, warnings for what would silently change
the query, readable --explain, and one meaning of --limit 0 and of a count."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import DateParseError, QueryError, SearchIndex
from searchkit import query as q
from searchkit.cli import cli
from searchkit.dates import period
from searchkit.ranking import DEFAULT

from .conftest import LIBRARY, SEED_ID

# Plain words and phrases over the library's own vocabulary, with stop words,
# split words and repeats: the fast path must build what the parser builds.
FAST_CASES = [
    "radar",
    "missile defense",
    "Missile DEFENSE missile",
    "the radar",
    "of the",
    "x band radar",
    "radar satellite treaty geneva",
    "1987 talks",
    '"missile defense"',
    '"state of the union"',
    '"fired missiles"',
    '"radar radar"',
    "radar or satellite",
    "radar and satellite",
]


@pytest.mark.parametrize("text", FAST_CASES)
@pytest.mark.parametrize("any_words", [False, True])
def test_fast_path_builds_what_the_parser_builds(
    ix: SearchIndex, monkeypatch: pytest.MonkeyPatch, text: str, any_words: bool
) -> None:
    fast = ix.build(text, any_words=any_words)
    monkeypatch.setattr(q, "_fast_parse", lambda *a: None)
    slow = ix.build(text, any_words=any_words)
    assert fast.query == slow.query
    assert fast.warnings == slow.warnings


def test_fast_path_takes_the_plain_cases() -> None:
    from searchkit.schema import build_schema

    s = build_schema()
    assert q._fast_parse("missile defense", s, False, DEFAULT) is not None
    assert q._fast_parse('"missile defense"', s, False, DEFAULT) is not None
    for text in ("radar AND x", "headline:radar", "radar*", "(radar)", "x-band", "radar^2"):
        assert q._fast_parse(text, s, False, DEFAULT) is None


def test_nesting_has_a_limit(ix: SearchIndex) -> None:
    deep = "(" * 350 + "radar" + ")" * 350
    with pytest.raises(QueryError, match=f"nested more than {q.MAX_QUERY_DEPTH} deep"):
        ix.search(deep)
    ok = "(" * q.MAX_QUERY_DEPTH + "radar" + ")" * q.MAX_QUERY_DEPTH
    assert ix.search(ok).total == ix.search("radar").total > 0


@pytest.mark.parametrize("value", ["100000000d", "5000y", "3000000m"])
def test_relative_dates_beyond_the_calendar_are_errors(ix: SearchIndex, value: str) -> None:
    with pytest.raises(DateParseError, match="before the year 1"):
        period(value)
    with pytest.raises(DateParseError):
        ix.search("radar", since=value)
    with pytest.raises(DateParseError):
        ix.search("radar", until=value)


def test_cli_relative_date_overflow_is_one_line(library_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["-i", str(library_dir), "search", "radar", "--since", "5000y"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1


def test_fuzzy_edit_distance_is_capped(ix: SearchIndex) -> None:
    results = ix.search("telemtry~8")
    assert any(f"capped at {q.MAX_EDITS}" in w for w in results.warnings)
    assert f"~{q.MAX_EDITS}" in results.explain
    assert results.total == ix.search(f"telemtry~{q.MAX_EDITS}").total > 0


def test_wildcard_expansion_is_capped(ix: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit import engine

    everything = ix.search("*e*", limit=0)
    assert everything.total > 1 and not everything.warnings
    monkeypatch.setattr(engine, "MAX_EXPANSIONS", 3)
    capped = ix.search("*e*", limit=0)
    assert any("the limit" in w and "searched the first 3" in w for w in capped.warnings)
    assert 0 < capped.total <= everything.total


def test_quoted_source_names_work_inside_the_query(ix: SearchIndex) -> None:
    inline = ix.search('source:"Xinhua News Agency"')
    option = ix.search("*", sources=["Xinhua News Agency"])
    assert inline.total == option.total > 0
    assert [h.id for h in inline.hits] == [h.id for h in option.hits]


@pytest.mark.parametrize("text", ["radar AND", "AND radar", "radar OR", "radar NOT", "(radar AND)"])
def test_a_dangling_operator_is_a_warning_not_a_word(ix: SearchIndex, text: str) -> None:
    results = ix.search(text)
    op = re.search(r"AND|OR|NOT", text).group(0)  # type: ignore[union-attr]
    assert any(w.startswith(f"{op} joins nothing") for w in results.warnings)
    assert [h.id for h in results.hits] == [h.id for h in ix.search("radar").hits]


@pytest.mark.parametrize("text", ["url:x", "id:000", "path:corpus radar"])
def test_an_unknown_field_is_named(ix: SearchIndex, text: str) -> None:
    results = ix.search(text)
    field = text.split(":")[0]
    assert any(f"unknown field {field!r}" in w for w in results.warnings)
    assert not any("STORED" in w or "format" in w for w in results.warnings)


def test_a_reversed_range_is_a_warning(ix: SearchIndex) -> None:
    for results in (
        ix.search("date:[1987-03 TO 1987-02]"),
        ix.search("missile", since="1987-03", until="1987-02"),
        ix.search("*", since="1987-03", until="1987-02"),
    ):
        assert results.total == 0
        assert any("reversed" in w for w in results.warnings)
    assert not ix.search("date:[1987-02 TO 1987-03]").warnings


def test_explain_is_readable(ix: SearchIndex) -> None:
    text = ix.build('radar NOT satellite date:1987 "fired missiles"~5 telemet*').explain()
    assert "None:" not in text and ".0000" not in text
    assert "(headline:radar^2 OR body:radar)" in text
    assert 'body:"fire missil"~5' in text
    assert ix.build("*").explain().splitlines()[0] == "query:   *"
    assert ix.build("NOT radar").explain().splitlines()[0] == "query:   NOT (headline:radar^2 OR body:radar)"


def test_explain_as_data(ix: SearchIndex) -> None:
    doc = ix.build("radar OR satellite source:kyodo", since="2013-10", until="2013-10").as_dict()
    json.dumps(doc)  # plain data
    assert doc["dates"] == {"since": "2013-10-01", "until": "2013-10-31"}
    assert doc["filters"]["sources_any_of"] == [["kyodo news"]]
    tree = doc["tree"]
    assert tree["op"] == "or" and [a["text"] for a in tree["args"]] == ["radar", "satellit"]
    assert tree["args"][0]["fields"] == {"headline": 2.0, "body": 1.0}


def test_limit_zero_is_count_only_everywhere(ix: SearchIndex, library_dir: Path) -> None:
    counted = ix.search("missile", limit=0)
    assert counted.hits == () and counted.total == ix.search("missile").total > 0
    assert ix.search("*", limit=0, sort="newest").hits == ()
    assert ix.similar(SEED_ID, limit=0).hits == ()
    with pytest.raises(QueryError):
        ix.search("missile", limit=-1)
    with pytest.raises(QueryError):
        ix.similar(SEED_ID, limit=-1)
    runner = CliRunner()
    out = runner.invoke(cli, ["-i", str(library_dir), "search", "missile", "--limit", "0", "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["hits"] == []
    out = runner.invoke(cli, ["-i", str(library_dir), "similar", SEED_ID, "--limit", "0"])
    assert out.exit_code == 0, out.output


def test_similar_on_an_article_without_key_terms(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(LIBRARY, corpus)
    # Its one word is in no body: Whoosh's key-term model divided by zero.
    (corpus / "h.jsonl").write_text('{"id": "h1", "headline": "Zyxqwvt", "body": ""}\n')
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    assert ix.similar("h1").hits == ()
    ix.close()


@pytest.mark.parametrize("text", ['"missile defense" OR radar', 'radar AND "missile defense"', 'NOT "missile defense"'])
def test_a_phrase_is_a_side_of_an_operator(ix: SearchIndex, text: str) -> None:
    # The phrase was taken out before looking for sides, so every operator
    # beside one was reported as joining nothing (it was searched all along).
    results = ix.search(text)
    assert not any("joins nothing" in w for w in results.warnings), results.warnings
    explained = ix.build(text).explain()
    assert 'body:"missil defens"' in explained and ("radar" in explained) == ("radar" in text)
