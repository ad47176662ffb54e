"""Start-up: the Whoosh imports searchkit defers (searchkit.whoosh_imports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import whoosh.compat
import whoosh.query
import whoosh.query.terms
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser

import searchkit  # noqa: F401  (installs the deferral before Whoosh loads)


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


@pytest.mark.slow
def test_the_query_side_loads_without_urllib_request_or_morph_en() -> None:
    script = (
        "import sys, searchkit.cli, searchkit.search, searchkit.executor, searchkit.render\n"
        "print(sorted(m for m in ('urllib.request', 'whoosh.lang.morph_en', 'whoosh.query') if m in sys.modules))\n"
        "import urllib.request, whoosh.lang.morph_en\n"
        "print(hasattr(urllib.request, 'urlopen'), hasattr(whoosh.lang.morph_en, 'variations'))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["['whoosh.query']", "True True"]
