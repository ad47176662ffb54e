"""The ``searchkit`` command: parse options, make one library call, render.

Errors are typed in the library and formatted here, in one place
(``_Group.invoke``): every SearchkitError becomes a one-line ``Error: ...``
with exit status 1; click's own usage errors exit with 2.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .client import READ_ONLY, after_index
from .errors import SearchkitError
from .lazy import lazy_module
from .options import FLAGGED, SAVED, TIMELINE, SearchOptions, kind, spelling
from .settings import DEFAULT_WAIT, FORMATS, PERIODS

# The engine, readers and renderers load when a command first uses them, so
# that `searchkit --help` and click's option parsing pay for none of them.
if TYPE_CHECKING:
    from . import export, render
    from . import indexer as _indexer
    from . import search as _search
    from .indexer import UpdateReport
    from .readers import survey as _survey
    from .search import SearchIndex
else:
    export = lazy_module("searchkit.export")
    render = lazy_module("searchkit.render")
    _survey = lazy_module("searchkit.readers.survey")
    _search = lazy_module("searchkit.search")
    _indexer = lazy_module("searchkit.indexer")

# The exit status of a read command Ctrl-C ended.
INTERRUPTED = 130
# Runs shorter than this finish before a progress bar would be worth drawing.
PROGRESS_AFTER = 2.0


class _Interrupted(click.ClickException):
    exit_code = INTERRUPTED


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SearchkitError as exc:
            # Messages can quote file names and article ids: clean them too.
            raise click.ClickException(render.clean(str(exc))) from None
        except KeyboardInterrupt:
            if ctx.invoked_subcommand in READ_ONLY:
                # Nothing was being written. 130 (128 + SIGINT), as a shell
                # reports a command Ctrl-C ended: a script's loop stops too.
                raise _Interrupted("interrupted") from None
            raise click.ClickException(
                "interrupted: the index keeps its last committed batch; run `searchkit index` again to finish"
            ) from None
        except OSError as exc:
            message = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            raise click.ClickException(render.clean(message)) from None


def _open(ctx: click.Context, create: bool = False) -> SearchIndex:
    # Loaded only in a daemon's worker (and by `searchkit daemon`): the index
    # the daemon opened before forking, when the command names that one.
    lib = sys.modules.get("searchkit.daemon")
    warm = None if create or lib is None else lib.adopt(ctx.obj["index_dir"])
    return warm if warm is not None else _search.SearchIndex(ctx.obj["index_dir"], create=create)


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


def _progress() -> tuple[Callable[[Any], None], Callable[[], None]]:
    """A progress callback (indexer.IndexProgress) that draws a bar by bytes
    only on a terminal, and only once the run has taken longer than
    PROGRESS_AFTER seconds; it names the articles done and the commits."""
    started = time.monotonic()
    state: dict[str, Any] = {"bar": None, "done": 0}

    def info(p: Any) -> str | None:
        if p is None:
            return None
        return f"{p.articles_done:,} articles, {p.bytes_done / 1e6:.1f}/{p.bytes_total / 1e6:.1f} MB"

    def update(p: Any) -> None:
        bar = state["bar"]
        if bar is None:
            if not sys.stderr.isatty() or time.monotonic() - started < PROGRESS_AFTER:
                return
            bar = click.progressbar(
                length=max(p.bytes_total, 1), label="Indexing", file=sys.stderr, show_eta=False, item_show_func=info
            )
            bar.__enter__()
            state["bar"] = bar
        # A commit (the last one can take a while) says so until the next report.
        bar.label = {"committing": "Committing", "done": "Indexed"}.get(p.phase, "Indexing")
        if p.bytes_done > state["done"]:
            bar.update(p.bytes_done - state["done"], p)
        else:  # click draws only on a step
            bar.current_item = p
            bar.render_progress()
        state["done"] = p.bytes_done

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
@click.option("--dry-run", is_flag=True, help="List every file with the reader it would use; index nothing.")
@click.pass_context
def index(ctx: click.Context, paths: tuple[str, ...], rebuild: bool, wait: float, dry_run: bool) -> None:
    """Index article files under PATHS (default: corpus/): text (*.txt),
    HTML/XHTML pages, RSS/Atom feeds, JSON Lines (*.jsonl, *.jsonl.gz), CSV.

    Only new and changed files are read again; files that disappeared from
    PATHS are dropped from the index. Bad files are listed and skipped;
    files named in a .searchkitignore are left out.

    \b
    Example:
      searchkit index corpus/ ~/archive/2013.jsonl
      searchkit index ~/archive --dry-run
      searchkit index --rebuild
    """
    plan = _survey.survey(list(paths) or ["corpus"])
    if dry_run:
        for planned in plan.files:
            if planned.reader is not None:
                click.echo(f"{planned.reader:<6} {render.clean(planned.path)}")
            elif planned.skipped is not None:
                click.echo(f"{'skip':<6} {render.clean(planned.path)}: {render.clean(planned.skipped.reason)}")
        click.echo(plan.summary())
        return
    progress, finish = _progress()
    targets = list(paths) or ["corpus"]
    try:
        # The indexer alone: SearchIndex would bring the query side (whoosh.query, snippets, ranking).
        report = _indexer.update(ctx.obj["index_dir"], targets, rebuild=rebuild, wait=wait, progress=progress)
    except KeyboardInterrupt:
        again = shlex.join(["searchkit", "--index-dir", ctx.obj["index_dir"], "index", *targets])
        if rebuild:
            raise click.ClickException(
                f"interrupted: the index is as it was before the rebuild; run `{again} --rebuild` to rebuild it"
            ) from None
        raise click.ClickException(
            f"interrupted: the index keeps every committed batch; run `{again}` to finish"
        ) from None
    finally:
        finish()
    _report(report)
    click.echo(plan.summary())
    # Typed at a terminal, a search is likely next: a daemon started now
    # answers it without the start-up (the same rules as a read command's).
    after_index(ctx.obj["index_dir"])


def _report(report: UpdateReport) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {render.clean(warning)}", err=True)
    for skipped in report.skipped:
        click.echo(f"skipped: {render.clean(skipped.path)}: {render.clean(skipped.reason)}", err=True)
    click.echo(report.summary())


class _Checked(click.ParamType):
    """A text value the options module checks (a usage error, exit 2, when
    it refuses one); the value stays as written."""

    name = "text"

    def __init__(self, check: Callable[[str], object]) -> None:
        self.check = check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            self.check(value)
        except SearchkitError as exc:
            self.fail(str(exc), param, ctx)
        return value


def option_flags(*names: str, **helps: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The flags of SearchOptions ``names``, as the options module spells them
    (``helps`` replaces a name's help text); :func:`_options` reads them back."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(names):
            spelt, typ, default = spelling(name), kind(name), getattr(SearchOptions(), name)
            assert spelt.flag is not None, name
            extra: dict[str, Any] = {"help": helps.get(name, spelt.help) or None, "metavar": spelt.metavar}
            if typ is tuple:
                extra["multiple"] = True
            elif typ is bool:
                extra["is_flag"] = True
            elif typ is int:
                extra.update(type=click.IntRange(min=0), default=default, show_default=bool(default))
            elif spelt.choices:
                extra.update(type=click.Choice(spelt.choices), default=default, show_default=True)
            elif spelt.check is not None:
                extra["type"] = _Checked(spelt.check)
            command = click.option(spelt.flag, name, **extra)(command)
        return command

    return decorate


# The filter options shared by search, timeline and save.
filter_options = option_flags(*SAVED)


def _options(given: dict[str, Any]) -> SearchOptions:
    """The SearchOptions among a command's parameters (taken out of ``given``)."""
    return SearchOptions(**{name: given.pop(name) for name in FLAGGED if name in given})


def _check_query(query: str) -> None:
    if not query.strip():
        raise click.UsageError("QUERY is empty: give words to search for, or * for every article")


# -- output: one --format/--color pair for every command -----------------------


def output_options(*formats: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` (one of ``formats``, text first) and ``--color``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Mark matches in colour: auto = on a terminal, unless NO_COLOR is set.",
        )(command)
        return click.option("--format", "fmt", type=click.Choice(formats), default=formats[0], show_default=True)(
            command
        )

    return decorate


def manifest_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--manifest FILE``: also write FILE, holding ``what``."""
    return click.option(
        "--manifest", "manifest_path", metavar="FILE", type=click.Path(dir_okay=False), help=f"Also write FILE: {what}."
    )


def _terminal() -> tuple[bool, int]:
    """Whether stdout is a terminal, and its width (a seam for tests)."""
    return sys.stdout.isatty(), shutil.get_terminal_size().columns


def _style(color: str) -> render.Style:
    tty, width = _terminal()
    if color == "auto":
        on = tty and not os.environ.get("NO_COLOR")
    else:
        on = color == "always"
    # Pipes and files get lines as long as they are: wrapping is for eyes.
    return render.Style(width=width if tty else None, color=on)


def _emit(view: render.View, fmt: str, style: render.Style, pager: bool = False) -> None:
    chunks: Iterable[str] = render.emit(view, fmt, style)
    if pager and fmt == "text" and _terminal()[0]:
        click.echo_via_pager(chunks, color=style.color)
        return
    for chunk in chunks:
        click.echo(chunk, nl=False, color=style.color)


def _fields(value: str | None, fmt: str) -> tuple[str, ...]:
    if value is None:
        return render.CSV_DEFAULT if fmt == "csv" else render.DEFAULT_FIELDS
    if fmt == "text":
        raise click.UsageError("--fields chooses export fields: use it with --format json, jsonl or csv")
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    known = render.ALL_FIELDS
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        problem = f"unknown field {unknown[0]!r}; " if unknown else ""
        raise click.BadParameter(f"{problem}choose from {','.join(known)}", param_hint="--fields")
    return names


class _FieldsOption(click.Option):
    """``--fields``, whose help names the fields when it is shown: they are
    the result types' own (results.ALL_FIELDS), and building those types is a
    fifth of ``searchkit --help``'s start-up, which never shows this help."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        self.help = f"Fields to export (json, jsonl, csv), from: {', '.join(render.ALL_FIELDS)}."
        return super().get_help_record(ctx)


# -- commands -----------------------------------------------------------------


@cli.command()
@click.argument("query")
@option_flags(*FLAGGED)
@click.option("--explain", is_flag=True, help="Print the parsed query and filters instead of searching.")
@click.option("--fields", metavar="F,F", cls=_FieldsOption)
@manifest_option("the query, options, dates and index state that reproduce this export")
@output_options(*FORMATS)
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    explain: bool,
    fields: str | None,
    manifest_path: str | None,
    fmt: str,
    color: str,
    **given: Any,
) -> None:
    """Search the index. QUERY uses the query language; * matches every article.

    \b
    Words are all required; "exact phrase", "near words"~5, AND/OR/NOT,
    (groups), headline:word, source:kyodo, date:1987-03,
    date:[2013-10 TO 2013-12], wildcards (missil*) and fuzzy words (missle~).
    JSON Lines and CSV stream every hit up to --limit; CSV cells that would
    start a spreadsheet formula (= + - @) are prefixed with '.

    \b
    Example:
      searchkit search 'missile defense' --since 2013 --source 'RIA Novosti'
      searchkit search '*' --source kyodo --sort newest --format json
      searchkit search radar --format csv --limit 50000 --fields id,date,headline,url --manifest radar.json
      searchkit search 'missile defense' --recency 2y   # a score halves per 2 years of age
    """
    _check_query(query)
    chosen = _fields(fields, fmt)
    options = _options(given)
    if options.facets and fmt == "csv":
        raise click.UsageError("CSV holds one table: use --facets with --format text, json or jsonl")
    ix = _open(ctx)
    style = _style(color)
    if explain:
        built = ix.build(query, options)
        if fmt == "text":
            click.echo(built.explain())
        else:
            click.echo(render.to_json(render.explain_document(built)))
        return
    found = export.run_search(
        ix, query, options, fields=chosen, stream=fmt != "text", highlight=fmt == "text" and style.color
    )
    card = None
    if manifest_path:
        settings = {**options.record(FLAGGED), "fields": list(chosen)}
        card = export.manifest(ix, "search", query, options, settings, found.results.total)
    hits = found.hits() if fmt != "text" else iter(())
    listing = render.HitList(found.results, hits, chosen, card if fmt == "json" else None, found.headline_spans)
    _emit(render.results_view(listing), fmt, style)
    if card is not None and manifest_path:
        export.write_sidecar(manifest_path, render.to_json({**card, "exported": found.exported, "format": fmt}) + "\n")


@cli.command()
@click.argument("query")
@filter_options
@click.option("--by", type=click.Choice(PERIODS), default="month", show_default=True)
@click.option("--normalize", is_flag=True, help="Show each period's hits as a share of all its articles.")
@option_flags("all_copies", all_copies="Count every near-duplicate copy instead of one per group.")
@click.option(
    "--compare",
    "compare",
    multiple=True,
    metavar="QUERY",
    help="Another series on the same periods (repeatable), under the same options.",
)
@manifest_option("the query, options, dates and index state behind these counts")
@output_options(*FORMATS)
@click.pass_context
def timeline(
    ctx: click.Context,
    query: str,
    by: str,
    normalize: bool,
    compare: tuple[str, ...],
    manifest_path: str | None,
    fmt: str,
    color: str,
    **given: Any,
) -> None:
    """Hit counts over time, as a bar chart (or JSON/CSV).

    Periods before the first hit and after the last are left out; a run of
    empty periods between them shows as one gap line. With --compare, every
    series is counted over the same periods and drawn on one scale; JSON
    gives one timeline per series, CSV one row per series and period.

    \b
    Example:
      searchkit timeline '"missile defense"' --by year --normalize
      searchkit timeline radar --compare satellite --compare '"missile defense"' --by year
    """
    for text in (query, *compare):
        _check_query(text)
    ix = _open(ctx)
    options = _options(given)
    for hint in export.source_hints(ix, options.sources):
        click.echo(f"warning: {render.clean(hint)}", err=True)
    view: render.View
    if compare:
        comparison = ix.timelines([query, *compare], by, options)
        view, total = render.comparison_view(comparison, normalize), sum(t.total for t in comparison.series)
    else:
        result = ix.timeline(query, by, options)
        view, total = render.timeline_view(result, normalize), result.total
    _emit(view, fmt, _style(color))
    if manifest_path:
        settings = {"by": by, **options.record(n for n in TIMELINE if n in FLAGGED)}
        if compare:
            settings["compare"] = list(compare)
        card = export.manifest(ix, "timeline", query, options, settings, total)
        export.write_sidecar(manifest_path, render.to_json({**card, "format": fmt}) + "\n")


@cli.command()
@click.argument("query")
@filter_options
@option_flags("all_copies", all_copies="Count every near-duplicate copy instead of one per group.")
@click.option("--limit", type=click.IntRange(min=0), default=25, show_default=True, help="Terms to list.")
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Only words in at least this many of the results.",
)
@output_options(*FORMATS)
@click.pass_context
def terms(ctx: click.Context, query: str, limit: int, min_count: int, fmt: str, color: str, **given: Any) -> None:
    """The significant terms of QUERY's results: the words far more common
    in them than in the whole index, with their counts in both.

    Scored by JLH (Elasticsearch's significant_text default): the rise in a
    word's share of articles, times its ratio. Words are unstemmed, without
    numbers or common function words; near-duplicates count once.

    \b
    Example:
      searchkit terms '"missile defense"' --since 2013
      searchkit terms radar --source kyodo --min-count 2 --format csv
    """
    _check_query(query)
    ix = _open(ctx)
    options = _options(given)
    for hint in export.source_hints(ix, options.sources):
        click.echo(f"warning: {render.clean(hint)}", err=True)
    found = ix.terms(query, options, limit=limit, min_count=min_count)
    _emit(render.terms_view(found), fmt, _style(color))


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True)
@output_options(*FORMATS)
@click.pass_context
def similar(ctx: click.Context, article_id: str, limit: int, fmt: str, color: str) -> None:
    """The articles most like article ID (over headline and body).

    \b
    Example:
      searchkit similar 000_63906143f63b2427 --limit 5
    """
    ix = _open(ctx)
    results = ix.similar(article_id, limit=limit)
    fields = render.CSV_DEFAULT if fmt == "csv" else render.DEFAULT_FIELDS
    pairs: Iterable[tuple[Any, dict[str, Any]]] = ((h, {"url": ix.get(h.id).url}) for h in results.hits)
    _emit(render.results_view(render.HitList(results, pairs, fields)), fmt, _style(color))


@cli.command()
@output_options(*FORMATS)
@click.pass_context
def duplicates(ctx: click.Context, fmt: str, color: str) -> None:
    """List the groups of near-duplicate articles (syndicated copies).

    Search folds each group into its earliest article ("+N copies");
    `search --all-copies` shows them all.

    \b
    Example:
      searchkit duplicates --format json
    """
    _emit(render.duplicates_view(_open(ctx).duplicates()), fmt, _style(color))


@cli.command()
@click.argument("name")
@click.argument("query")
@filter_options
@click.option("--replace", is_flag=True, help="Overwrite a saved search of the same NAME.")
@click.pass_context
def save(ctx: click.Context, name: str, query: str, replace: bool, **given: Any) -> None:
    """Save a search under NAME, for `searchkit alerts`.

    \b
    Example:
      searchkit save radar-japan 'radar japan' --source kyodo
    """
    _check_query(query)
    item = _open(ctx).save_search(name, query, replace=replace, options=_options(given))
    click.echo(f"saved {render.clean(item.name)}")


@cli.command()
@click.option("--delete", "delete_name", metavar="NAME", help="Delete the saved search NAME.")
@output_options(*FORMATS)
@click.pass_context
def saved(ctx: click.Context, delete_name: str | None, fmt: str, color: str) -> None:
    """List saved searches (or delete one).

    \b
    Example:
      searchkit saved
      searchkit saved --delete radar-japan
    """
    ix = _open(ctx)
    if delete_name:
        ix.delete_saved(delete_name)
        click.echo(f"deleted {render.clean(delete_name)}")
        return
    _emit(render.saved_view(ix.saved_searches()), fmt, _style(color))


@cli.command()
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Articles per search.")
@click.option("--peek", is_flag=True, help="Show new articles without marking them seen.")
@output_options(*FORMATS)
@click.pass_context
def alerts(ctx: click.Context, limit: int, peek: bool, fmt: str, color: str) -> None:
    """For each saved search, the articles indexed since it was last checked.

    Marks them seen, so the next run lists only newer ones (unless --peek).

    \b
    Example:
      searchkit alerts
    """
    found = _open(ctx).alerts(limit=limit, mark_seen=not peek)
    _emit(render.alerts_view(found), fmt, _style(color))


@cli.command()
@click.argument("article_id", metavar="ID")
@output_options("text", "json")
@click.pass_context
def show(ctx: click.Context, article_id: str, fmt: str, color: str) -> None:
    """Print one whole article by its id (as listed by search), through a
    pager ($PAGER, else less) on a terminal.

    \b
    Example:
      searchkit show 000_63906143f63b2427 --format json
    """
    _emit(render.article_view(_open(ctx).get(article_id)), fmt, _style(color), pager=True)


@cli.command()
@output_options("text", "json")
@click.pass_context
def stats(ctx: click.Context, fmt: str, color: str) -> None:
    """Article count, date range, size on disk, top sources, last update.

    \b
    Example:
      searchkit stats
    """
    _emit(render.stats_view(_open(ctx).stats()), fmt, _style(color))


@cli.command()
@output_options(*FORMATS)
@click.pass_context
def sources(ctx: click.Context, fmt: str, color: str) -> None:
    """Each cited source agency with its number of articles.

    \b
    Example:
      searchkit sources --format csv
    """
    _emit(render.sources_view(_open(ctx).source_counts()), fmt, _style(color))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes (default: one per core, at most 4).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None) -> None:
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
    server.run(server.open_index(ctx.obj["index_dir"]), host, port, workers or server.default_workers())


@cli.group()
def daemon() -> None:
    """A resident searchkit that answers read-only commands without start-up.

    Once running, `search`, `timeline`, `terms`, `similar`, `duplicates`,
    `stats`, `sources` and `show` (not on a terminal: the pager needs one)
    are run by a worker the daemon forks, with this shell's terminal,
    directory and environment: the same output, without the interpreter,
    numpy and Whoosh start-up or opening the index. Commands that write
    (index, save, alerts...) always run in their own process, and so does
    every command when no daemon of this user and this code is running
    (SEARCHKIT_NO_DAEMON=1 forces that).

    A read command typed at a terminal (stdin and stdout both terminals)
    that finds no daemon starts one in the background, for the commands
    after it (`daemon settings --auto off` stops that); scripts, pipes and
    CI never do. A daemon exits after 15 minutes without a command
    (`daemon settings --idle`, or SEARCHKIT_DAEMON_IDLE seconds), when
    searchkit's files change, and, if it started itself, when its index is
    removed. The socket is in a folder of this user's only:
    $SEARCHKIT_DAEMON_DIR, else $XDG_RUNTIME_DIR/searchkit, else
    searchkit-UID in $TMPDIR or /tmp.

    \b
    Example:
      searchkit --index-dir ~/archive/index daemon start
      searchkit search radar            # answered by the daemon
      searchkit daemon status
      searchkit daemon stop
    """


def _daemon_lib() -> Any:
    from . import daemon as lib

    return lib


@daemon.command("start")
@click.pass_context
def daemon_start(ctx: click.Context) -> None:
    """Start the daemon on --index-dir (kept if it already runs this code).

    \b
    Example:
      searchkit --index-dir ~/archive/index daemon start
    """
    click.echo(f"searchkit daemon {render_status(_daemon_lib().start(ctx.obj['index_dir']))}")


@daemon.command("stop")
def daemon_stop() -> None:
    """Stop the daemon (commands run in their own process again).

    \b
    Example:
      searchkit daemon stop
    """
    before = _daemon_lib().stop()
    click.echo(f"searchkit daemon: stopped pid {before.pid}" if before.running else "searchkit daemon: not running")


@daemon.command("status")
def daemon_status() -> None:
    """Whether the daemon runs, on which index, and since when (exit 1 when not).

    \b
    Example:
      searchkit daemon status
    """
    now = _daemon_lib().status()
    click.echo(f"searchkit daemon {render_status(now)}")
    if not now.running:
        raise SystemExit(1)


@daemon.command("settings")
@click.option("--auto", type=click.Choice(["on", "off"]), help="Start a daemon from a terminal's read commands.")
@click.option(
    "--idle", type=click.FloatRange(min=0), metavar="SECONDS", help="Exit after this long without a command (0: never)."
)
def daemon_settings(auto: str | None, idle: float | None) -> None:
    """Show (or change) this user's daemon settings.

    \b
    Example:
      searchkit daemon settings --auto off
      searchkit daemon settings --idle 3600
    """
    lib = _daemon_lib()
    if auto is not None or idle is not None:
        lib.change_settings(None if auto is None else auto == "on", idle)
    on, seconds, path = lib.settings()
    ends = f"{seconds:g} s without a command" if seconds > 0 else "never"
    click.echo(f"auto-start from a terminal: {'on' if on else 'off'}; idle exit: {ends}; file {render.clean(path)}")


def render_status(status: Any) -> str:
    return render.clean(status.describe())


def help_text() -> str:
    """What ``searchkit --help`` prints (click's help option: the help, then a newline)."""
    with cli.make_context("searchkit", [], resilient_parsing=True) as ctx:
        return ctx.get_help() + "\n"


def main() -> None:
    cli(prog_name="searchkit")
