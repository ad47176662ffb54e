"""A real full filesystem (issue 12): a small tmpfs holds the index."""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchkit import SearchIndex

from .test_robustness import _env

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _records(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    words = [f"w{k}" for k in range(20_000)]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            body = " ".join(rng.choice(words) for _ in range(300))
            out.write(json.dumps({"id": f"s{seed}-{i}", "headline": f"Story {i} radar", "body": body}) + "\n")


def _index(index_dir: Path, *paths: Path) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "searchkit", "-i", str(index_dir), "index", *map(str, paths)]
    return subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=300)


def test_a_full_disk_is_one_line_keeps_the_index_and_leaves_nothing_behind(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _records(corpus / "a.jsonl", 50, seed=1)
    with _tmpfs(tmp_path / "disk", "4m") as disk:
        index_dir = disk / "ix"
        first = _index(index_dir, corpus)
        assert first.returncode == 0, first.stderr
        files = sorted(p.name for p in index_dir.iterdir())
        _records(corpus / "big.jsonl", 4000, seed=2)  # far more than 4 MB of postings and stored text

        full = _index(index_dir, corpus)
        assert full.returncode == 1
        assert full.stderr == "Error: No space left on device\n"
        # The committed index is whole and searchable, and the failed run's
        # files are gone, so the next run is not blocked by them.
        with SearchIndex(index_dir) as ix:
            assert ix.search("radar", limit=0).total == 50
        assert sorted(p.name for p in index_dir.iterdir()) == files

        (corpus / "big.jsonl").unlink()
        _records(corpus / "b.jsonl", 20, seed=3)
        again = _index(index_dir, corpus)
        assert again.returncode == 0, again.stderr
        with SearchIndex(index_dir) as ix:
            assert ix.search("radar", limit=0).total == 70
