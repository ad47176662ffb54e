from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
