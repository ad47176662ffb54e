"""What an index holds, as digests a reader sees: for comparing what two trees write.

    python benchmarks/index_digest.py INDEX_DIR [--out FILE]

Per field: a digest of every term's postings as (article id, weight, value
bytes), so two indexes of the same articles compare equal whatever their
segments and document numbers; a digest of every article's stored fields
and column values; the catalog's near-duplicate links. Run it with another
tree first on PYTHONPATH to read with that tree's codec (the bytes it reads
are the same either way).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any


def digest(index: Path) -> dict[str, Any]:
    from whoosh import index as wix

    import searchkit  # noqa: F401  (registers the codec's modules for unpickling)

    ix = wix.open_dir(str(index))
    out: dict[str, Any] = {}
    with ix.reader() as r:
        ids = {docnum: fields["id"] for docnum, fields in r.iter_docs()}
        out["docs"] = len(ids)
        h = hashlib.sha256()
        for docnum in sorted(ids, key=ids.__getitem__):
            h.update(repr(sorted(r.stored_fields(docnum).items())).encode())
        out["stored"] = h.hexdigest()
        for name in sorted(r.schema.names()):
            if r.has_column(name):
                col = r.column_reader(name)
                h = hashlib.sha256()
                for docnum in sorted(ids, key=ids.__getitem__):
                    h.update(repr(col[docnum]).encode())
                out[f"column {name}"] = h.hexdigest()
        for field in sorted(r.indexed_field_names()):
            h = hashlib.sha256()
            terms = 0
            for term in r.lexicon(field):
                m = r.postings(field, term)
                rows = []
                while m.is_active():
                    rows.append((ids[m.id()], m.weight(), m.value()))
                    m.next()
                rows.sort()
                h.update(term + repr(rows).encode())
                terms += 1
            out[f"field {field}"] = f"{terms} terms {h.hexdigest()}"
            if field in r.schema and r.schema[field].scorable:
                h = hashlib.sha256()
                for docnum in sorted(ids, key=ids.__getitem__):
                    h.update(repr(r.doc_field_length(docnum, field)).encode())
                out[f"lengths {field}"] = h.hexdigest()
    catalog = next(index.glob("*.sqlite*"), None) or next(index.glob("catalog*"), None)
    if catalog is not None:
        db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT * FROM links ORDER BY 1, 2").fetchall()
            out["links"] = f"{len(rows)} {hashlib.sha256(repr(rows).encode()).hexdigest()}"
        except sqlite3.Error as exc:
            out["links"] = f"unread: {exc}"
        finally:
            db.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("index", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    got = digest(args.index)
    text = json.dumps(got, indent=1, sort_keys=True)
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
