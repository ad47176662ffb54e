"""The light path (executor.light): in a process without numpy, a query of
plain words with few postings goes through Whoosh's matchers. It must
answer exactly as the engine: hits, scores, snippets, highlights, copies,
totals, warnings, suggestions, explain text."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from searchkit import SearchIndex, executor
from searchkit.options import SearchOptions

from .test_cases import CASES, _options
from .test_engine import QUERIES

SEARCHES = [(c["query"], _options(c)) for c in CASES if c.get("command", "search") == "search" and "error" not in c]
SEARCHES += [(q, SearchOptions(limit=50)) for q in QUERIES]
SEARCHES += [(q, SearchOptions(limit=3, offset=1)) for q in ("radar", "missile defense", "kyodo OR yonhap")]


def _both(ix: SearchIndex, monkeypatch: pytest.MonkeyPatch, text: str, options: SearchOptions) -> tuple[Any, Any, bool]:
    """The engine's answer, the answer with numpy taken as not loaded, and
    whether that one took the light path."""
    engine = SearchIndex(ix.path).search(text, options)
    taken: list[bool] = []
    decide = executor.light

    def spy(*args: Any) -> bool:
        taken.append(decide(*args))
        return taken[-1]

    with monkeypatch.context() as m:
        m.setattr(executor, "numpy_loaded", lambda: False)
        m.setattr(executor, "light", spy)
        m.setattr(executor, "_light_spent", 0)  # each search as a process's first
        light = SearchIndex(ix.path).search(text, options)
    return engine, light, any(taken)


def test_the_light_path_answers_as_the_engine(ix: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    lit = 0
    for text, options in SEARCHES:
        engine, light, taken = _both(ix, monkeypatch, text, options)
        assert light == engine, (text, options)
        lit += taken
    # Most of the table's searches are plain words: the comparison is not empty.
    assert lit >= 20, lit


def test_copies_fold_alike_on_the_light_path(
    syndicated: tuple[SearchIndex, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = syndicated[0]
    for text in ("radar", "kyodo", "korea radar", "reported", "radar OR missile"):
        for options in (SearchOptions(), SearchOptions(all_copies=True), SearchOptions(limit=1)):
            engine, light, taken = _both(ix, monkeypatch, text, options)
            assert taken and light == engine, (text, options)
    assert any(h.copies for h in _both(ix, monkeypatch, "radar", SearchOptions())[1].hits)


def test_what_the_light_path_leaves_to_the_engine(ix: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    searcher, _ = ix._current()
    monkeypatch.setattr(executor, "numpy_loaded", lambda: False)
    monkeypatch.setattr(executor, "_light_spent", 0)
    plain = SearchOptions()
    assert executor.light(searcher, ix.build("radar"), plain)
    for text, options in (
        ('"missile defense"', plain),
        ("missil*", plain),
        ("radar NOT satellite", plain),
        ("radar", SearchOptions(sort="newest")),
        ("radar", SearchOptions(since="2013")),
        ("radar", SearchOptions(recency="1y")),
        ("radar", SearchOptions(facets=True)),
        ("*", plain),
    ):
        assert not executor.light(searcher, ix.build(text, options), options), (text, options)
    monkeypatch.setattr(executor, "LIGHT_POSTINGS", 0)
    assert not executor.light(searcher, ix.build("radar"), plain)
    monkeypatch.undo()
    assert not executor.light(searcher, ix.build("radar"), plain)  # numpy is loaded here


def test_a_long_lived_process_spends_only_its_budget_on_the_light_path(
    ix: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python matching costs more a posting than the engine: a process that
    searches on and on (the API in a loop) leaves the light path once it has
    answered LIGHT_POSTINGS postings that way, and its answers stay the same."""
    searcher, _ = ix._current()
    monkeypatch.setattr(executor, "numpy_loaded", lambda: False)
    monkeypatch.setattr(executor, "_light_spent", 0)
    reader = searcher.reader()
    radar = sum(reader.doc_frequency(f, t) for f, t in executor._plain_terms(ix.build("radar").query) or [])
    monkeypatch.setattr(executor, "LIGHT_POSTINGS", 3 * radar)
    taken = [executor.light(searcher, ix.build("radar"), SearchOptions()) for _ in range(5)]
    assert radar > 0 and taken == [True, True, True, False, False]


def _radar_library(where: Path) -> Path:
    """Fourteen radar stories (enough that no did-you-mean is tried, which
    loads numpy), two of them copies of a third."""
    src = where / "src"
    src.mkdir()
    for n in range(12):
        words = " ".join(f"word{n}x{k}" for k in range(30))
        text = f"Radar test {n}\n\nThe navy tested radar number {n} near the coast. {words}.\n\nOctober {n + 1}, 2013\n"
        (src / f"{n:02d}.txt").write_text(text, encoding="utf-8")
    story = (src / "00.txt").read_text(encoding="utf-8").replace("October 1,", "October {day},")
    for day in (20, 21):
        (src / f"copy{day}.txt").write_text(story.format(day=day), encoding="utf-8")
    ix = SearchIndex(where / "ix", create=True)
    ix.update([src])
    ix.close()
    return where / "ix"


@pytest.mark.slow
def test_a_cold_plain_search_loads_no_numpy(tmp_path: Path) -> None:
    """The point of the light path: ``searchkit search radar`` in a fresh
    process prints its page without importing numpy, and prints what a
    process with numpy prints."""
    index = _radar_library(tmp_path)
    script = (
        "import sys\n"
        "word, preload = sys.argv[1], len(sys.argv) > 2\n"
        "if preload: import numpy\n"
        "from searchkit import client\n"
        f"sys.argv = ['searchkit', '-i', {str(index)!r}, 'search', word]\n"
        "try:\n"
        "    client.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('numpy' in sys.modules)\n"
    )
    env = {"SEARCHKIT_NO_DAEMON": "1", "PATH": "/usr/bin:/bin"}
    for word in ("radar", "navy radar", "coast OR tested"):
        cold, warm = (
            subprocess.run([sys.executable, "-c", script, word, *more], capture_output=True, text=True, env=env, check=True)
            for more in ((), ("numpy",))
        )
        assert cold.stdout.endswith("False\n") and warm.stdout.endswith("True\n"), (cold.stderr, warm.stderr)
        page = cold.stdout.removesuffix("False\n")
        assert page == warm.stdout.removesuffix("True\n") and page.startswith("12 results"), page


def test_the_light_folding_maps_answer_as_the_per_searcher_ones(syndicated: tuple[SearchIndex, Path]) -> None:
    """light_folding's two maps are group_keys and days read as asked: the
    same answer for every document, and as mappings they say what they hold."""
    ix = syndicated[0]
    _, cache = ix._current()
    keys, days = cache.light_folding()
    count = cache.reader.doc_count_all()
    assert len(days) == count and list(days) == list(range(count))
    assert [days[d] for d in range(count)] == list(cache.days)
    assert {d: keys[d] for d in range(count) if d in keys} == cache.group_keys != {}
    assert sorted(keys) == sorted(cache.group_keys) and len(keys) == len(cache.group_keys)
    with pytest.raises(KeyError):
        days[count]
