"""Golden files for every reader: tests/data/readers/<reader>/<file> beside
<file>.expected.json, compared whole (articles, warnings, skipped records).

Regenerate after a deliberate change with SEARCHKIT_REGEN_GOLDEN=1 and read
the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from searchkit.articles import Article, FileRead, read_file
from searchkit.readers import limits

from .conftest import DATA

READERS = DATA / "readers"
INPUTS = sorted(
    p
    for p in READERS.rglob("*")
    if p.is_file() and not p.name.endswith(".expected.json") and "ignore" not in p.parts and p.name != "manifest.csv"
)
# Golden JSON Lines read with a small record limit, so the over-limit record
# is a few kilobytes rather than ten megabytes of test data.
SMALL_LIMIT = 8192


def rel(path: str) -> str:
    return Path(path).resolve().relative_to(READERS).as_posix() if path.startswith(str(READERS)) else path


def article_dict(a: Article) -> dict[str, object]:
    return {
        "id": a.id,
        "headline": a.headline,
        "date": a.date.isoformat() if a.date else None,
        "url": a.url,
        "publisher": a.publisher,
        "sources": list(a.sources),
        "body": a.body,
        "summary": a.summary,
        "path": rel(a.path) if a.path else None,
    }


def as_dict(read: FileRead) -> dict[str, object]:
    return {
        "reader": read.reader,
        "articles": [article_dict(item.article) for item in read.loaded],
        "warnings": [list(item.warnings) for item in read.loaded],
        "skipped": [
            {"where": rel(s.path.split(":")[0]) + (f":{s.path.rsplit(':', 1)[1]}" if ":" in s.path else ""),
             "reason": s.reason, "kind": s.kind}
            for s in read.skipped
        ],
    }


@pytest.mark.parametrize("path", INPUTS, ids=[p.relative_to(READERS).as_posix() for p in INPUTS])
def test_golden(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ARTICLE_BYTES", SMALL_LIMIT)
    got = as_dict(read_file(path))
    expected_path = path.with_name(path.name + ".expected.json")
    if os.environ.get("SEARCHKIT_REGEN_GOLDEN"):
        expected_path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", INPUTS, ids=[p.relative_to(READERS).as_posix() for p in INPUTS])
def test_a_streamed_read_gives_the_golden_read(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """open_file (what the indexer reads through: a JSON Lines file parsed as
    it is taken) yields what read_file does; its skipped records, digest and
    bytes read are complete once its articles are."""
    from searchkit.readers.dispatch import open_file

    monkeypatch.setattr(limits, "MAX_ARTICLE_BYTES", SMALL_LIMIT)
    whole = read_file(path)
    stream = open_file(path)
    loaded = list(stream.items)
    streamed = FileRead(stream.path, stream.digest, loaded, stream.skipped, stream.unchanged, stream.reader)
    # Against the golden file itself: read_file reads JSON Lines through open_file.
    expected = json.loads(path.with_name(path.name + ".expected.json").read_text(encoding="utf-8"))
    assert as_dict(streamed) == expected
    assert (stream.digest, stream.failed) == (whole.digest, whole.digest == "")
    assert stream.count == len(loaded)
    assert stream.position == (path.stat().st_size if not stream.failed else 0)
    again = open_file(path, whole.digest)
    assert again.unchanged == read_file(path, whole.digest).unchanged
    if again.unchanged:
        assert list(again.items) == []


# --- choosing files: walk, .searchkitignore, dry-run --------------------------

IGNORE_ROOT = READERS / "ignore" / "archive"


def test_searchkitignore_and_not_articles() -> None:
    from searchkit.readers.survey import survey

    plan = survey([IGNORE_ROOT])
    got = {Path(p.path).relative_to(IGNORE_ROOT).as_posix(): p.reader or p.skipped.reason for p in plan.files}  # type: ignore[union-attr]
    assert got == {
        "2013/report.pdf": "unsupported type .pdf",
        "2013/story.txt": "text",
        "README.md": "not an article (README file)",
        "SOURCE.txt": "not an article (SOURCE file)",
        "keep.tmp.txt": "text",  # !keep.tmp.txt re-includes it
    }
    assert sorted(p.removeprefix(str(IGNORE_ROOT) + os.sep) for p in plan.tally.ignored) == ["drafts/", "notes.tmp.txt"]
    assert plan.summary() == (
        "2 .txt read as text; 1 file of unsupported type skipped: .pdf (1); "
        "2 not articles (README, LICENSE, SOURCE, word lists...); 2 ignored by .searchkitignore"
    )


def test_missing_root_and_unreadable_folder_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit.articles import Skipped, walk

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_text("A\n\nBody.\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.txt").write_text("B\n\nBody.\n")
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    # Root may read any folder, so the refusal is simulated where os.walk asks.
    monkeypatch.setattr(os, "scandir", scandir)
    items = list(walk([tmp_path, tmp_path / "unmounted"]))
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [i for i in items if not isinstance(i, Skipped)] == [tmp_path / "ok" / "a.txt"]
    assert [(s.path, s.reason, s.kind) for s in skipped] == [
        (str(tmp_path / "locked"), "cannot read folder: Permission denied", "error"),
        (str(tmp_path / "unmounted"), "no such file or folder", "error"),
    ]


def test_fifo_and_device_are_skipped_not_read(tmp_path: Path) -> None:
    from searchkit.articles import walk

    os.mkfifo(tmp_path / "x.txt")  # opening it for reading would block forever
    (tmp_path / "zero.txt").symlink_to("/dev/zero")  # reading it never ends
    reads = [read_file(p) for p in walk([tmp_path])]  # type: ignore[arg-type]
    assert [(Path(r.path).name, r.skipped[0].reason) for r in reads] == [
        ("x.txt", "not a regular file (a FIFO)"),
        ("zero.txt", "not a regular file (a character device)"),
    ]


def test_reads_are_bounded_whatever_st_size_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit.readers import fileio

    path = tmp_path / "big.txt"
    path.write_bytes(b"Headline\n\n" + b"word " * 1000)
    with pytest.raises(fileio.ArticleError, match="too large"):
        fileio.read_bounded(path, 100)


def test_gzip_stream_reads_like_plain(tmp_path: Path) -> None:
    import gzip

    plain = READERS / "jsonl" / "hostile.jsonl"
    packed = tmp_path / "hostile.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_file(plain), read_file(packed)
    assert [x.article.id for x in a.loaded] == [x.article.id for x in b.loaded]
    assert [x.article.body for x in a.loaded] == [x.article.body for x in b.loaded]


def test_unchanged_jsonl_is_not_parsed_again() -> None:
    path = READERS / "jsonl" / "over_limit.jsonl"
    first = read_file(path)
    again = read_file(path, first.digest)
    assert again.unchanged and not again.loaded


def test_editing_a_sidecar_changes_the_files_digest(tmp_path: Path) -> None:
    (tmp_path / "s1.txt").write_text("Story\n\nBody.\n")
    (tmp_path / "manifest.csv").write_text("id,published_date\ns1,2020-01-02\n")
    before = read_file(tmp_path / "s1.txt")
    assert before.loaded[0].article.date is not None and before.loaded[0].article.date.isoformat() == "2020-01-02"
    (tmp_path / "manifest.csv").write_text("id,published_date\ns1,2020-03-04\n")
    after = read_file(tmp_path / "s1.txt", before.digest)
    assert not after.unchanged and after.loaded[0].article.date.isoformat() == "2020-03-04"  # type: ignore[union-attr]


def test_jsonl_sidecar_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.html").write_text(
        "<html><body><article><p>" + "The ministry confirmed the drill took place near the border. " * 3 + "</p></article></body></html>"
    )
    (tmp_path / "meta.jsonl").write_text(
        json.dumps({"file": "pages/p.html", "headline": "From The Sidecar", "date": "2019-09-09", "url": "https://x.example/p"}) + "\n"
    )
    article = read_file(tmp_path / "pages" / "p.html").loaded[0].article
    # The page has no title of its own (a guess from its first line): the sidecar wins.
    assert (article.headline, str(article.date), article.url) == ("From The Sidecar", "2019-09-09", "https://x.example/p")


@pytest.mark.parametrize(
    ("value", "day", "problem"),
    [
        ("1987", None, "partial date '1987' (no month or day)"),
        ("Tuesday", None, "partial date 'Tuesday' (no year or month or day)"),
        ("5", None, "partial date '5' (no year or month)"),
        ("March 1987", None, "partial date 'March 1987' (no day)"),
        ("1987-03-05", "1987-03-05", None),
        ("Thu, 31 Oct 2013 09:30:00 +0900", "2013-10-31", None),
        ("31 Feb 2013", None, "unparsable date '31 Feb 2013'"),
    ],
)
def test_partial_dates_are_never_completed_from_today(value: str, day: str | None, problem: str | None) -> None:
    from searchkit.dates import read_day

    got, why = read_day(value)
    assert (got.isoformat() if got else None, why) == (day, problem)


def test_readme_dry_run_output_is_what_it_shows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import re
    import shutil

    from click.testing import CliRunner

    from searchkit.cli import cli

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"```sh\nsearchkit index examples/archive --dry-run\n```\n\n```text\n(.*?)```", readme, re.S)
    assert shown, "README shows the dry-run and its output"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["index", "examples/archive", "--dry-run"])
    assert result.exit_code == 0 and result.output == shown.group(1)
    assert not (tmp_path / "index").exists()  # a dry run creates no index

    run = CliRunner().invoke(cli, ["-i", "ix", "index", "examples/archive"])
    assert run.exit_code == 0, run.output
    found = CliRunner().invoke(cli, ["-i", "ix", "search", "strike group", "--since", "2021-06-01", "--until", "2021-06-01", "--format", "json"])
    hits = json.loads(found.output)
    assert [h["id"] for h in hits["hits"]] == ["carrier-ops"]


def test_an_index_inside_the_corpus_is_left_out(tmp_path: Path) -> None:
    from searchkit import SearchIndex
    from searchkit.readers.survey import survey

    (tmp_path / "a.txt").write_text("Story\n\nBody, Kyodo said.\n\n2013-10-31\n")
    with SearchIndex(tmp_path / "ix", create=True) as ix:
        report = ix.update([tmp_path])
        again = ix.update([tmp_path])  # the index's own files now exist under the root
    assert (report.added, again.unchanged, again.skipped) == (1, 1, [])
    assert survey([tmp_path]).summary() == "1 .txt read as text; 1 index folder left out"
