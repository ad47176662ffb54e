"""Precision and recall of did-you-mean on real misspellings.

Each line of ``benchmarks/data/misspellings.txt`` is a misspelling and its
correction (``wrong->right``), taken from Wikipedia's list of common
misspellings as codespell ships it (see the file's header). The list keeps
only misspellings of words the Reuters-21578 index really uses (the
correction is in at least MIN_ARTICLES stories), so every line is a query a
Reuters reader could type. Each misspelling is searched as a one-word query
through ``SearchIndex.search``, exactly as ``searchkit search`` runs it:

- a suggestion equal to the correction is right, any other is wrong;
- precision = right / suggestions made, recall = right / misspellings.

``--correct`` searches the other side: every correction of both lists (a
correctly spelt word that 3+ Reuters stories use) as a one-word query; any
suggestion for it is a false alarm ("did you mean strong?" for "string").

    python benchmarks/spelling_eval.py INDEX_DIR            # table + wrong suggestions
    python benchmarks/spelling_eval.py INDEX_DIR --in-index # the misspellings Reuters contains
    python benchmarks/spelling_eval.py INDEX_DIR --correct  # suggestions for correct words
    python benchmarks/spelling_eval.py INDEX_DIR --make-list codespell/dictionary.txt

INDEX_DIR is an index of the Reuters JSON Lines export (benchmarks/reuters.py).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searchkit import SearchIndex  # noqa: E402
from searchkit.spelling import FIELD  # noqa: E402

LIST = ROOT / "benchmarks" / "data" / "misspellings.txt"
# The misspellings Reuters stories really contain (used by 1+ stories, fewer
# than use the correction): the case an absolute minimum count never fixed.
IN_INDEX = ROOT / "benchmarks" / "data" / "misspellings_in_reuters.txt"
MIN_ARTICLES = 3
# Every SAMPLE-th qualifying pair is kept (about 1,000 of 31,000), so the
# whole list runs in well under a minute.
SAMPLE = 31
HEADER = """\
# Real misspellings (wrong->right) of words used by at least 3 Reuters-21578
# stories, for benchmarks/spelling_eval.py. Selected from codespell's
# codespell_lib/data/dictionary.txt (https://github.com/codespell-project/codespell),
# a derivative of English Wikipedia's "Lists of common misspellings",
# released under CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/);
# this selection is under the same licence. Kept: one correction, letters
# only, the correction 4+ letters long, the misspelling not itself used by
# more Reuters stories than its correction; then every 31st such pair.
"""


def load(path: Path = LIST) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            wrong, right = line.split("->")
            pairs.append((wrong, right))
    return pairs


def make_lists(ix: SearchIndex, dictionary: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    searcher, _ = ix._current()
    reader = searcher.reader()

    def df(word: str) -> int:
        return reader.doc_frequency(FIELD, word) if (FIELD, word) in reader else 0

    pairs = []
    in_index = []
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        wrong, _, rights = line.partition("->")
        right = rights.strip().rstrip(",")
        if "," in right or not re.fullmatch(r"[a-z]{4,}", right) or not re.fullmatch(r"[a-z]+", wrong):
            continue
        if df(right) >= MIN_ARTICLES and df(wrong) <= df(right):
            pairs.append((wrong, right))
            if 1 <= df(wrong) < df(right):
                in_index.append((wrong, right))
    return pairs[::SAMPLE], in_index


def evaluate(ix: SearchIndex, pairs: list[tuple[str, str]]) -> dict[str, object]:
    right = wrong = 0
    errors: list[tuple[str, str, str]] = []
    started = time.perf_counter()
    for typo, fix in pairs:
        got = ix.search(typo, limit=1).suggestion
        if got is None:
            continue
        if got == fix:
            right += 1
        else:
            wrong += 1
            errors.append((typo, fix, got))
    seconds = time.perf_counter() - started
    made = right + wrong
    return {
        "misspellings": len(pairs),
        "suggestions": made,
        "right": right,
        "precision": right / made if made else 0.0,
        "recall": right / len(pairs) if pairs else 0.0,
        "ms_per_query": 1000 * seconds / max(len(pairs), 1),
        "errors": errors,
    }


def false_alarms(ix: SearchIndex, words: list[str]) -> list[tuple[str, str]]:
    """The correctly spelt ``words`` that got a suggestion, with it."""
    found = []
    for word in words:
        got = ix.search(word, limit=1).suggestion
        if got is not None:
            found.append((word, got))
    return found


def correct_words() -> list[str]:
    return sorted({right for _, right in load(LIST) + load(IN_INDEX)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--make-list", type=Path, metavar="DICTIONARY", help="Write the lists from codespell's file.")
    parser.add_argument("--in-index", action="store_true", help="Score the misspellings Reuters itself contains.")
    parser.add_argument("--correct", action="store_true", help="Count suggestions made for correctly spelt words.")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    ix = SearchIndex(args.index, create=False)
    if args.make_list:
        sample, in_index = make_lists(ix, args.make_list)
        LIST.parent.mkdir(exist_ok=True)
        LIST.write_text(HEADER + "".join(f"{w}->{r}\n" for w, r in sample), encoding="utf-8")
        note = "# Only the pairs whose misspelling is itself used by 1+ Reuters stories (fewer than use the\n"
        note += "# correction), all of them: not sampled.\n"
        IN_INDEX.write_text(HEADER + note + "".join(f"{w}->{r}\n" for w, r in in_index), encoding="utf-8")
        print(f"wrote {len(sample)} pairs to {LIST}, {len(in_index)} to {IN_INDEX}")
        return
    if args.correct:
        words = correct_words()
        alarms = false_alarms(ix, words)
        print("| correct words | suggestions (false alarms) | rate |")
        print("|---:|---:|---:|")
        print(f"| {len(words)} | {len(alarms)} | {len(alarms) / len(words):.3f} |")
        if not args.quiet:
            for word, got in alarms:
                print(f"  {word}: suggested {got!r}")
        return
    result = evaluate(ix, load(IN_INDEX if args.in_index else LIST))
    print("| misspellings | suggestions | right | precision | recall | ms/query |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {result['misspellings']} | {result['suggestions']} | {result['right']} | {result['precision']:.3f} "
        f"| {result['recall']:.3f} | {result['ms_per_query']:.1f} |"
    )
    if not args.quiet:
        for typo, fix, got in result["errors"]:  # type: ignore[attr-defined]
            print(f"  {typo}: suggested {got!r}, wanted {fix!r}")


if __name__ == "__main__":
    main()
