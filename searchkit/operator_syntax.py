"""The analyst's operators in Whoosh's query parser: the plugins that turn
``w/N``, ``pre/N``, ``/s``, ``/p``, ``atleastN(word)`` and ``=WORD`` into
proximity's query nodes.

Apart from ``proximity`` because only the parser needs them, and it runs
for queries beyond plain words (query._fast_parse builds those directly):
whoosh.qparser's modules are ~2.5 ms of a cold ``searchkit search radar``.
"""

from __future__ import annotations

from typing import Any

from whoosh import query as wq
from whoosh.qparser import syntax
from whoosh.qparser.plugins import OperatorsPlugin, Plugin
from whoosh.qparser.taggers import RegexTagger

from . import boundaries
from .errors import QueryError
from .proximity import ATLEAST_PATTERN, EXACT_PATTERN, OP_PATTERN, AtLeast, Exact, build
from .schema import HEADLINE


class _Group(syntax.GroupNode):
    """The two sides of one operator."""

    merging = False

    def __init__(self, nodes: Any = None, op: str = "w/1", **kwargs: Any) -> None:
        super().__init__(nodes, op=op, **kwargs)
        self.op = op

    def query(self, parser: Any) -> wq.Query:
        subs = [n.query(parser) for n in self.nodes]
        if len(subs) != 2:
            return wq.NullQuery
        return build(self.op.lower(), subs[0], subs[1])


class _Infix(syntax.InfixOperator):
    def replace_self(self, parser: Any, group: Any, position: int) -> int:
        if 0 < position < len(group) - 1:
            group[position - 1 : position + 2] = [_Group([group[position - 1], group[position + 1]], op=self.text)]
        else:
            del group[position]  # nothing on one side: query.operator_checks has warned
        return position


class _Tagger(OperatorsPlugin.OpTagger):
    def create(self, parser: Any, match: Any) -> Any:
        return _Infix(match.group(0), _Group, True)


class _OperatorsPlugin(OperatorsPlugin):
    """The four infix operators, grouped before Whoosh's AND and OR (600)
    and after the fields are spread over headline and body (110)."""

    def __init__(self) -> None:
        super().__init__(ops=[(_Tagger(OP_PATTERN, _Group, _Infix), -1)], clean=True)

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        return [(self.do_operators, 590)]


def _ranking(parser: Any) -> Any:
    """The Ranking query._parser built ``parser`` with (its field boosts):
    every parser with these plugins is built there, so none lacks it."""
    return parser.ranking


class _AtLeastNode(syntax.SyntaxNode):
    has_text = False

    def __init__(self, count: int, word: str) -> None:
        self.count = count
        self.word = word

    def r(self) -> str:
        return f"ATLEAST{self.count}({self.word})"

    def query(self, parser: Any) -> wq.Query:
        from .ranking import word_query

        terms = list(parser.schema[HEADLINE].process_text(self.word, mode="query"))
        if len(terms) != 1:
            raise QueryError(f"atleast{self.count}({self.word}): takes one word")
        return AtLeast(word_query(terms[0], ranking=_ranking(parser)), terms[0], self.count)


class _ExactNode(syntax.SyntaxNode):
    has_text = False

    def __init__(self, word: str) -> None:
        self.word = word

    def r(self) -> str:
        return f"EXACT({self.word})"

    def query(self, parser: Any) -> wq.Query:
        from .ranking import word_query

        terms = list(parser.schema[HEADLINE].process_text(self.word, mode="query"))
        if len(terms) != 1:
            raise QueryError(f"={self.word}: exact case takes one word")
        word = boundaries.normalize(self.word)
        if boundaries.capitals(word) < boundaries.EXACT_CAPITALS:  # checks() has warned
            return word_query(terms[0], ranking=_ranking(parser))
        return Exact(word_query(terms[0], ranking=_ranking(parser)), wq.Term("exact", word))


class _FnTagger(RegexTagger):
    def __init__(self, expr: str, make: Any) -> None:
        super().__init__(expr)
        self.make = make

    def create(self, parser: Any, match: Any) -> Any:
        return self.make(match)


class _WordsPlugin(Plugin):
    def taggers(self, parser: Any) -> list[tuple[Any, int]]:
        return [
            (_FnTagger(ATLEAST_PATTERN, lambda m: _AtLeastNode(int(m.group("n")), m.group("word"))), -1),
            (_FnTagger(EXACT_PATTERN, lambda m: _ExactNode(m.group("word"))), -1),
        ]


def parser_plugins() -> list[Plugin]:
    return [_OperatorsPlugin(), _WordsPlugin()]
