"""Start-up: the Whoosh imports searchkit defers (searchkit.whoosh_imports); `searchkit --help` from its cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import whoosh.compat
import whoosh.query
import whoosh.query.terms
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

import searchkit  # (installs the deferral before Whoosh loads)


def test_variations_expand_exactly_as_whoosh_s_own() -> None:
    from whoosh.lang.morph_en import variations

    assert whoosh.query.terms.variations("render") == variations("render")
    assert "renders" in whoosh.query.terms.variations("render")


def test_a_plain_whoosh_variations_query_still_finds_word_forms() -> None:
    from whoosh import fields

    schema = fields.Schema(body=fields.TEXT(stored=True))
    index = RamStorage().create_index(schema)
    with index.writer() as w:
        w.add_document(body="the radar renders images")
        w.add_document(body="nothing here")
    with index.searcher() as s:
        hits = s.search(whoosh.query.Variations("body", "render"))
        assert [h["body"] for h in hits] == ["the radar renders images"]
        parsed = QueryParser("body", schema).parse("radar")
        assert len(s.search(parsed)) == 1


def test_the_deferred_urlretrieve_is_the_real_one(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text("radar\n")
    copy = tmp_path / "b.txt"
    whoosh.compat.urlretrieve(source.as_uri(), copy)
    assert copy.read_text() == "radar\n"
    import urllib.request

    assert hasattr(urllib.request, "urlopen")  # the real module, not the stand-in


def test_only_the_group_s_own_help_is_cached() -> None:
    from searchkit import client

    assert client.just_help(["--help"]) and client.just_help(["-h"])
    assert client.just_help(["-i", "ix", "--help"]) and client.just_help(["--index-dir=ix", "-h"])
    assert client.just_help(["-iix", "--help"])
    for args in (["-i", "--help"], ["search", "--help"], ["--help", "search"], ["--version"], [], ["--help", "-h"]):
        assert not client.just_help(args), args


def _printed(script: str) -> list[str]:
    """The lines a fresh interpreter prints running ``script``."""
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()


@pytest.mark.slow
def test_the_query_side_loads_without_urllib_request_morph_en_hashlib_or_the_parser() -> None:
    """The parser (whoosh.qparser, operator_syntax) loads for queries beyond plain words."""
    script = (
        "import sys, searchkit.cli, searchkit.search, searchkit.executor, searchkit.render, searchkit.export\n"
        "import searchkit.storage, whoosh.codec.whoosh3\n"
        "print(sorted(m for m in ('urllib.request', 'whoosh.lang.morph_en', 'hashlib', 'whoosh.qparser', 'whoosh.query') "
        "if m in sys.modules))\n"
        "import urllib.request, whoosh.lang.morph_en, hashlib\n"
        "print(hasattr(urllib.request, 'urlopen'), hasattr(whoosh.lang.morph_en, 'variations'), "
        "hasattr(hashlib, 'sha256'))\n"
    )
    assert _printed(script) == ["['whoosh.query']", "True True True"]


def test_the_deferred_md5_hashes_as_hashlib_s() -> None:
    import hashlib

    from whoosh.filedb import filetables

    assert filetables.md5(b"radar").hexdigest() == hashlib.md5(b"radar").hexdigest()
    assert filetables.md5_hash(b"radar") == int(hashlib.md5(b"radar").hexdigest(), 16) & 0xFFFFFFFF


@pytest.mark.slow
def test_the_query_side_loads_without_the_analyst_commands_modules() -> None:
    """reports' frozen dataclasses (~3 ms) load when an analyst command or
    a facet first needs them; the public names still resolve."""
    script = (
        "import sys, searchkit, searchkit.cli, searchkit.search, searchkit.executor, searchkit.render\n"
        "print(sorted(m for m in ('searchkit.reports', 'searchkit.analytics', 'searchkit.saved') if m in sys.modules))\n"
        "from searchkit import reports, results\n"
        "print(searchkit.Stats is reports.Stats, searchkit.Hit is results.Hit, searchkit.search.saved.SavedSearch is reports.SavedSearch)\n"
    )
    assert _printed(script) == ["[]", "True True True"]


@pytest.mark.slow
@pytest.mark.parametrize("columns", ["", "60", "200"])
def test_help_from_its_cache_is_click_s_own_text(columns: str, tmp_path: Path) -> None:
    # A copy of the package: its __pycache__ holds the cached text, apart from other tests'.
    src = tmp_path / "src"
    shutil.copytree(Path(searchkit.__file__).parent, src / "searchkit", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": columns, "SEARCHKIT_NO_DAEMON": "1"}
    clicks = "import sys; sys.argv = ['searchkit', '--help']; from searchkit.cli import main; main()"
    own = subprocess.run([sys.executable, "-c", clicks], env=env, cwd=tmp_path, capture_output=True, check=True)
    made = subprocess.run([sys.executable, "-m", "searchkit", "--help"], env=env, cwd=tmp_path, capture_output=True)
    kept = sorted((src / "searchkit" / "__pycache__").glob("help-*.txt"))
    assert len(kept) == 1
    read = subprocess.run([sys.executable, "-m", "searchkit", "-h"], env=env, cwd=tmp_path, capture_output=True)
    assert own.stdout.startswith(b"Usage: searchkit [OPTIONS] COMMAND [ARGS]...")
    assert (made.returncode, made.stdout, made.stderr) == (read.returncode, read.stdout, read.stderr) == (0, own.stdout, b"")
    other = subprocess.run([sys.executable, "-m", "searchkit", "-i", "elsewhere", "--help"], env=env, cwd=tmp_path,
                           capture_output=True)
    assert other.stdout == own.stdout  # --index-dir does not change the group's help
    kept[0].write_text("stale\n")  # the file is what is printed: proof the second run read it
    assert subprocess.run([sys.executable, "-m", "searchkit", "--help"], env=env, cwd=tmp_path,
                          capture_output=True).stdout == b"stale\n"
    (src / "searchkit" / "cli.py").write_text((src / "searchkit" / "cli.py").read_text() + "\n")  # an edit
    again = subprocess.run([sys.executable, "-m", "searchkit", "--help"], env=env, cwd=tmp_path, capture_output=True)
    assert again.stdout == own.stdout  # new code: made afresh
