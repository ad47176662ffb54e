"""SearchOptions: declared once, spelt the same way by the CLI and the web."""

from __future__ import annotations

from typing import Any

import click
import pytest
from starlette.datastructures import QueryParams

from searchkit import SearchIndex, SearchOptions
from searchkit.cli import _options, search
from searchkit.options import FLAGGED, SAVED, as_flags, as_params, from_record, kind, spelling
from searchkit.web.params import read_options


def changed(name: str) -> Any:
    """A value other than the default for option ``name``, by its kind (so an
    option added later is covered without editing this test)."""
    default, typ, choices = getattr(SearchOptions(), name), kind(name), spelling(name).choices
    if typ is tuple:
        return ("Kyodo News", "TASS")
    if typ is bool:
        return not default
    if typ is int:
        return default + 2
    if choices:
        return next(c for c in reversed(choices) if c != default)
    return "7d"  # a date window and a half-life alike


CHANGED = {name: changed(name) for name in FLAGGED}


@pytest.mark.parametrize("name", FLAGGED)
def test_cli_flags_read_back_as_the_same_options(name: str) -> None:
    options = SearchOptions(**{name: CHANGED[name]})
    ctx = search.make_context("search", ["radar", *as_flags(options)])
    assert _options(dict(ctx.params)) == options


@pytest.mark.parametrize("name", FLAGGED)
def test_web_parameters_read_back_as_the_same_options(name: str) -> None:
    options = SearchOptions(**{name: CHANGED[name]})
    assert read_options(QueryParams(as_params(options))) == options


def test_all_options_at_once_round_trip() -> None:
    options = SearchOptions(**CHANGED)
    ctx = search.make_context("search", ["radar", *as_flags(options)])
    assert _options(dict(ctx.params)) == options
    assert read_options(QueryParams(as_params(options))) == options


def test_defaults_give_no_flags_and_no_parameters() -> None:
    assert as_flags(SearchOptions()) == [] and as_params(SearchOptions()) == []


def test_saved_record_round_trips() -> None:
    options = SearchOptions(**CHANGED)
    assert from_record(options.record(SAVED), SAVED) == options.only(SAVED)


def test_sequences_become_tuples_and_one_name_stays_whole() -> None:
    assert SearchOptions(sources=["a", "b"]).sources == ("a", "b")  # type: ignore[arg-type]
    assert SearchOptions(sources="Kyodo News").sources == ("Kyodo News",)  # type: ignore[arg-type]
    assert kind("sources") is tuple and kind("limit") is int and kind("any_words") is bool


def test_unknown_option_is_a_type_error(ix: SearchIndex) -> None:
    with pytest.raises(TypeError, match="unknown search option 'source'"):
        ix.search("radar", source=["kyodo"])


def test_keywords_change_an_options_object(ix: SearchIndex) -> None:
    base = SearchOptions(sources=("kyodo",), limit=1)
    assert ix.search("radar", base, limit=5).hits == ix.search("radar", sources=["kyodo"], limit=5).hits
    assert len(ix.search("radar", base).hits) == 1


def test_a_bad_cli_value_is_refused_by_click() -> None:
    with pytest.raises(click.BadParameter):
        search.make_context("search", ["radar", "--limit", "-1"])
