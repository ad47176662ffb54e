"""An index written with another schema (analyzer, codec) is refused until rebuilt."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from searchkit.catalog import Catalog
from searchkit.cli import cli
from searchkit.schema import SCHEMA_VERSION

from .conftest import SEED_ID

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_an_older_schema_is_refused_with_the_rebuild_command_and_the_rebuild_works(tmp_path: Path) -> None:
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    shutil.copytree(CORPUS, corpus)
    assert _run("-i", str(ix), "index", str(corpus))[0] == 0
    cat = Catalog(ix)
    assert cat.meta("schema_version") == SCHEMA_VERSION
    with cat.write() as conn:
        cat.set_meta(conn, schema_version=SCHEMA_VERSION - 1)  # as an index of the previous searchkit
    cat.close()

    message = (
        f"Error: index at {ix} has schema version {SCHEMA_VERSION - 1}, this searchkit uses {SCHEMA_VERSION}: "
        f"rebuild it with `searchkit --index-dir {ix} index --rebuild"
    )
    code, _, err = _run("-i", str(ix), "search", "radar")
    assert code == 1 and err.startswith(message)
    # An ordinary run would mix segments of two analyzers: refused too, nothing written.
    code, _, err = _run("-i", str(ix), "index", str(corpus))
    assert code == 1 and err.startswith(message)

    code, _, err = _run("-i", str(ix), "index", "--rebuild", str(corpus))
    assert code == 0, err
    code, out, _ = _run("-i", str(ix), "search", "radar")
    assert code == 0 and SEED_ID in out
    assert Catalog(ix).meta("schema_version") == SCHEMA_VERSION
