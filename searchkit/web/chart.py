"""The result set's timeline as geometry for an inline SVG bar chart.

Drawn on the server from the search's own facets (the same counts as the
"N results" line and the source list beside it, copies folded), so the
page needs no script and no chart library: the machine may be offline and
the Content-Security-Policy allows no scripts at all. The template turns
these numbers into ``<rect>`` elements; every label passes through its
auto-escaping.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..analytics import Facets

WIDTH = 640
HEIGHT = 150
LEFT = 40  # room for the y-axis labels
BOTTOM = 20  # room for the x-axis labels
TOP = 8
# Beyond four years of months the bars get too thin to read or click.
MAX_MONTHS = 48
MAX_LABELS = 8


@dataclass(frozen=True)
class Bar:
    period: str  # "1987" or "1987-03": also the since/until of its link
    hits: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Label:
    text: str
    x: float


@dataclass(frozen=True)
class Chart:
    by: str  # "month" or "year"
    bars: tuple[Bar, ...]
    labels: tuple[Label, ...]
    top: int  # the tallest bar's count, labelled on the y axis
    undated: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: float = HEIGHT - BOTTOM


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def periods(facets: Facets) -> tuple[str, list[tuple[str, int]]]:
    """Months (or years, for a long span) from first to last, empty ones included."""
    if not facets.months:
        return "month", []
    months = _months_between(facets.months[0][0], facets.months[-1][0])
    if len(months) <= MAX_MONTHS:
        counts = dict(facets.months)
        return "month", [(m, counts.get(m, 0)) for m in months]
    counts = dict(facets.years)
    first, last = int(facets.years[0][0]), int(facets.years[-1][0])
    return "year", [(f"{y:04d}", counts.get(f"{y:04d}", 0)) for y in range(first, last + 1)]


def build(facets: Facets) -> Chart | None:
    """The chart of a result set, or None when no hit is dated."""
    by, rows = periods(facets)
    if not rows:
        return None
    top = max(hits for _, hits in rows)
    plot_width = WIDTH - LEFT
    plot_height = HEIGHT - BOTTOM - TOP
    step = plot_width / len(rows)
    gap = min(2.0, step * 0.2)
    bars = []
    for i, (period, hits) in enumerate(rows):
        height = plot_height * hits / top if top else 0.0
        # A period with hits keeps a sliver, so a single hit among hundreds still shows.
        if hits and height < 1.5:
            height = 1.5
        x = LEFT + i * step
        bars.append(Bar(period, hits, round(x + gap / 2, 2), round(HEIGHT - BOTTOM - height, 2),
                        round(max(step - gap, 0.5), 2), round(height, 2)))
    every = max(1, -(-len(rows) // MAX_LABELS))  # ceiling division
    labels = tuple(Label(period, round(LEFT + i * step + step / 2, 2)) for i, (period, _) in enumerate(rows)
                   if i % every == 0)
    return Chart(by=by, bars=tuple(bars), labels=labels, top=top, undated=facets.undated)
