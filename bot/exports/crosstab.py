"""The table of the tables tier (bot/exports/tables.py): the counts by the dimensions a researcher
picks, every margin included, as an array, read from ReportReader.tables_tallies' counts per
combination of answers (never a report's row); which of its cells are published once
bot/exports/suppression.py has chosen those to hide; its rows written as tables.csv and
tables.jsonl.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.content.model import Content
from bot.content.schema import OTHER_COUNTRY
from bot.exports.options import ExportOptions
from bot.exports.suppression import Protection
from bot.privacy.disclosure import THRESHOLD

ALL = "ALL"  # a margin: the total over a dimension
NOT_ANSWERED = "not_answered"
PERIOD = "period"
TABLES_CSV, TABLES_JSONL = "tables.csv", "tables.jsonl"


@dataclass
class Table:
    """The counts by the chosen dimensions, as an array with every margin: along each axis, the
    last index is ALL. The median fields' answers are extra axes of `by_band` (their last index:
    not answered or not a band)."""

    content: Content
    dimensions: tuple[str, ...]
    values: list[list[str]]  # per dimension, without ALL
    median_fields: tuple[str, ...]
    by_band: np.ndarray  # shape: (*(len(v) + 1 for v in values), *(len(options) + 1 per median field))
    protection: Protection | None = None

    @classmethod
    def read(
        cls, tally: list[tuple[tuple[str | None, ...], int]], content: Content, options: ExportOptions, median_fields
    ) -> Table:
        """The table from ReportReader.tables_tallies' counts: per combination of the period (if
        a dimension), the questions among the dimensions, then the median fields."""
        dims = options.dimensions
        questions = [d for d in dims if d != PERIOD]
        if PERIOD in dims:  # the period comes first, then the questions in the order the dimensions were given
            at = {PERIOD: 0} | {question: i + 1 for i, question in enumerate(questions)}
            tally = [(tuple(v[at[d]] for d in dims) + v[len(dims) :], n) for v, n in tally]
        seen: list[set[str | None]] = [set() for _ in dims]
        for values, _ in tally:
            for i in range(len(dims)):
                seen[i].add(values[i])
        axis_values = [_dimension_values(content, d, seen[i], options.period) for i, d in enumerate(dims)]
        index = [{v: i for i, v in enumerate(values)} for values in axis_values]
        bands = [answer_codes(content, m) for m in median_fields]
        band_index = [{v: i for i, v in enumerate(b)} for b in bands]
        shape = (*(len(v) for v in axis_values), *(len(b) + 1 for b in bands))
        by_band = np.zeros(shape, dtype=np.int64)
        if tally:
            where = [
                tuple(index[i][values[i] if values[i] is not None else NOT_ANSWERED] for i in range(len(dims)))
                + tuple(band_index[j].get(values[len(dims) + j], len(bands[j])) for j in range(len(median_fields)))
                for values, _ in tally
            ]
            np.add.at(by_band, tuple(np.array(where).T), [count for _, count in tally])
        for axis in range(len(dims)):  # the margins, ALL last along each dimension
            by_band = np.concatenate([by_band, by_band.sum(axis=axis, keepdims=True)], axis=axis)
        return cls(content, dims, axis_values, median_fields, by_band)

    @property
    def counts(self) -> np.ndarray:
        extra = tuple(range(len(self.dimensions), self.by_band.ndim))
        return self.by_band.sum(axis=extra) if extra else self.by_band

    @property
    def grand_total(self) -> int:
        return int(self.counts[(-1,) * len(self.dimensions)])

    @property
    def suppressed(self) -> np.ndarray:
        assert self.protection is not None
        return self.protection.suppressed

    def releases_anything(self) -> bool:
        """Whether a count other than the grand total, and not 0, is published."""
        shown = (~self.suppressed & (self.counts > 0)).ravel()
        shown[-1] = False
        return bool(shown.any())

    def medians(self, field_name: str) -> np.ndarray:
        """Per cell, the index of the median answer band, or -1 where none may be shown."""
        j = self.median_fields.index(field_name)
        k = len(self.dimensions)
        other = tuple(k + i for i in range(len(self.median_fields)) if i != j)
        dist = self.by_band.sum(axis=other) if other else self.by_band
        dist = dist[..., :-1]  # answered with a band of the question
        answered = dist.sum(axis=-1)
        middle = (answered + 1) // 2
        found = np.argmax(np.cumsum(dist, axis=-1) >= middle[..., None], axis=-1)
        return np.where((answered >= THRESHOLD) & ~self.suppressed, found, -1)

    def cell_published(self, fixed: dict[str, str], spread: Iterable[str] = ()) -> bool:
        """Whether the table publishes every count with these answers fixed, any answer to the
        dimensions in `spread`, and ALL for the other dimensions."""
        spread = set(spread)
        where: list[int | slice] = []
        for dim, values in zip(self.dimensions, self.values, strict=True):
            if dim in fixed:
                if fixed[dim] not in values:
                    return False
                where.append(values.index(fixed[dim]))
            elif dim in spread:
                where.append(slice(None))
            else:
                where.append(len(values))
        return not bool(self.suppressed[tuple(where)].any())

    def rows(self) -> Iterable[dict[str, object]]:
        """The cells in a fixed order (content order, ALL last): an order that says nothing."""
        counts, suppressed = self.counts, self.suppressed
        medians = {f"median_{m}": (self.medians(m), answer_codes(self.content, m)) for m in self.median_fields}
        labels = [[*values, ALL] for values in self.values]
        for where in np.ndindex(counts.shape):
            row: dict[str, object] = {d: labels[i][where[i]] for i, d in enumerate(self.dimensions)}
            hidden = bool(suppressed[where])
            row["reports"] = None if hidden else int(counts[where])
            row["suppressed"] = int(hidden)
            for name, (found, codes) in medians.items():
                row[name] = codes[found[where]] if found[where] >= 0 else None
            yield row

    def columns(self) -> list[str]:
        return [*self.dimensions, "reports", "suppressed", *(f"median_{m}" for m in self.median_fields)]

    def write(self, folder: Path) -> None:
        columns = self.columns()
        with (
            (folder / TABLES_CSV).open("w", newline="", encoding="utf-8") as out_csv,
            (folder / TABLES_JSONL).open("w", encoding="utf-8") as out_json,
        ):
            writer = csv.writer(out_csv)
            writer.writerow(columns)
            for row in self.rows():
                writer.writerow(["" if row[c] is None else row[c] for c in columns])
                out_json.write(json.dumps(row, ensure_ascii=False) + "\n")


def answer_codes(content: Content, question: str) -> list[str]:
    return list(next((q.options for q in content.survey.questions if q.id == question), ()))


def _dimension_values(content: Content, dim: str, seen: set[str | None], period: str) -> list[str]:
    """A dimension's categories: every code the content offers (zeros too), then any other
    answer found, then not_answered when found or the question is optional."""
    if dim == PERIOD:
        base = _period_range(sorted(v for v in seen if v), period)
        optional = False
    elif dim == "country":
        base, optional = [*content.countries, OTHER_COUNTRY], False
    else:
        question = next(q for q in content.survey.questions if q.id == dim)
        base, optional = list(question.options), question.optional
    extra = sorted(v for v in seen if v is not None and v not in base)
    return [*base, *extra, *([NOT_ANSWERED] if None in seen or optional else [])]


def _period_range(found: list[str], period: str) -> list[str]:
    """Every period from the first found to the last (gaps count 0, and are shown so)."""
    if not found:
        return []
    step = 1 if period == "month" else 3

    def key(value: str) -> int:
        year, rest = value.split("-")
        return int(year) * 12 + (int(rest) - 1 if period == "month" else (int(rest[1:]) - 1) * 3)

    def name(number: int) -> str:
        year, month = divmod(number, 12)
        return f"{year}-{month + 1:02d}" if period == "month" else f"{year}-Q{month // 3 + 1}"

    try:
        first, last = key(found[0]), key(found[-1])
    except ValueError:
        return found
    filled = [name(n) for n in range(first, last + 1, step)]
    return filled + [v for v in found if v not in filled]
