"""Recency weighting: a relevance score decayed by the article's age.

``--recency 90d`` multiplies each hit's relevance score by

    0.5 ** (age / half_life)

so an article one half-life older than another of equal relevance scores
half as much. The age is counted in days back from the **newest dated
article in the index**, not from today: an archive of 1987 wires searched
in 2026 would otherwise decay every score to nothing and its order to
rounding noise. Undated articles are weighed as if they were the oldest
dated article in the index (they are never lifted above an equally
relevant dated one, and never dropped); an index without any dated
article has nothing to weigh, and scores stay as they are.

Recency changes relevance order only: ``--sort newest``/``oldest`` and
the result set (which articles match, the total, facets) are unchanged.
The factors are computed for the whole array of matches at once
(:func:`factors`), from the per-searcher date column the filters use.

Half-lives are a positive number and a unit: ``d`` (days), ``w`` (weeks,
7 days), ``m`` (months, 365.2425 / 12 days: a Gregorian mean month) or
``y`` (years, 365.2425 days), as in ``90d``, ``12w``, ``6m``, ``2y`` or
``1.5y``; the unit's full name works too (``90 days``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import QueryError

if TYPE_CHECKING:  # numpy loads only when a query runs
    import numpy as np

# Days per unit; a month and a year are Gregorian means, so 12m == 1y.
YEAR_DAYS = 365.2425
UNITS = {"d": 1.0, "w": 7.0, "m": YEAR_DAYS / 12, "y": YEAR_DAYS}
_NAMES = {"day": "d", "week": "w", "month": "m", "year": "y"}
_HALF_LIFE_RE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)\s*", re.IGNORECASE)
# Longer than this is no decay worth the name (and 1e300d would overflow).
MAX_DAYS = 1000 * YEAR_DAYS
EXAMPLE = "90d, 12w, 6m or 2y"


@dataclass(frozen=True)
class HalfLife:
    """A parsed half-life: ``text`` as the user wrote it, ``days`` its length."""

    text: str
    days: float

    def describe(self) -> str:
        days = f"{self.days:g}" if self.days == int(self.days) else f"{self.days:.1f}"
        in_days = _HALF_LIFE_RE.fullmatch(self.text)
        if in_days and _unit(in_days.group(2)) == "d":
            return f"{days} days"
        return f"{self.text} ({days} days)"


def _unit(name: str) -> str | None:
    name = name.lower()
    if name in UNITS:
        return name
    singular = name[:-1] if name.endswith("s") else name
    return _NAMES.get(singular)


def parse_half_life(text: str) -> HalfLife:
    """``90d``, ``12w``, ``6m``, ``2y`` (or ``90 days``) as a :class:`HalfLife`;
    anything else is a QueryError naming the value."""
    match = _HALF_LIFE_RE.fullmatch(text) if isinstance(text, str) else None
    unit = _unit(match.group(2)) if match else None
    if match is None or unit is None:
        raise QueryError(f"recency must be a half-life such as {EXAMPLE}, not {text!r}")
    days = float(match.group(1)) * UNITS[unit]
    if not 0 < days <= MAX_DAYS:
        raise QueryError(f"recency half-life must be more than 0 days and at most 1000 years, not {text!r}")
    return HalfLife(text.strip(), days)


def half_life(value: str | HalfLife | None) -> HalfLife | None:
    """An option's value (text, a parsed HalfLife or None) as a HalfLife or None."""
    if value is None or isinstance(value, HalfLife):
        return value
    return parse_half_life(value)


@dataclass(frozen=True)
class Reference:
    """The days the ages count from: the newest and oldest dated live
    article of the index (day numbers, see schema.day_number); None when
    no article is dated."""

    newest: int | None
    oldest: int | None

    @classmethod
    def of(cls, days: np.ndarray) -> Reference:
        """From the day numbers of the live articles (0: undated)."""
        dated = days[days > 0]
        if not len(dated):
            return cls(None, None)
        return cls(int(dated.max()), int(dated.min()))

    def describe(self, life: HalfLife) -> str:
        """One line for ``--explain``."""
        if self.newest is None or self.oldest is None:
            return f"score × 0.5^(age / {life.describe()}): no article is dated, so no score changes"
        newest, oldest = date.fromordinal(self.newest), date.fromordinal(self.oldest)
        return (
            f"score × 0.5^(age / {life.describe()}), age in days before {newest.isoformat()} "
            f"(the newest article); undated articles as old as the oldest ({oldest.isoformat()})"
        )


def factors(days: np.ndarray, reference: Reference, life: HalfLife) -> np.ndarray:
    """The decay factor of each entry of ``days`` (day numbers, 0 undated)."""
    import numpy as np

    if reference.newest is None or reference.oldest is None:
        return np.ones(len(days), dtype=np.float64)
    dated = days > 0
    # An article dated after the reference (not live, or a filter's copy)
    # is not made more than relevant: its age counts as 0.
    ages = np.where(dated, reference.newest - days, reference.newest - reference.oldest)
    ages = np.maximum(ages, 0).astype(np.float64)
    return np.exp2(-ages / life.days)


def decayed(scores: np.ndarray, days: np.ndarray, reference: Reference, life: HalfLife) -> np.ndarray:
    """``scores`` (one per match) times their matches' decay factors."""
    return scores * factors(days, reference, life)


def reference(arrays: Any) -> Reference:
    """The newest and oldest dated live article of a searcher's arrays (kept with them)."""
    return arrays.derived("recency.reference", lambda a: Reference.of(a.days[a.live_ids]))


def weigh(arrays: Any, ids: np.ndarray, scores: np.ndarray, text: str) -> np.ndarray:
    """``scores`` of the matches ``ids`` decayed by the half-life ``text``."""
    return decayed(scores, arrays.days[ids], reference(arrays), parse_half_life(text))
