"""What the command line prints: terminal layout, colour, hostile text,
exports and manifests, timelines. Exact text, at a fixed terminal width."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import cli as cli_module
from searchkit import export, render
from searchkit.analytics import Bucket, Timeline
from searchkit.cli import cli
from searchkit.headlines import HeadlineMatcher
from searchkit.search import SearchIndex
from searchkit.spelling import FIELD

from .conftest import ROOT, SEED_ID, shared_path

# Every escape a hostile headline or body can carry: clear screen, a window
# title (OSC 0), a hyperlink (OSC 8), an 8-bit CSI, a BiDi override, and a
# newline that would start a fake result entry.
HOSTILE = "Radar \x1b[2Jcleared\x1b]0;owned\x07 \x9b31mred\x9bm \u202eevil\u202c\n2. Fake entry"
HOSTILE_BODY = "Radar body \x1b]8;;http://x.example/\x1b\\link\x1b]8;;\x1b\\ text."
RECORDS = [
    {"id": "h1", "headline": HOSTILE, "body": HOSTILE_BODY, "date": "2013-10-01", "source": "Kyodo News"},
    {
        "id": "f1",
        "headline": '=HYPERLINK("http://x.example/","radar")',
        "body": "+cmd|' /C calc'!A0 radar",
        "date": "2013-10-02",
        "url": "http://x.example/f1",
    },
    {"id": "f2", "headline": "@SUM(A1) radar", "body": "-2+3 radar", "date": "9999-12-31"},
    {"id": "f3", "headline": "Early radar", "body": "The first radar.", "date": "0001-01-01"},
]
UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c")


def run(*args: str, index_dir: Path | None = None, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    prefix = ["-i", str(index_dir)] if index_dir else []
    result = CliRunner().invoke(cli, [*prefix, *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("hostile")
    (where / "feed").mkdir()
    (where / "feed" / "h.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    assert run("index", str(where / "feed"), index_dir=where / "ix")[0] == 0
    return where / "ix"


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """stdout as an 60-column terminal, colour not switched off."""
    monkeypatch.setattr(cli_module, "_terminal", lambda: (True, 60))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield


# -- hostile text: one sanitiser for every format -----------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_no_format_sends_escapes_or_bidi_controls(hostile_dir: Path, fmt: str) -> None:
    code, out, _ = run("search", "radar", "--format", fmt, "--limit", "10", index_dir=hostile_dir)
    assert code == 0
    assert not [c for c in UNSAFE if c in out]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_escapes_instead_of_dropping(hostile_dir: Path, fmt: str) -> None:
    # The characters are escaped (\u009b, \u202e), so a program reading the
    # export gets the article text exactly.
    _, out, _ = run("search", "radar", "--format", fmt, "--sort", "oldest", index_dir=hostile_dir)
    hits = json.loads(out)["hits"] if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert hits[1]["headline"] == HOSTILE
    assert hits[1]["snippet"] == HOSTILE_BODY


def test_a_newline_in_a_headline_cannot_draw_a_fake_entry(hostile_dir: Path) -> None:
    _, out, _ = run("search", "radar", "--sort", "oldest", index_dir=hostile_dir)
    assert out.splitlines()[5:9] == [
        "",
        "2. Radar cleared red evil 2. Fake entry",
        "   2013-10-01 · Kyodo News · h1",
        "   Radar body link text.",
    ]


def test_csv_neutralises_formulas_and_flattens_one_line_fields(hostile_dir: Path) -> None:
    _, out, _ = run("search", "radar", "--format", "csv", "--sort", "oldest", index_dir=hostile_dir)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["headline"] for r in rows] == [
        "Early radar",
        "Radar cleared red evil 2. Fake entry",
        '\'=HYPERLINK("http://x.example/","radar")',
        "'@SUM(A1) radar",
    ]
    assert [r["snippet"] for r in rows][2:] == ["'+cmd|' /C calc'!A0 radar", "'-2+3 radar"]
    assert rows[2]["url"] == "http://x.example/f1"
    assert len(out.splitlines()) == 5  # a header and one line a hit


def test_csv_cells() -> None:
    assert [render.csv_cell(v) for v in ("=1+1", "+1", "-1", "@a", "\tx", "\rx", "a=b", -1.5, None)] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@a",
        "' x",
        "' x",
        "a=b",
        -1.5,
        "",
    ]
    assert render.csv_cell("a\n\nb", multiline=True) == "a\n\nb"


def test_sources_and_stats_are_cleaned(tmp_path: Path) -> None:
    counts = [("Evil\x1b]0;t\x07 \u202eNews\n", 2)]
    view = render.sources_view(counts)
    for fmt in render.FORMATS:
        out = "".join(render.emit(view, fmt))
        assert not [c for c in UNSAFE if c in out], fmt
    assert "".join(render.emit(view, "text")) == "Evil News   2\n"


def test_stats_prints_last_update_cleaned(hostile_dir: Path, tmp_path: Path) -> None:
    from searchkit.catalog import Catalog

    cat = Catalog(hostile_dir)
    saved = cat.meta("last_update")
    try:
        cat.set_meta(last_update="2013\x1b[2J\x9b1m\u202e\nx")
        _, out, _ = run("stats", index_dir=hostile_dir)
    finally:
        cat.set_meta(last_update=saved)
        cat.close()
    assert "Last update:  2013 x\n" in out


# -- terminal layout ----------------------------------------------------------


def test_search_wraps_with_hanging_indents_and_marks_headlines(library_dir: Path, terminal: None) -> None:
    _, out, _ = run("search", "korea", "--limit", "2", index_dir=library_dir)
    on, off = "\x1b[1;33m", "\x1b[0m"
    assert out.splitlines() == [
        "3 results (showing 1–2)",
        "",
        f"1. North {on}Korea{off} Test-Fires Short-Range Missiles",
        "   2013-12-03 · Yonhap · 08_yonhap_koran_typo",
        f"   North {on}Korea{off} fired two short-range missiles into the sea",
        "   on Wednesday, Yonhap reported, citing the South Korean",
        f"   military. … North {on}Korea{off} has called such exercises a",
        "   rehearsal for invasion.",
        "",
        f"2. South {on}Korea{off} Holds Missile Defense Drill",
        "   1987-06-14 · Yonhap · 03_yonhap_drill",
        f"   South {on}Korea{off} held a missile defense drill near the border",
        "   on Friday, Yonhap news agency reported.",
    ]


@pytest.mark.parametrize(("option", "env"), [(["--color", "never"], {}), ([], {"NO_COLOR": "1"})])
def test_color_can_be_switched_off(library_dir: Path, terminal: None, option: list[str], env: dict[str, str]) -> None:
    _, out, _ = run("search", "korea", "--limit", "1", *option, index_dir=library_dir, env=env)
    assert "\x1b" not in out
    assert out.splitlines()[4:6] == [
        "   North Korea fired two short-range missiles into the sea",
        "   on Wednesday, Yonhap reported, citing the South Korean",
    ]


def test_a_pipe_gets_long_plain_lines_unless_color_always(library_dir: Path) -> None:
    _, out, _ = run("search", "kyogamisaki", index_dir=library_dir)
    assert out.splitlines()[4] == (
        "   The forthcoming placement of a long-range AN/TPY-2 radar at the Kyogamisaki air-base"
        " was announced earlier this month by Washington and Tokyo."
    )
    _, out, _ = run("search", "kyogamisaki", "--color", "always", index_dir=library_dir)
    assert "the \x1b[1;33mKyogamisaki\x1b[0m air-base" in out


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("korea", ["Korea"]),
        ("missiles", ["Missiles"]),  # stemmed like the index
        ("short-range", ["Short-Range"]),
        ('"test fires"', ["Test-Fires"]),
        ("test*", ["Test"]),
        ("korea NOT missiles", ["Korea"]),  # nothing under NOT
        ("body:korea", []),  # a body-only clause marks no headline
    ],
)
def test_headline_marks_follow_the_query(ix: SearchIndex, query: str, marked: list[str]) -> None:
    headline = "North Korea Test-Fires Short-Range Missiles"
    spans = HeadlineMatcher(ix.build(query).query).spans(headline)
    assert [headline[s:e] for s, e in spans] == marked


def test_show_wraps_paragraphs_and_pages_on_a_terminal(
    library_dir: Path, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    paged: list[str] = []
    monkeypatch.setattr(cli_module.click, "echo_via_pager", lambda chunks, color=None: paged.extend(chunks))
    code, out, _ = run("show", SEED_ID, index_dir=library_dir)
    assert code == 0 and out == ""
    lines = "".join(paged).splitlines()
    assert lines[:3] == [
        "South Korea Denies Imminent Plans to Ink Defense Intel Pact",
        "with Japan",
        "Date:    2013-10-31",
    ]
    # The body follows the facts, whose Path line wraps with the checkout's
    # folder: find it rather than count lines.
    body = lines.index("South Korea on Thursday denied having intentions of shortly")
    assert lines[body : body + 4] == [
        "South Korea on Thursday denied having intentions of shortly",
        "signing a bilateral agreement with Japan that would allow",
        "the exchange of intelligence and military information about",
        "North Korea, Kyodo News reported.",
    ]
    assert max(len(line) for line in lines) <= 60


def test_fill_cuts_only_words_longer_than_a_line() -> None:
    style = render.Style(width=20)
    assert render.fill("see https://example.org/a/very/long/path now", style, "  ", "- ") == [
        "- see",
        "  https://example.or",
        "  g/a/very/long/path",
        "  now",
    ]


# -- did-you-mean and source hints ----------------------------------------------


@pytest.fixture(scope="module")
def corpus_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("shipped") / "index"
    assert run("index", str(ROOT / "corpus"), index_dir=where)[0] == 0
    return where


def test_the_readme_suggestion_on_the_shipped_corpus(corpus_only: Path) -> None:
    _, out, _ = run("search", "missle defence", index_dir=corpus_only)
    assert out == "No results.\n\nDid you mean: missile defense\n"
    _, out, _ = run("search", '"missle defence"', index_dir=corpus_only)
    assert out == 'No results.\n\nDid you mean: "missile defense"\n'


def test_a_misspelt_source_inside_the_query_is_corrected_under_the_same_options(corpus_only: Path) -> None:
    # The corrected query is counted under the options it was given with, and
    # its own source: filter replaces the misspelt one (it used to keep the
    # misspelt filter, so the correction counted 0 and was never offered).
    for options in ((), ("--since", "2013"), ("--source", "RIA Novosti")):
        _, out, _ = run("search", "radar source:kyodp", *options, index_dir=corpus_only)
        assert out == 'No results.\n\nDid you mean: radar source:"kyodo news"\n', options
    _, out, _ = run("search", "radar source:kyodp", "--until", "2012", index_dir=corpus_only)
    assert out == "No results.\n"  # the corrected query finds nothing before 2013 either


def test_wildcards_are_not_corrected(corpus_only: Path) -> None:
    _, out, _ = run("search", "telemet*", index_dir=corpus_only)
    assert out == "No results.\n"


def test_an_unknown_source_names_the_near_ones(library_dir: Path) -> None:
    _, out, _ = run("search", "radar", "--source", "Xinhau News", index_dir=library_dir)
    assert out == "warning: no indexed article cites source 'Xinhau News'; did you mean 'Xinhua'?\nNo results.\n"
    code, _, err = run("timeline", "radar", "--source", "Kyodoo", index_dir=library_dir)
    assert (code, err) == (0, "warning: no indexed article cites source 'Kyodoo'; did you mean 'Kyodo News'?\n")


# -- exports --------------------------------------------------------------------


def test_fields_choose_the_export_columns(hostile_dir: Path) -> None:
    _, out, _ = run(
        "search", "radar", "--format", "csv", "--fields", "id,url,body", "--sort", "oldest", index_dir=hostile_dir
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["id", "url", "body"]
    assert rows[3] == ["f1", "http://x.example/f1", "'+cmd|' /C calc'!A0 radar"]
    _, out, _ = run(
        "search", "radar", "--format", "jsonl", "--fields", "id,summary", "--limit", "1", index_dir=hostile_dir
    )
    assert set(json.loads(out)) == {"id", "summary"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv", "--fields", "id,nope"], "unknown field 'nope'; choose from id,headline,"),
        (["--fields", "id"], "--fields chooses export fields"),
        (["--format", "csv", "--facets"], "CSV holds one table"),
        (["--format", "xml"], "'xml' is not one of 'text', 'json', 'jsonl', 'csv'"),
    ],
)
def test_export_usage_errors(hostile_dir: Path, args: list[str], message: str) -> None:
    code, _, err = run("search", "radar", *args, index_dir=hostile_dir)
    assert code == 2 and message in err


def test_streamed_exports_are_not_capped_at_one_page(hostile_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The cap is one search call's page (10,000 hits); a page of 1 makes
    # the same paging run on four articles.
    monkeypatch.setattr(export, "PAGE", 1)
    for fmt in ("jsonl", "csv"):
        _, out, _ = run("search", "radar", "--format", fmt, "--limit", "100", "--sort", "oldest", index_dir=hostile_dir)
        ids = (
            [json.loads(x)["id"] for x in out.splitlines()]
            if fmt == "jsonl"
            else [r["id"] for r in csv.DictReader(io.StringIO(out))]
        )
        assert ids == ["f3", "h1", "f1", "f2"], fmt
    _, out, _ = run("search", "radar", "--format", "jsonl", "--limit", "3", index_dir=hostile_dir)
    assert len(out.splitlines()) == 3  # --limit is the only cap


def test_facets_in_json_lines(hostile_dir: Path) -> None:
    _, out, _ = run("search", "radar", "--format", "jsonl", "--facets", index_dir=hostile_dir)
    facets = [json.loads(line) for line in out.splitlines() if "facet" in json.loads(line)]
    assert {"facet": "year", "value": "9999", "hits": 1} in facets
    assert {"facet": "source", "value": "Kyodo News", "hits": 1} in facets


def test_manifest_sidecar(hostile_dir: Path, tmp_path: Path) -> None:
    side = tmp_path / "radar.manifest.json"
    code, out, _ = run(
        "search", "radar", "--since", "2013-10", "--format", "csv", "--manifest", str(side), index_dir=hostile_dir
    )
    assert code == 0
    card = json.loads(side.read_text())
    assert card["query"] == "radar" and card["format"] == "csv"
    assert card["resolved"] == {"since": "2013-10-01", "until": None, "sources": [], "exclude_sources": []}
    assert card["options"]["since"] == "2013-10" and card["options"]["limit"] == 10
    assert (card["total"], card["exported"], card["index"]["articles"]) == (3, 3, 4)
    assert len(card["index"]["state_sha256"]) == 64
    _, out, _ = run("search", "radar", "--format", "json", "--manifest", str(side), index_dir=hostile_dir)
    assert json.loads(out)["manifest"]["index"]["state_sha256"] == card["index"]["state_sha256"]


def test_the_state_hash_follows_the_content(tmp_path: Path) -> None:
    from searchkit import SearchIndex

    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "a.jsonl").write_text(json.dumps(RECORDS[3]) + "\n")
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([feed])
    before, commits = export.index_state(ix), export.generation(ix)
    ix.update([feed])
    assert export.index_state(ix) == before  # a run that changed nothing
    (feed / "b.jsonl").write_text(json.dumps(RECORDS[2]) + "\n")
    ix.update([feed])
    assert export.index_state(ix) != before
    assert export.generation(ix) > commits


# -- timeline -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "lines"),
    [
        ("day", ["0001-01-01  ██ 1", "…           (735140 days without hits)", "2013-10-01  ██ 1"]),
        ("week", ["0001-W01  █ 1", "…         (105019 weeks without hits)", "2013-W40  ██ 2"]),
        ("month", ["0001-01  █ 1", "…        (24152 months without hits)", "2013-10  ██ 2"]),
        (
            "year",
            [
                "0001  █ 1",
                "…     (2011 years without hits)",
                "2013  ██ 2",
                "…     (7985 years without hits)",
                "9999  █ 1",
            ],
        ),
    ],
)
def test_timeline_from_year_1_to_9999(
    hostile_dir: Path, by: str, lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "BAR_WIDTH", 2)
    code, out, _ = run("timeline", "radar", "--by", by, index_dir=hostile_dir)
    assert code == 0
    assert out.splitlines()[: len(lines)] == lines


def _timeline(*rows: tuple[str, int, int]) -> Timeline:
    from datetime import date

    buckets = tuple(Bucket(p, date.fromisoformat(p + "-01"), h, a) for p, h, a in rows)
    return Timeline("q", "month", buckets, 0, sum(h for _, h, _ in rows))


def test_timeline_gaps_and_normalize_without_empty_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "BAR_WIDTH", 10)
    tl = _timeline(
        ("2013-01", 2, 4),
        ("2013-02", 0, 5),
        ("2013-03", 1, 2),
        ("2013-04", 0, 1),
        ("2013-05", 0, 1),
        ("2013-06", 0, 1),
        ("2013-07", 1, 10),
        ("2013-10", 1, 1),
    )
    assert render.timeline_text(tl, normalize=False).splitlines() == [
        "2013-01  ██████████ 2",
        "2013-02   0",
        "2013-03  █████ 1",
        "…        (3 months without hits)",
        "2013-07  █████ 1",
        "…        (2 months without hits)",
        "2013-10  █████ 1",
    ]
    assert render.timeline_text(tl, normalize=True).splitlines() == [
        "2013-01  █████  50.0% (2/4)",
        "2013-02     0.0% (0/5)",
        "2013-03  █████  50.0% (1/2)",
        "…        (3 months without hits)",
        "2013-07  █  10.0% (1/10)",
        "…        (2 months without hits)",
        "2013-10  ██████████ 100.0% (1/1)",
    ]


def test_timeline_by_day_and_every_format(library_dir: Path) -> None:
    _, out, _ = run("timeline", "korea", "--by", "day", "--format", "csv", index_dir=library_dir)
    assert out.splitlines() == [
        "period,start,hits,articles,share",
        "1987-06-14,1987-06-14,1,1,1.0",
        "1987-06-30,1987-06-30,0,1,0.0",  # a day with articles but no hits
        "2013-10-22,2013-10-22,0,1,0.0",  # (days without articles are left out)
        "2013-10-31,2013-10-31,1,1,1.0",
        "2013-11-07,2013-11-07,0,1,0.0",
        "2013-12-03,2013-12-03,1,1,1.0",
    ]
    _, out, _ = run("timeline", "korea", "--by", "year", "--format", "jsonl", index_dir=library_dir)
    assert [json.loads(x)["period"] for x in out.splitlines()] == ["1987", "2013"]


# -- did-you-mean on Reuters stories ---------------------------------------------


@pytest.fixture(scope="module")
def reuters_ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    from benchmarks import reuters

    source = shared_path("corpora", "reuters21578")
    where = tmp_path_factory.mktemp("reuters")
    reuters.write_jsonl(reuters.records(source, limit=300), where / "r.jsonl")
    with SearchIndex(where / "ix", create=True) as ix:
        ix.update([where / "r.jsonl"])
        yield ix


def test_did_you_mean_on_real_misspellings_of_reuters_words(reuters_ix: SearchIndex) -> None:
    # The benchmark's list (benchmarks/spelling_eval.py, 19k stories) cut to
    # the words these 300 stories use often enough to be corrected to.
    from benchmarks.spelling_eval import MIN_ARTICLES, load

    searcher, _ = reuters_ix._current()
    reader = searcher.reader()
    pairs = [
        (w, r)
        for w, r in load()
        if (FIELD, r) in reader and reader.doc_frequency(FIELD, r) >= MIN_ARTICLES and (FIELD, w) not in reader
    ][:30]
    assert len(pairs) == 30
    got = {w: reuters_ix.search(w, limit=1).suggestion for w, _ in pairs}
    made = [w for w, _ in pairs if got[w] is not None]
    right = [w for w, r in pairs if got[w] == r]
    assert len(right) / len(made) >= 0.85  # precision
    assert len(right) / len(pairs) >= 0.75  # recall
    # Never a suggestion that finds less than the query did.
    for w in made[:5]:
        assert reuters_ix.search(got[w] or "", limit=1).total > reuters_ix.search(w, limit=1).total


def test_explain_as_json_goes_through_the_one_json_path(library_dir: Path) -> None:
    code, out, _ = run(
        "search", "radar source:kyodo", "--since", "2013-10", "--explain", "--format", "json", index_dir=library_dir
    )
    doc = json.loads(out)
    assert code == 0
    assert doc["dates"] == {"since": "2013-10-01", "until": None}
    assert doc["filters"]["sources_any_of"] == [["kyodo news"]]
    assert doc["query"] == "(headline:radar^2 OR body:radar)"


def test_limit_0_prints_the_count_only(library_dir: Path) -> None:
    assert run("search", "korea", "--limit", "0", index_dir=library_dir)[1] == "3 results\n"


def test_error_messages_are_cleaned(tmp_path: Path) -> None:
    # The message quotes the folder as given, not as repr() would.
    code, _, err = run("search", "x", index_dir=tmp_path / "no\x1b[2J\u202eix")
    shown = tmp_path / "noix"
    assert (code, err) == (1, f"Error: no index at {shown}: create it with `searchkit --index-dir {shown} index PATH...`\n")
    assert not [c for c in UNSAFE if c in err]


def test_similar_exports_carry_the_url(hostile_dir: Path) -> None:
    _, out, _ = run("similar", "f2", "--format", "jsonl", index_dir=hostile_dir)
    hits = {h["id"]: h for h in map(json.loads, out.splitlines())}
    assert hits["f1"]["url"] == "http://x.example/f1"


def test_a_three_letter_word_is_corrected_only_when_the_index_never_uses_it(library_dir: Path) -> None:
    assert run("search", "sez", index_dir=library_dir)[1] == "No results.\n\nDid you mean: sea\n"
    assert run("search", "pac", index_dir=library_dir)[1] == "No results.\n\nDid you mean: pact\n"
    assert run("search", "kim", index_dir=library_dir)[1].startswith("1 result ")  # used: never corrected


def test_the_progress_bar_counts_articles_and_bytes_and_says_when_it_commits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from searchkit.indexer import IndexProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    monkeypatch.setattr(cli_module.sys, "stderr", err)
    monkeypatch.setattr(cli_module, "PROGRESS_AFTER", 0.0)
    update, finish = cli_module._progress()
    # One large file: the bar moves by its articles, then the final commit.
    update(IndexProgress("writing", 0, 1, 4_500_000, 18_000_000, 5_000))
    assert err.getvalue().endswith(
        "Indexing  [#########---------------------------]   25%  5,000 articles, 4.5/18.0 MB"
    )
    update(IndexProgress("committing", 0, 1, 18_000_000, 18_000_000, 19_043))
    assert err.getvalue().endswith(
        "Committing  [####################################]  100%  19,043 articles, 18.0/18.0 MB"
    )
    update(IndexProgress("done", 1, 1, 18_000_000, 18_000_000, 19_043))
    finish()
    # The last line, padded over the longer "Committing" one.
    assert err.getvalue().split("\r")[-1] == (
        "\x1b[?25lIndexed  [####################################]  100%  19,043 articles, 18.0/18.0 MB   \x1b[?25h\n"
    )


@pytest.mark.parametrize(
    ("command", "formats"),
    [
        (["sources"], render.FORMATS),
        (["stats"], ("text", "json")),
        (["duplicates"], render.FORMATS),
        (["saved"], render.FORMATS),
        (["alerts", "--peek"], render.FORMATS),
        (["similar", SEED_ID], render.FORMATS),
        (["show", SEED_ID], ("text", "json")),
        (["timeline", "radar"], render.FORMATS),
    ],
)
def test_every_command_takes_the_formats_it_lists(
    library_dir: Path, command: list[str], formats: tuple[str, ...]
) -> None:
    for fmt in formats:
        code, out, err = run(*command, "--format", fmt, index_dir=library_dir)
        assert code == 0 and not err and (out or fmt == "jsonl"), (fmt, err)  # no records: no lines
        if fmt == "json":
            json.loads(out)
        elif fmt == "jsonl":
            [json.loads(line) for line in out.splitlines()]
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(out)))
            assert len({len(r) for r in rows}) == 1  # one table, every row as wide as the header
    _, help_text, _ = run(*command[:1], "--help")
    assert f"[{'|'.join(formats)}]" in " ".join(help_text.split())


def test_an_export_that_spans_a_commit_is_an_error(hostile_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages are separate searches: if an index run commits between them the
    # pages may overlap or miss hits, so the export says so instead.
    monkeypatch.setattr(export, "PAGE", 1)
    states = iter([1, 1, 2, 2, 2, 2])
    monkeypatch.setattr(export, "generation", lambda ix: next(states))
    code, out, err = run("search", "radar", "--format", "jsonl", "--limit", "100", index_dir=hostile_dir)
    assert code == 1
    assert err == "Error: the index changed while exporting (an index run committed): export again\n"
    assert len(out.splitlines()) == 2  # what was written before the change was seen


def test_timeline_manifest(hostile_dir: Path, tmp_path: Path) -> None:
    side = tmp_path / "t.json"
    code, _, _ = run(
        "timeline", "radar", "--by", "year", "--until", "2013", "--manifest", str(side), index_dir=hostile_dir
    )
    card = json.loads(side.read_text())
    assert code == 0 and card["command"] == "timeline" and card["options"]["by"] == "year"
    assert card["resolved"]["until"] == "2013-12-31" and card["total"] == 3
