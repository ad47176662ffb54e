"""The analyst's operators (w/N, pre/N, /s, /p, atleastN, lead:, =WORD)
against a naive reference computed from the texts.

The reference tokenizes each article with the project's analyzer (Whoosh's
own token stream, not the bulk writer's cut), finds sentences with the one
splitter (tested on its own below) by character offset and paragraphs by
blank lines, and checks windows by trying every pair of occurrences. Every
case of tests/data/cases/operators.json is checked against it, and so are
more queries on an index with two extra articles (tests/data/operators:
START the treaty, and "start" the verb).
"""

from __future__ import annotations

import bisect
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner

from searchkit import SearchIndex
from searchkit.analysis import NewsTokenizer, news_analyzer, normalize
from searchkit.articles import read_file
from searchkit.boundaries import boundaries, decode, exact_forms, sentence_starts, token_starts
from searchkit.cli import cli
from searchkit.dates import period
from searchkit.errors import QueryError
from searchkit.sources import source_key

from .conftest import DATA, LIBRARY, ROOT

CASES = [c for c in json.loads((DATA / "cases" / "operators.json").read_text()) if "ids" in c]
EXTRA = DATA / "operators"


# -- the reference -------------------------------------------------------------
@dataclass
class Text:
    id: str
    day: date | None
    sources: frozenset[str]
    # field -> [(term, position, start char)]
    tokens: dict[str, list[tuple[str, int, int]]]
    raw: set[str]
    sentence_chars: list[int]
    paragraph_chars: list[int]


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.pos, t.startchar) for t in news_analyzer()(text, positions=True, chars=True)]


def _paragraph_chars(body: str) -> list[int]:
    out, at = [], 0
    for piece in body.split("\n\n")[:-1]:
        at += len(piece) + 2
        out.append(at)
    return out


def load(ix: SearchIndex) -> list[Text]:
    out = []
    for hit in ix.search("*", limit=1000).hits:
        a = ix.get(hit.id)
        raw = {normalize(t.text) for text in (a.headline, a.body) for t in NewsTokenizer()(text)}
        out.append(
            Text(
                a.id,
                a.date,
                frozenset(source_key(s) for s in a.sources),
                {"headline": _tokens(a.headline), "body": _tokens(a.body)},
                raw,
                sentence_starts(a.body),
                _paragraph_chars(a.body),
            )
        )
    return out


def term(word: str) -> str:
    (found,) = (t.text for t in news_analyzer()(word))
    return found


def side_terms(side: str) -> list[list[str]]:
    """A side as alternatives, each a list of terms in sequence."""
    if side.startswith("("):
        return [alt for part in side[1:-1].split(" OR ") for alt in side_terms(part.strip())]
    return [[t.text for t in news_analyzer()(side.strip('"'))]]


def occurrences(doc: Text, field: str, side: str) -> list[tuple[int, int, int]]:
    """(start position, end position, start char) of each occurrence of the side."""
    toks = doc.tokens[field]
    found = []
    for alt in side_terms(side):
        for i in range(len(toks) - len(alt) + 1):
            if [t[0] for t in toks[i : i + len(alt)]] == alt:
                found.append((toks[i][1], toks[i + len(alt) - 1][1], toks[i][2]))
    return found


def _unit(doc: Text, field: str, unit: str, char: int) -> int:
    if field == "headline":
        return 0
    starts = doc.sentence_chars if unit == "s" else doc.paragraph_chars
    return bisect.bisect_right(starts, char)


def _end_char(doc: Text, field: str, pos: int) -> int:
    return next(c for _, p, c in doc.tokens[field] if p == pos)


def clause(doc: Text, text: str) -> bool:
    m = re.fullmatch(r"(\(.+?\)|\"[^\"]+\"|\S+) (w/\d+|pre/\d+|/s|/p) (\(.+?\)|\"[^\"]+\"|\S+)", text)
    if m:
        a, op, b = m.groups()
        for field in ("headline", "body"):
            for sa, ea, ca in occurrences(doc, field, a):
                for sb, eb, cb in occurrences(doc, field, b):
                    if op.startswith("/"):
                        ua = {_unit(doc, field, op[1], ca), _unit(doc, field, op[1], _end_char(doc, field, ea))}
                        ub = {_unit(doc, field, op[1], cb), _unit(doc, field, op[1], _end_char(doc, field, eb))}
                        if len(ua) == len(ub) == 1 and ua == ub:
                            return True
                        continue
                    n = int(op.split("/")[1])
                    if 1 <= sb - ea <= n or (op.startswith("w") and 1 <= sa - eb <= n):
                        return True
        return False
    m = re.fullmatch(r"atleast(\d+)\((\S+)\)", text)
    if m:
        t = term(m.group(2))
        return sum(tok[0] == t for f in ("headline", "body") for tok in doc.tokens[f]) >= int(m.group(1))
    m = re.fullmatch(r"lead:(\"[^\"]+\"|\S+)", text)
    if m:
        first = doc.paragraph_chars[0] if doc.paragraph_chars else 10**9
        if occurrences(doc, "headline", m.group(1)):
            return True
        return any(_end_char(doc, "body", e) < first for _, e, _ in occurrences(doc, "body", m.group(1)))
    m = re.fullmatch(r"=(\S+)", text)
    if m:
        word = m.group(1)
        found = bool(occurrences(doc, "headline", word) or occurrences(doc, "body", word))
        return found and (word == word.lower() or word in doc.raw)
    m = re.fullmatch(r"source:(\S+)", text)
    if m:
        return source_key(m.group(1)) in doc.sources
    m = re.fullmatch(r"date:(\d{4})", text)
    if m:
        return doc.day is not None and doc.day.year == int(m.group(1))
    return bool(occurrences(doc, "headline", text) or occurrences(doc, "body", text))


def clauses(query: str) -> list[str]:
    """The query's AND-ed clauses (the reference reads only the forms tested here)."""
    pieces = re.findall(r"\([^()]+\)|\"[^\"]+\"|lead:\"[^\"]+\"|\S+", query)
    out: list[str] = []
    i = 0
    while i < len(pieces):
        if i + 2 < len(pieces) and re.fullmatch(r"w/\d+|pre/\d+|/s|/p", pieces[i + 1]):
            out.append(" ".join(pieces[i : i + 3]))
            i += 3
        elif re.fullmatch(r"/s|/p", pieces[i]):
            i += 1  # a dangling operator is left out (with a warning)
        else:
            out.append(pieces[i])
            i += 1
    return out


def reference(texts: list[Text], query: str, options: dict[str, Any] | None = None) -> list[str]:
    options = options or {}
    found = []
    for doc in texts:
        if "since" in options and (doc.day is None or doc.day < period(options["since"])[0]):
            continue
        if "until" in options and (doc.day is None or doc.day > period(options["until"])[1]):
            continue
        if "sources" in options and not doc.sources & {source_key(s) for s in options["sources"]}:
            continue
        if doc.sources & {source_key(s) for s in options.get("exclude_sources", [])}:
            continue
        if all(clause(doc, c) for c in clauses(query)):
            found.append(doc.id)
    return sorted(found)


# -- fixtures --------------------------------------------------------------------
@pytest.fixture(scope="module")
def texts(ix: SearchIndex) -> list[Text]:
    return load(ix)


@pytest.fixture(scope="module")
def ops_ix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    """corpus/, the library and the two articles of tests/data/operators."""
    where = tmp_path_factory.mktemp("operators")
    shutil.copytree(LIBRARY, where / "texts")
    index = SearchIndex(where / "index", create=True)
    index.update([ROOT / "corpus", where / "texts"])
    # Added by a second run: a second segment, whose boundaries sit at an offset.
    for path in EXTRA.iterdir():
        shutil.copy(path, where / "texts" / path.name)
    index.update([ROOT / "corpus", where / "texts"])
    with index:
        yield index


@pytest.fixture(scope="module")
def ops_texts(ops_ix: SearchIndex) -> list[Text]:
    return load(ops_ix)


# -- the case table against the reference -----------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_matches_the_reference(texts: list[Text], case: dict[str, Any]) -> None:
    assert sorted(case["ids"]) == reference(texts, case["query"], case.get("options"))


EXTRA_QUERIES = [
    ("oil w/3 prices", {}),
    ("oil w/4 prices", {}),  # "prices. Inspectors may visit oil": 4 apart, across sentences
    ("oil pre/1 prices", {}),
    ("prices pre/1 oil", {}),
    ("prices pre/2 oil", {}),
    ("oil /s prices", {}),
    ("warheads /s oil", {}),
    ("warheads /p oil", {}),
    ("dr /s arbatov", {}),  # "Dr." does not end the sentence
    ("arbatov /s senate", {}),  # nor does "U.S."
    ("expert /s ratify", {}),
    ('"crude oil" w/3 gold', {}),
    ('"crude oil" pre/2 gold', {}),
    ("(gold OR gas) w/2 oil", {}),
    ("lead:treaty", {}),
    ("lead:senate", {}),
    ("lead:warheads", {}),
    ('lead:"chemical weapons"', {}),
    ("atleast3(oil)", {}),
    ("atleast2(oil)", {}),
    ("atleast4(oil)", {}),
    ("=START treaty", {}),
    ("start treaty", {}),
    ("=Start", {}),
    ("=AN", {}),
    ("=START", {"sources": ["xinhua"]}),
    ("oil w/4 prices", {"since": "1991-08"}),
    ("oil /s prices", {"sources": ["reuters"]}),
    ("atleast2(oil)", {"exclude_sources": ["reuters"]}),
]


@pytest.mark.parametrize(("query", "options"), EXTRA_QUERIES, ids=[q + str(o) for q, o in EXTRA_QUERIES])
def test_more_queries_match_the_reference(
    ops_ix: SearchIndex, ops_texts: list[Text], query: str, options: dict[str, Any]
) -> None:
    results = ops_ix.search(query, limit=100, **options)
    assert sorted(h.id for h in results.hits) == reference(ops_texts, query, options)
    assert results.total == len(results.hits)


def _ids(ix: SearchIndex, query: str) -> list[str]:
    return sorted(h.id for h in ix.search(query, limit=100).hits)


START, TALKS = "09_reuters_start_treaty", "10_xinhua_talks_start"


def test_the_reference_is_not_vacuous(ops_ix: SearchIndex) -> None:
    """The distinctions the extra articles were written for, stated outright
    (on two segments: the extra articles were added by a second run)."""
    assert len(ops_ix._current()[0].reader().leaf_readers()) == 2
    assert _ids(ops_ix, "=START treaty") == [START]
    assert _ids(ops_ix, "start treaty") == [START, TALKS]
    assert _ids(ops_ix, "oil w/3 prices") == [START]
    assert _ids(ops_ix, "oil w/4 prices") == [START, TALKS]
    assert _ids(ops_ix, "prices pre/1 oil") == []
    assert _ids(ops_ix, "warheads /s oil") == [] and _ids(ops_ix, "warheads /p oil") == [START]
    assert _ids(ops_ix, "lead:warheads") == [] and _ids(ops_ix, "warheads") == [START]
    assert _ids(ops_ix, "atleast3(oil)") == [START] and _ids(ops_ix, "atleast2(oil)") == [START, TALKS]


def test_whoosh_matchers_agree(ops_ix: SearchIndex) -> None:
    """The same query objects through Whoosh's own matchers (the fallback
    path): Near is Whoosh's SpanNear2, the others list matchers."""
    from searchkit.engine import Arrays, evaluate

    searcher = ops_ix._current()[0]
    arrays = Arrays(searcher)
    for query, _ in EXTRA_QUERIES:
        built = ops_ix.build(query)
        engine_ids, scores, _ = evaluate(arrays, built.query)
        hits = searcher.search(built.query, limit=None)
        whoosh = {h.docnum: h.score for h in hits}
        assert sorted(whoosh) == engine_ids.tolist(), query
        for doc, score in zip(engine_ids.tolist(), scores.tolist(), strict=True):
            assert whoosh[doc] == pytest.approx(score, rel=1e-6), query


# -- index-time boundaries ------------------------------------------------------
def test_sentence_splitter() -> None:
    text = (
        "Dr. Alexei Arbatov met Gen. Smith in the U.S. Senate on Nov. 11. "
        '"It is done," he said. Then J. R. Ewing spoke! Was it No. 2? yes, it was.\n\n'
        "A new paragraph. (And a bracket.) The end"
    )
    got = [text[i : i + 12] for i in sentence_starts(text)]
    assert got == ['"It is done,', "Then J. R. E", "Was it No. 2", "A new paragr", "(And a brack", "The end"]


def test_sentence_splitter_edges() -> None:
    assert sentence_starts("") == []
    assert sentence_starts("One sentence without a stop") == []
    assert sentence_starts("Ends here. ") == []
    assert sentence_starts("The U.N. Security Council met.") == []


def test_boundaries_are_the_analyzers_positions() -> None:
    """Token for token, the cut the boundaries are counted on is the Whoosh
    analyzer's (positions and start characters), on every test text."""
    bodies = []
    for path in [*LIBRARY.iterdir(), *EXTRA.iterdir(), *(ROOT / "corpus").iterdir()]:
        bodies.extend(loaded.article.body for loaded in read_file(str(path)).loaded)
    assert len(bodies) >= 10
    for body in bodies:
        toks = [(t.pos, t.startchar) for t in news_analyzer()(body, positions=True, chars=True)]
        assert [pos for pos, _ in toks] == list(range(len(toks)))
        chars = [c for _, c in toks]
        assert token_starts(body).tolist() == chars
        sentences, paragraphs = decode(boundaries(body))
        want = sorted({bisect.bisect_left(chars, c) for c in sentence_starts(body)} - {0, len(toks)})
        assert sentences.tolist() == want
        assert set(paragraphs.tolist()) <= set(sentences.tolist())
        assert len(paragraphs) == body.count("\n\n")


def test_exact_forms() -> None:
    assert exact_forms("START Treaty", "the START's U.S. start ＮＡＴＯ 1987 McDonnell") == "McDonnell NATO START Treaty U.S."


# -- mistakes -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("oil w/0 prices", "w/0: w/ takes a number of words from 1 to 1000, as in w/5"),
        ("oil pre/x prices", "pre/x: pre/ takes a number of words from 1 to 1000, as in w/5"),
        ("oil w/5000 prices", "w/5000: the window is at most 1000 words"),
        ("atleast0(oil)", "atleast0(oil): write atleastN(word) with N from 1, as in atleast3(oil)"),
        ("atleast3()", "atleast3(): write atleastN(word) with N from 1, as in atleast3(oil)"),
        (
            "(oil prices) w/5 gold",
            'w/5: each side must be a word, a "phrase" or an (OR group), not '
            "((headline:oil^2 OR body:oil) AND (headline:price^2 OR body:price))",
        ),
        (
            "=START w/5 treaty",
            "w/5: 'START' written =WORD cannot be a side (exact case is kept per article, not per word)",
        ),
        ("lead:oil*", 'lead: takes a word or a "phrase", not oil*'),
        (
            "oil w/5 prices w/3 gold",
            'w/3: each side must be a word, a "phrase" or an (OR group), not headline:(oil w/5 price)^2',
        ),
    ],
)
def test_mistakes_are_errors(ix: SearchIndex, query: str, message: str) -> None:
    with pytest.raises(QueryError) as err:
        ix.build(query)
    assert str(err.value) == message
    result = CliRunner().invoke(cli, ["-i", str(ix.path), "search", query, "--explain", "--format", "json"])
    assert result.exit_code != 0
    assert result.output.strip().endswith(f"Error: {message}")


@pytest.mark.parametrize(
    ("query", "warning"),
    [
        ("radar /s", "/s joins nothing on one side: left out of the query"),
        ("/p radar", "/p joins nothing on one side: left out of the query"),
        ("(radar w/3) japan", "w/3 joins nothing on one side: left out of the query"),
        ("=radar", "=radar has no capital letter: searched as the word radar"),
    ],
)
def test_mistakes_are_warnings(ix: SearchIndex, query: str, warning: str) -> None:
    built = ix.build(query)
    assert warning in built.warnings
    assert f"warning: {warning}" in built.explain()
    result = CliRunner().invoke(cli, ["-i", str(ix.path), "search", query, "--explain", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert warning in json.loads(result.stdout)["warnings"]


def test_explain_shows_the_operators(ix: SearchIndex) -> None:
    assert ix.build("oil pre/3 (gas OR gold)").explain().splitlines()[0] == (
        "query:   (headline:(oil pre/3 (ga OR gold))^2 OR body:(oil pre/3 (ga OR gold)))"
    )
    assert ix.build('lead:"missile defense"').explain().splitlines()[0] == 'query:   lead:"missil defens"'
    assert ix.build("atleast3(missiles) =TASS").explain().splitlines()[0] == "query:   (atleast3(missil) AND =TASS)"
    tree = ix.build("korea /s yonhap").as_dict()["tree"]
    assert tree["op"] == "or"
    assert [a["op"] for a in tree["args"]] == ["same_sentence", "same_sentence"]
    assert tree["args"][1] == {
        "op": "same_sentence",
        "field": "body",
        "args": [{"op": "term", "field": "body", "text": "korea"}, {"op": "term", "field": "body", "text": "yonhap"}],
    }
    near = ix.build("north pre/1 korea").as_dict()["tree"]["args"][0]
    assert (near["op"], near["field"], near["words"]) == ("pre", "headline", 1)


def test_boundaries_column_unpacked_in_bulk() -> None:
    """The whole-column decoding the engine uses gives what decode() gives
    document by document, 16- and 32-bit documents mixed."""
    from searchkit.boundaries import encode
    from searchkit.proximity import _unpack

    values = [encode([3, 7, 9], [7]), b"", encode([], []), encode([70_000, 70_010], [70_010]), encode([5], [])]
    sent, para = _unpack(values)
    want_s = sorted((i << 32) | int(x) for i, v in enumerate(values) for x in decode(v)[0])
    want_p = sorted((i << 32) | int(x) for i, v in enumerate(values) for x in decode(v)[1])
    assert sorted(sent.tolist()) == want_s and sorted(para.tolist()) == want_p
    assert len(want_s) == 6 and len(want_p) == 2


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        # The operators bind before AND, OR and NOT.
        ("oil w/5 prices OR gold", "(headline:(oil w/5 price)^2 OR body:(oil w/5 price) OR (headline:gold^2 OR body:gold))"),
        ("NOT oil pre/2 prices", "NOT (headline:(oil pre/2 price)^2 OR body:(oil pre/2 price))"),
        ("oil W/5 prices", "(headline:(oil w/5 price)^2 OR body:(oil w/5 price))"),
        ("oil /S prices", "(headline:(oil /s price)^2 OR body:(oil /s price))"),
        # A field on one side keeps the operator to that field.
        ("headline:oil w/2 prices", "headline:(oil w/2 price)"),
        # Inside quotes they are words.
        ('"oil w/5 prices"', '(headline:"oil w 5 price"^2 OR body:"oil w 5 price")'),
    ],
)
def test_operator_precedence_and_fields(ix: SearchIndex, query: str, shown: str) -> None:
    built = ix.build(query)
    assert built.explain().splitlines()[0] == f"query:   {shown}"
    assert built.warnings == ()
