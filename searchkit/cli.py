"""The ``searchkit`` command: parse options, make one library call, render.

Errors are typed in the library and formatted here, in one place
(``_Group.invoke``): every SearchkitError becomes a one-line ``Error: ...``
with exit status 1; click's own usage errors exit with 2.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from . import __version__, render
from .errors import SearchkitError
from .indexer import DEFAULT_WAIT, UpdateReport
from .search import Results, SearchIndex

FORMATS = ("text", "json", "jsonl", "csv")
# Runs shorter than this finish before a progress bar would be worth drawing.
PROGRESS_AFTER = 2.0


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SearchkitError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            raise click.ClickException(
                "interrupted: the index keeps its last committed batch; run `searchkit index` again to finish"
            ) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None


def _open(ctx: click.Context, create: bool = False) -> SearchIndex:
    return SearchIndex(ctx.obj["index_dir"], create=create)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--index-dir",
    "-i",
    default="index",
    envvar="SEARCHKIT_INDEX",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Index folder (env SEARCHKIT_INDEX).",
)
@click.version_option(__version__, prog_name="searchkit")
@click.pass_context
def cli(ctx: click.Context, index_dir: str) -> None:
    """Full-text search for defense and security news archives.

    \b
    Example:
      searchkit index corpus/
      searchkit search '"intelligence-sharing agreement"' --source kyodo
    """
    ctx.ensure_object(dict)
    ctx.obj["index_dir"] = index_dir


def _progress() -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress callback that draws a bar only on a terminal, and only
    once the run has taken longer than PROGRESS_AFTER seconds."""
    started = time.monotonic()
    state: dict[str, Any] = {"bar": None, "done": 0}

    def update(done: int, total: int) -> None:
        bar = state["bar"]
        if bar is None:
            if not sys.stderr.isatty() or time.monotonic() - started < PROGRESS_AFTER:
                return
            bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.update(done - state["done"])
        state["done"] = done

    def finish() -> None:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)

    return update, finish


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--rebuild", is_flag=True, help="Start from an empty index.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=DEFAULT_WAIT,
    show_default=True,
    help="Seconds to wait for another index run to finish.",
)
@click.pass_context
def index(ctx: click.Context, paths: tuple[str, ...], rebuild: bool, wait: float) -> None:
    """Index article files (*.txt, *.jsonl) under PATHS (default: corpus/).

    Only new and changed files are read again; files that disappeared from
    PATHS are dropped from the index. Bad files are listed and skipped.

    \b
    Example:
      searchkit index corpus/ ~/archive/2013.jsonl
      searchkit index --rebuild
    """
    progress, finish = _progress()
    try:
        report = _open(ctx).update(list(paths) or ["corpus"], rebuild=rebuild, wait=wait, progress=progress)
    finally:
        finish()
    _report(report)


def _report(report: UpdateReport) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {render.clean(warning)}", err=True)
    for skipped in report.skipped:
        click.echo(f"skipped: {render.clean(skipped.path)}: {skipped.reason}", err=True)
    click.echo(report.summary())


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The filter options shared by search, timeline and save."""
    options = [
        click.option(
            "--source", "sources", multiple=True, metavar="S", help="Only articles citing S (repeatable: any of)."
        ),
        click.option("--exclude-source", "exclude", multiple=True, metavar="S", help="Leave out articles citing S."),
        click.option("--since", metavar="DATE", help="From DATE (e.g. 2013-10, 'March 1987', 7d), inclusive."),
        click.option("--until", metavar="DATE", help="Up to DATE, inclusive (1987-03 includes March 31)."),
        click.option("--any", "any_words", is_flag=True, help="Match any word instead of all words."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _filters(
    sources: tuple[str, ...], exclude: tuple[str, ...], since: str | None, until: str | None, any_words: bool
) -> dict[str, Any]:
    return {"sources": sources, "exclude_sources": exclude, "since": since, "until": until, "any_words": any_words}


def _check_query(query: str) -> None:
    if not query.strip():
        raise click.UsageError("QUERY is empty: give words to search for, or * for every article")


@cli.command()
@click.argument("query")
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True, help="Hits to show.")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Hits to skip (paging).")
@click.option("--facets", is_flag=True, help="Also count all hits by source, year and month.")
@click.option("--all-copies", is_flag=True, help="Show every near-duplicate copy instead of folding them.")
@click.option("--explain", is_flag=True, help="Print the parsed query and filters instead of searching.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    sort: str,
    limit: int,
    offset: int,
    facets: bool,
    all_copies: bool,
    explain: bool,
    fmt: str,
    **filters: Any,
) -> None:
    """Search the index. QUERY uses the query language; * matches every article.

    \b
    Words are all required; "exact phrase", "near words"~5, AND/OR/NOT,
    (groups), headline:word, source:kyodo, date:1987-03,
    date:[2013-10 TO 2013-12], wildcards (missil*) and fuzzy words (missle~).

    \b
    Example:
      searchkit search 'missile defense' --since 2013 --source 'RIA Novosti'
      searchkit search '*' --source kyodo --sort newest --format json
    """
    _check_query(query)
    ix = _open(ctx)
    options = _filters(**filters)
    if explain:
        click.echo(ix.build(query, **options).explain())
        return
    results = ix.search(query, sort=sort, limit=limit, offset=offset, facets=facets, all_copies=all_copies, **options)
    _echo_results(results, fmt)


@cli.command()
@click.argument("query")
@filter_options
@click.option("--by", type=click.Choice(["week", "month", "year"]), default="month", show_default=True)
@click.option("--normalize", is_flag=True, help="Show each period's hits as a share of all its articles.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.pass_context
def timeline(ctx: click.Context, query: str, by: str, normalize: bool, fmt: str, **filters: Any) -> None:
    """Hit counts over time, as a bar chart (or JSON/CSV).

    \b
    Example:
      searchkit timeline '"missile defense"' --by year --normalize
    """
    _check_query(query)
    result = _open(ctx).timeline(query, by=by, **_filters(**filters))
    if fmt == "json":
        click.echo(render.timeline_json(result))
    elif fmt == "csv":
        click.echo(render.timeline_csv(result), nl=False)
    else:
        click.echo(render.timeline_text(result, normalize))


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.pass_context
def similar(ctx: click.Context, article_id: str, limit: int, fmt: str) -> None:
    """The articles most like article ID (over headline and body).

    \b
    Example:
      searchkit similar 000_63906143f63b2427 --limit 5
    """
    results = _open(ctx).similar(article_id, limit=limit)
    _echo_results(results, fmt)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def duplicates(ctx: click.Context, fmt: str) -> None:
    """List the groups of near-duplicate articles (syndicated copies).

    Search folds each group into its earliest article ("+N copies");
    `search --all-copies` shows them all.

    \b
    Example:
      searchkit duplicates --format json
    """
    groups = _open(ctx).duplicates()
    click.echo(render.duplicates_json(groups) if fmt == "json" else render.duplicates_text(groups))


@cli.command()
@click.argument("name")
@click.argument("query")
@filter_options
@click.pass_context
def save(ctx: click.Context, name: str, query: str, **filters: Any) -> None:
    """Save a search under NAME, for `searchkit alerts`.

    \b
    Example:
      searchkit save radar-japan 'radar japan' --source kyodo
    """
    _check_query(query)
    item = _open(ctx).save_search(name, query, **_filters(**filters))
    click.echo(f"saved {item.name}")


@cli.command()
@click.option("--delete", "delete_name", metavar="NAME", help="Delete the saved search NAME.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def saved(ctx: click.Context, delete_name: str | None, fmt: str) -> None:
    """List saved searches (or delete one).

    \b
    Example:
      searchkit saved
      searchkit saved --delete radar-japan
    """
    ix = _open(ctx)
    if delete_name:
        ix.delete_saved(delete_name)
        click.echo(f"deleted {delete_name}")
        return
    searches = ix.saved_searches()
    if fmt == "json":
        click.echo(json.dumps([dataclasses.asdict(s) for s in searches], ensure_ascii=False, indent=2))
    else:
        click.echo(render.saved_text(searches))


@cli.command()
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Articles per search.")
@click.option("--peek", is_flag=True, help="Show new articles without marking them seen.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def alerts(ctx: click.Context, limit: int, peek: bool, fmt: str) -> None:
    """For each saved search, the articles indexed since it was last checked.

    Marks them seen, so the next run lists only newer ones (unless --peek).

    \b
    Example:
      searchkit alerts
    """
    found = _open(ctx).alerts(limit=limit, mark_seen=not peek)
    if fmt == "json":
        click.echo(json.dumps(render.alerts_dict(found), ensure_ascii=False, indent=2))
    else:
        click.echo(render.alerts_text(found))


def _echo_results(results: Results, fmt: str) -> None:
    if fmt == "json":
        click.echo(render.results_json(results))
    elif fmt == "jsonl":
        click.echo(render.results_jsonl(results), nl=False)
    elif fmt == "csv":
        click.echo(render.results_csv(results), nl=False)
    else:
        click.echo(render.results_text(results, _marker()))


def _marker() -> Callable[[str], str] | None:
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return None
    return lambda text: click.style(text, bold=True, fg="yellow")


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def show(ctx: click.Context, article_id: str, fmt: str) -> None:
    """Print one whole article by its id (as listed by search).

    \b
    Example:
      searchkit show 000_63906143f63b2427 --format json
    """
    article = _open(ctx).get(article_id)
    if fmt == "json":
        click.echo(json.dumps(render.article_dict(article), ensure_ascii=False, indent=2))
    else:
        click.echo(render.article_text(article))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """Article count, date range, size on disk, top sources, last update.

    \b
    Example:
      searchkit stats
    """
    result = _open(ctx).stats()
    if fmt == "json":
        click.echo(json.dumps(render.stats_dict(result), ensure_ascii=False, indent=2))
    else:
        click.echo(render.stats_text(result))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.pass_context
def sources(ctx: click.Context, fmt: str) -> None:
    """Each cited source agency with its number of articles.

    \b
    Example:
      searchkit sources --format csv
    """
    click.echo(render.sources_render(_open(ctx).source_counts(), fmt), nl=fmt in ("text", "json"))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web UI: search, filter, read and save searches in a browser.

    Listens on this machine only unless --host says otherwise. An index run
    in another process is searchable without a restart. Needs the web extra
    (pip install 'searchkit[web]').

    \b
    Example:
      searchkit serve                       # then open http://127.0.0.1:8000/
      searchkit --index-dir ~/archive/index serve --port 8080
    """
    try:
        from .web import server  # the web extra is optional
    except ImportError as exc:
        raise click.ClickException(f"the web UI needs the web extra: pip install 'searchkit[web]' ({exc})") from None
    server.run(server.open_index(ctx.obj["index_dir"]), host, port)


def main() -> None:
    cli(prog_name="searchkit")
