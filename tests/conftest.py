from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from searchkit import SearchIndex

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LIBRARY = DATA / "library"
SHARED = ROOT.parent / "shared"
SEED_ID = "000_63906143f63b2427"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test when the data is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data folder beside the project)")
    return path


@pytest.fixture(scope="session")
def library_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index of corpus/ and tests/data/library, built once per session."""
    where = tmp_path_factory.mktemp("library") / "index"
    SearchIndex(where, create=True).update([ROOT / "corpus", LIBRARY])
    return where


@pytest.fixture(scope="session")
def ix(library_dir: Path) -> Iterator[SearchIndex]:
    """Read-only: tests that write use their own tmp_path index."""
    with SearchIndex(library_dir, create=False) as index:
        yield index


def syndicate(corpus: Path, name: str, when: str, tail: str) -> None:
    """A re-published copy of 02_kyodo_radar: same story, new date and a tail line."""
    head, _, _ = (LIBRARY / "02_kyodo_radar.txt").read_text().partition("October 22, 2013")
    (corpus / name).write_text(f"{head}{tail}\n\n{when}\n")


@pytest.fixture
def syndicated(tmp_path: Path) -> tuple[SearchIndex, Path]:
    """A writable index of the library with two later copies of 02_kyodo_radar, and its corpus."""
    corpus = tmp_path / "corpus"
    shutil.copytree(LIBRARY, corpus)
    syndicate(corpus, "20_copy_a.txt", "October 23, 2013", "Reporting by a wire desk.")
    syndicate(corpus, "21_copy_b.txt", "October 25, 2013", "Distributed by a syndication service.")
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus, ROOT / "corpus"])
    return ix, corpus


class NoMerge:
    """A writer whose commit keeps every segment (write_library commits):
    for tests of indexes of several segments."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def add_document(self, **fields: Any) -> None:
        self._writer.add_document(**fields)

    def commit(self) -> None:
        from whoosh import writing

        self._writer.commit(mergetype=writing.NO_MERGE)


def write_library(writer: Any) -> None:
    """Every article of the shipped corpus and the test library through
    ``writer`` (Whoosh's own or the bulk writer), then its commit."""
    from searchkit.articles import read_file, walk
    from searchkit.indexer import _document
    from searchkit.neardup import sketches

    for item in walk([ROOT / "corpus", LIBRARY]):
        if isinstance(item, Path):
            for loaded in read_file(item).loaded:
                a = loaded.article
                writer.add_document(**_document(a, "d", 0, sketches.sketch(a.body)))
    writer.commit()
