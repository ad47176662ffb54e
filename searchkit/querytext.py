"""Query objects as people read them: ``--explain`` text and a JSON-able tree.

Whoosh's own ``str()`` prints ``None:*`` for "every article" and boosts
as ``^2.000000``; here boosts print as ``^2``, every article as ``*`` and
date ranges as dates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from whoosh import query as wq


def _boost(q: wq.Query) -> str:
    b = getattr(q, "boost", 1.0)
    return "" if b == 1 else f"^{b:g}"


def _day(n: int | None) -> str:
    if not n:
        return "…"
    try:
        return date.fromordinal(n).isoformat()
    except (ValueError, OverflowError):
        return str(n)


def _joined(q: wq.Query, joint: str) -> str:
    return "(" + joint.join(describe(s) for s in q.subqueries) + ")" + _boost(q)


def _side(q: wq.Query) -> str:
    """One side of an operator, without its field (the operator names it)."""
    from .proximity import SpanAny, SpanPhrase

    if isinstance(q, SpanAny):
        return "(" + " OR ".join(_side(s) for s in q.subqs) + ")"
    if isinstance(q, SpanPhrase):
        return '"' + " ".join(str(w) for w in q.words) + '"'
    if isinstance(q, wq.Phrase):
        return '"' + " ".join(str(w) for w in q.words) + '"'
    return str(getattr(q, "text", describe(q)))


def _leaf_boost(q: wq.Query) -> str:
    """The boost the operator's words carry (the field's weight)."""
    leaves = [leaf for leaf in q.leaves() if isinstance(leaf, wq.Term)]
    return _boost(leaves[0]) if leaves else ""


def _operator(q: wq.Query) -> str | None:
    from . import proximity as p

    if isinstance(q, p.Near):
        return f"{q.fieldname}:({_side(q.qs[0])} {q.label} {_side(q.qs[1])}){_leaf_boost(q)}"
    if isinstance(q, p.SameUnit):
        op = "/s" if q.unit == "sentence" else "/p"
        return f"{q.fieldname}:({_side(q.qs[0])} {op} {_side(q.qs[1])}){_leaf_boost(q)}{_boost(q)}"
    if isinstance(q, p.Lead):
        return f"lead:{_side(q.body)}{_leaf_boost(q.body)}{_boost(q)}"
    if isinstance(q, p.AtLeast):
        return f"atleast{q.count}({q.text}){_boost(q)}"
    if isinstance(q, p.Exact):
        return f"={q.form}{_boost(q)}"
    if isinstance(q, (p.SpanPhrase, p.SpanAny)):
        return f"{p.field_of(q)}:{_side(q)}"
    return None


def _operator_tree(q: wq.Query) -> dict[str, Any] | None:
    from . import proximity as p

    if isinstance(q, p.Near):
        return {
            "op": "pre" if q.ordered else "within",
            "field": q.fieldname,
            "words": q.slop,
            "args": [tree(s) for s in q.qs],
        }
    if isinstance(q, p.SameUnit):
        return {"op": f"same_{q.unit}", "field": q.fieldname, "args": [tree(s) for s in q.qs]}
    if isinstance(q, p.Lead):
        return {"op": "lead", "args": [tree(q.headline), tree(q.body)]}
    if isinstance(q, p.AtLeast):
        return {"op": "atleast", "text": q.text, "count": q.count, "fields": ["headline", "body"]}
    if isinstance(q, p.Exact):
        return {"op": "exact", "form": q.form, "args": [tree(q.a)]}
    if isinstance(q, p.SpanPhrase):
        return {"op": "phrase", "field": q.fieldname, "words": [str(w) for w in q.words], "slop": 1}
    if isinstance(q, p.SpanAny):
        return {"op": "or", "args": [tree(s) for s in q.subqs]}
    return None


def describe(q: wq.Query) -> str:
    """One line, in the query language's own notation where it has one."""
    from .ranking import CombinedTerm

    # The plain nodes every query is made of, by their exact type (no
    # operator is one of them): as the branches below describe them.
    kind = type(q)
    if kind is wq.Term:
        return f"{q.fieldname}:{q.text}{_boost(q)}"
    if kind is CombinedTerm or kind is wq.Or:
        return _joined(q, " OR ")
    if kind is wq.And:
        return _joined(q, " AND ")
    if kind is wq.Phrase:
        slop = f"~{q.slop}" if q.slop > 1 else ""
        return f'{q.fieldname}:"{" ".join(q.words)}"{slop}{_boost(q)}'
    found = _operator(q)
    if found is not None:
        return found
    if q is wq.NullQuery or isinstance(q, wq.qcore._NullQuery):
        return "(nothing)"
    if isinstance(q, wq.Every):
        return "*" if q.fieldname in (None, "", "*") else f"{q.fieldname}:*"
    if isinstance(q, CombinedTerm):
        return _joined(q, " OR ")
    if isinstance(q, wq.FuzzyTerm):
        return f"{q.fieldname}:{q.text}~{q.maxdist}{_boost(q)}"
    if isinstance(q, wq.Prefix):
        return f"{q.fieldname}:{q.text}*{_boost(q)}"
    if isinstance(q, wq.Wildcard):
        return f"{q.fieldname}:{q.text}{_boost(q)}"
    if isinstance(q, wq.Term):
        return f"{q.fieldname}:{q.text}{_boost(q)}"
    if isinstance(q, wq.Phrase):
        slop = f"~{q.slop}" if q.slop > 1 else ""
        return f'{q.fieldname}:"{" ".join(q.words)}"{slop}{_boost(q)}'
    if isinstance(q, wq.NumericRange):
        if q.fieldname == "date":
            lo = _day(q.start + 1 if q.startexcl and q.start else q.start)
            hi = _day(q.end - 1 if q.endexcl and q.end else q.end)
            return f"date:[{lo} TO {hi}]{_boost(q)}"
        start = "…" if q.start is None else q.start
        end = "…" if q.end is None else q.end
        return f"{q.fieldname}:{'{' if q.startexcl else '['}{start} TO {end}{'}' if q.endexcl else ']'}"
    if isinstance(q, wq.AndNot):
        if isinstance(q.a, wq.Every):
            return f"NOT {describe(q.b)}"
        return f"({describe(q.a)} ANDNOT {describe(q.b)}){_boost(q)}"
    if isinstance(q, wq.AndMaybe):
        return f"({describe(q.a)} ANDMAYBE {describe(q.b)}){_boost(q)}"
    if isinstance(q, wq.Not):
        return f"NOT {describe(q.query)}"
    if isinstance(q, wq.And):
        return _joined(q, " AND ")
    if isinstance(q, wq.Or):
        return _joined(q, " OR ")
    return str(q)


def tree(q: wq.Query) -> dict[str, Any]:
    """The query as nested dicts: ``{"op": ..., ...}``."""
    from .ranking import CombinedTerm

    node: dict[str, Any]
    if q is wq.NullQuery or isinstance(q, wq.qcore._NullQuery):
        return {"op": "nothing"}
    found = _operator_tree(q)
    if found is not None:
        node = found
    elif isinstance(q, wq.Every):
        node = {"op": "all"}
    elif isinstance(q, CombinedTerm):
        node = {
            "op": "word",
            "text": q.subqueries[0].text,
            "fields": {s.fieldname: s.boost for s in q.subqueries},
        }
    elif isinstance(q, wq.FuzzyTerm):
        node = {"op": "fuzzy", "field": q.fieldname, "text": q.text, "edits": q.maxdist}
    elif isinstance(q, (wq.Prefix, wq.Wildcard)):
        text = q.text + "*" if isinstance(q, wq.Prefix) else q.text
        node = {"op": "wildcard", "field": q.fieldname, "text": text}
    elif isinstance(q, wq.Term):
        node = {"op": "term", "field": q.fieldname, "text": q.text}
    elif isinstance(q, wq.Phrase):
        node = {"op": "phrase", "field": q.fieldname, "words": list(q.words), "slop": q.slop}
    elif isinstance(q, wq.NumericRange):
        node = {"op": "range", "field": q.fieldname, "range": describe(q)}
    elif isinstance(q, (wq.AndNot, wq.AndMaybe)):
        node = {"op": "andnot" if isinstance(q, wq.AndNot) else "andmaybe", "args": [tree(q.a), tree(q.b)]}
    elif isinstance(q, wq.Not):
        node = {"op": "not", "args": [tree(q.query)]}
    elif isinstance(q, (wq.And, wq.Or)):
        node = {"op": "and" if isinstance(q, wq.And) else "or", "args": [tree(s) for s in q.subqueries]}
    else:
        node = {"op": type(q).__name__, "text": str(q)}
    boost = getattr(q, "boost", 1.0)
    if boost != 1:
        node["boost"] = boost
    return node
