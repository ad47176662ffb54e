"""Incremental updates, each on its own tmp_path index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from searchkit import IndexCorruptError, IndexMissingError, IndexVersionError, SearchIndex
from searchkit.manifest import Indexed, read_indexed
from searchkit.storage import MANIFEST_FILE, META_FILE, open_index

from .conftest import LIBRARY, ROOT, SEED_ID


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(LIBRARY, folder)
    return folder


def _ids(ix: SearchIndex) -> list[str]:
    return sorted(h.id for h in ix.search("*", limit=1000).hits)


def test_add_change_delete_unchanged(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix")
    first = ix.update([corpus])
    assert (first.added, first.updated, first.removed, first.unchanged) == (8, 0, 0, 0)

    again = ix.update([corpus])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 8)

    (corpus / "02_kyodo_radar.txt").write_text("Radar Plan Dropped\n\nThe plan was dropped, Kyodo reported.\n")
    (corpus / "06_tass_treaty.txt").unlink()
    (corpus / "09_new.txt").write_text("Brand New Story\n\nA submarine surfaced.\n\nMay 1, 2020\n")
    third = ix.update([corpus])
    assert (third.added, third.updated, third.removed, third.unchanged) == (1, 1, 1, 6)

    assert ix.search("submarine").total == 1
    assert ix.search("dropped").total == 1
    assert ix.search("telemetry").total == 0
    assert len(_ids(ix)) == 8


def test_removal_only_under_the_given_paths(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix")
    ix.update([corpus, ROOT / "corpus"])
    (corpus / "01_tass_missile_talks.txt").unlink()
    report = ix.update([corpus])  # corpus/ of the project not named: untouched
    assert report.removed == 1
    assert SEED_ID in _ids(ix)


def test_rebuild_starts_from_empty(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix")
    ix.update([corpus])
    report = ix.update([ROOT / "corpus"], rebuild=True)
    assert report.added == 1
    assert _ids(ix) == [SEED_ID]


def test_same_stem_in_two_folders_gets_distinct_stable_ids(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "story.txt").write_text(f"Story {name}\n\nBody of {name}.\n")
    ix = SearchIndex(tmp_path / "ix")
    ix.update([tmp_path / "a", tmp_path / "b"])
    ids = _ids(ix)
    assert len(ids) == 2 and "story" in ids
    (tmp_path / "b" / "story.txt").write_text("Story b\n\nBody of b, changed.\n")
    ix.update([tmp_path / "a", tmp_path / "b"])
    assert _ids(ix) == ids
    assert ix.get("story").headline == "Story a"


def test_jsonl_articles(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    records = [
        {
            "id": "r1",
            "title": "Missile test",
            "published": "1987-03-05",
            "sources": ["kyodo"],
            "text": "A missile test, TASS reported.",
        },
        {"headline": "", "date": "not a date", "body": "An undated body about radar."},
        {
            "id": "r3",
            "headline": "Radar",
            "date": "March 9, 1987",
            "source": "Reuters",
            "content": "Radar body.",
            "url": "http://x",
        },
    ]
    feed.write_text("\n".join(json.dumps(r) for r in records) + "\n{broken\n")
    ix = SearchIndex(tmp_path / "ix")
    report = ix.update([feed])
    assert report.added == 3
    assert [(s.path, s.reason) for s in report.skipped] == [
        (f"{feed}:4", "malformed JSON (Expecting property name enclosed in double quotes)")
    ]
    assert any("line 2: unparsable date 'not a date'" in w for w in report.warnings)
    # An explicit source is used as given (canonicalised); the body is not mined.
    assert ix.get("r1").sources == ("Kyodo News",)
    assert ix.get("feed-L2").date is None
    assert ix.get("r3").url == "http://x"


def test_search_without_index_raises(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="run `searchkit index` first"):
        SearchIndex(tmp_path / "none", create=False).search("x")


def test_other_schema_version_raises(tmp_path: Path, corpus: Path) -> None:
    SearchIndex(tmp_path / "ix").update([corpus])
    meta = tmp_path / "ix" / META_FILE
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "schema_version": 0}))
    with pytest.raises(IndexVersionError, match="rebuild it with `searchkit index --rebuild`"):
        SearchIndex(tmp_path / "ix").search("missile")
    SearchIndex(tmp_path / "ix").update([corpus], rebuild=True)
    assert SearchIndex(tmp_path / "ix").search("missile").total > 0


def test_foreign_folder_is_refused(tmp_path: Path) -> None:
    from whoosh import fields, index

    index.create_in(str(tmp_path), fields.Schema(x=fields.TEXT))
    with pytest.raises(IndexCorruptError, match="did not write"):
        SearchIndex(tmp_path).search("x")


def _state(ix: SearchIndex) -> Indexed:
    return read_indexed(open_index(ix.path), ix.path)


def test_the_manifest_gives_the_same_state_as_the_columns(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix")
    ix.update([corpus])
    (corpus / "02_kyodo_radar.txt").write_text("Radar Plan Dropped\n\nThe plan was dropped, Kyodo reported.\n")
    (corpus / "06_tass_treaty.txt").unlink()
    ix.update([corpus])  # a deletion and a replacement inside cached segments
    manifest = tmp_path / "ix" / MANIFEST_FILE
    assert manifest.exists()
    from_cache = _state(ix)
    manifest.unlink()
    from_columns = _state(ix)
    assert from_cache == from_columns
    assert len(from_cache.path_by_id) == 7
    assert manifest.exists()  # written again by the full read


@pytest.mark.parametrize("damage", ["not json", '{"version": 1, "segments": []}', '{"version": 99}'])
def test_a_damaged_manifest_costs_a_full_read_not_a_wrong_answer(tmp_path: Path, corpus: Path, damage: str) -> None:
    ix = SearchIndex(tmp_path / "ix")
    ix.update([corpus])
    (tmp_path / "ix" / MANIFEST_FILE).write_text(damage)
    report = ix.update([corpus])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 8)


def test_a_manifest_entry_of_another_size_is_read_again(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix")
    ix.update([corpus])
    manifest = tmp_path / "ix" / MANIFEST_FILE
    doc = json.loads(manifest.read_text())
    for seg in doc["segments"].values():
        seg["docs"] = seg["docs"][:1]  # as if cached from a shorter segment of the same name
    manifest.write_text(json.dumps(doc))
    assert len(_state(ix).path_by_id) == 8
