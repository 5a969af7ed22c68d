"""Research exports, tier 1: tables (the default). Counts and medians by the dimensions a
researcher picks, every margin included, with small cells suppressed so that none can be
worked out from the rest; median pay per country; a chart of shares per country.

What may leave (see ../shared/research/privacy-and-safety.md, 2.3 and AC-13):
- a count from 1 to 9 is suppressed (0 stays 0), margins included;
- complementary suppression: more counts are suppressed until no suppressed count from 1 to 9
  can be shown to be under 10 by someone who knows every published number, that each line of
  the table adds up to its ALL cell, and that a suppressed count is a whole number of at least 1
  (zeros are shown). `protect` checks this with linear programming, and integer programming
  where a linear solution is fractional;
- a median only over 10 or more answers, in a published cell; a share only when 10 or more
  reports are in it and 10 or more are not;
- a pay median or a share is also left out when the table suppresses a count it bears on:
  its presence says "10 or more", which could otherwise narrow a suppressed cell.

Everything is counted as it streams from SQLite (ReportReader.tables_tallies): only counts per
combination of answers reach this module, never a report's row.
scipy and matplotlib are imported on first use, so that the bot starts as fast without them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
from babel import Locale
from babel.dates import format_skeleton

from bot.content.model import Content
from bot.content.schema import OTHER_COUNTRY
from bot.exports.options import ExportOptions, ExportRefused, Summary, Variable
from bot.privacy.disclosure import THRESHOLD
from bot.stats.figures import BELOW, band_text, classify, medians_of
from bot.store.storage import ReportReader
from bot.tools.fairpay import minimum_hourly
from bot.ui.texts import Texts

log = logging.getLogger(__name__)

ALL = "ALL"  # a margin: the total over a dimension
NOT_ANSWERED = "not_answered"
PERIOD = "period"
MEDIANS = ("hours", "unpaid")  # ordinal bands whose median each cell gets
TABLES_CSV, TABLES_JSONL = "tables.csv", "tables.jsonl"
PAY_CSV, PAY_JSONL = "pay_medians.csv", "pay_medians.jsonl"
CHART = "chart.png"
# Answers read for pay medians and the chart, in one scan. The first five follow bot.stats.figures'
# tally layout once a task slot is inserted (see _stats_layout).
PAY_FIELDS = (
    "country",
    "pay_unit",
    "pay_amount_band",
    "pay_amount_currency",
    "hours",
    "late_pay",
    "exposure",
    "support",
)
MIP_SECONDS = 10.0  # an integer program that has not proved a cell safe by then counts as unsafe


@dataclass(frozen=True)
class Share:
    """One panel of the chart: the share of a country's reports with some answers."""

    title: str
    question: str | None  # None: paid below the minimum wage (bot.stats.classify)
    codes: tuple[str, ...]  # the answers counted (the rest of the answered ones are not)
    depends_on: tuple[str, ...]  # the questions it is worked out from


SHARES = (
    Share("Paid below the minimum wage (of all reports)", None, (), ("country", "pay_unit", "hours")),
    Share("Pay often late, or not paid at all", "late_pay", ("often", "unpaid"), ("country", "late_pay")),
    Share("Disturbing content every week or every day", "exposure", ("weekly", "daily"), ("country", "exposure")),
    Share("No psychological support at work", "support", ("none",), ("country", "support")),
)


def allowed_dimensions(content: Content) -> tuple[str, ...]:
    return (PERIOD, *(q.id for q in content.survey.questions if q.kind in ("choice", "country")))


def write_tables(reader: ReportReader, content: Content, options: ExportOptions, folder: Path) -> Summary:
    """Write the tables tier into `folder`; ExportRefused when nothing can be released."""
    allowed = allowed_dimensions(content)
    unknown = [d for d in options.dimensions if d not in allowed]
    if unknown:
        raise ValueError(f"unknown dimension {', '.join(unknown)}: choose from {', '.join(allowed)}")
    questions = [d for d in options.dimensions if d != PERIOD]
    median_fields = tuple(m for m in MEDIANS if m not in options.dimensions)
    period = options.period if PERIOD in options.dimensions else None
    # One scan of the reports serves the table and the pay medians and chart.
    tally, pay_rows = reader.tables_tallies([([*questions, *median_fields], period), (PAY_FIELDS, None)])
    table = Table.read(tally, content, options, median_fields)
    grand = table.grand_total
    if grand == 0:
        raise ExportRefused("There are no reports yet, so there is nothing to export.")
    if grand < THRESHOLD:
        raise ExportRefused(
            f"There are fewer than {THRESHOLD} reports so far: every count would have to be hidden. "
            f"Tables can be exported from {THRESHOLD} reports."
        )
    try:
        table.protection = protect(table.counts)
    except Unprotectable:
        table.protection = None
    if table.protection is None or not table.releases_anything():
        raise ExportRefused(_too_thin(options))
    p = table.protection
    log.info(
        "tables export: %d cells, %d suppressed, %d linear and %d integer programs, %.2f s",
        table.counts.size,
        int(p.suppressed.sum()),
        p.programs,
        p.integer_programs,
        p.seconds,
    )
    table.write(folder)
    medians = _pay_medians(content, table, pay_rows)
    _write_pay_medians(folder, medians)
    panels = chart_panels(content, table, pay_rows)
    (folder / CHART).write_bytes(render_chart(panels))
    return Summary(
        files=[TABLES_CSV, TABLES_JSONL, PAY_CSV, PAY_JSONL, CHART],
        variables=_variables(content, table),
        rows_released=grand,
        rows_suppressed=int(p.suppressed.sum()),
        notes=_notes(table),
    )


def _too_thin(options: ExportOptions) -> str:
    tries = []
    if len(options.dimensions) > 1:
        tries.append("fewer dimensions (for example only country)")
    if PERIOD in options.dimensions and options.period == "month":
        tries.append("quarter instead of month")
    advice = f"Try {' or '.join(tries)}, or wait" if tries else "Wait"
    return (
        f"Nothing can be released by {' × '.join(options.dimensions)}: the reports are spread too thinly, so every "
        f"count but the total would have to be hidden to protect groups of fewer than {THRESHOLD} reports. "
        f"{advice} until more reports have come in."
    )


# --- the table ---------------------------------------------------------------------------------


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
        bands = [_options(content, m) for m in median_fields]
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
        medians = {f"median_{m}": (self.medians(m), _options(self.content, m)) for m in self.median_fields}
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


def _options(content: Content, question: str) -> list[str]:
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


# --- suppression -------------------------------------------------------------------------------


class Unprotectable(Exception):
    """A small count cannot be protected: every other count in its lines is 0, the grand total,
    or hidden already."""


@dataclass
class Protection:
    suppressed: np.ndarray  # bool, the shape of the counts
    primary: int = 0  # counts from 1 to 9
    by_lines: int = 0  # complementary cells added so no line has a single suppressed cell
    by_programs: int = 0  # ... added because a linear program found a count shown to be under 10
    programs: int = 0  # linear programs solved
    integer_programs: int = 0
    seconds: float = 0.0


def protect(counts: np.ndarray, complementary: bool = True) -> Protection:
    """Which cells of `counts` (every axis ending with its ALL margin) to suppress: every count
    from 1 to 9 and, with `complementary`, enough others that none of those can be shown to be
    under 10 from the rest (see the module's docstring). Unprotectable if that cannot be done."""
    start = time.perf_counter()
    flat = counts.ravel().astype(np.int64)
    primary = (flat > 0) & (flat < THRESHOLD)
    result = Protection(primary.reshape(counts.shape).copy(), primary=int(primary.sum()))
    if complementary and primary.any():
        _Suppressor(counts.shape, flat, primary, result).run()
    result.seconds = time.perf_counter() - start
    return result


class _Suppressor:
    """Complementary suppression over a table with all its margins. A line: the cells along one
    axis with the others fixed; its last cell (ALL) is the sum of the rest."""

    def __init__(self, shape: tuple[int, ...], flat: np.ndarray, primary: np.ndarray, result: Protection):
        from scipy.sparse import csc_matrix

        self.flat, self.primary, self.result = flat, primary, result
        self.suppressed = result.suppressed.reshape(-1)  # a view: changes show in result
        self.grand = flat.size - 1  # the last cell: ALL along every axis, never suppressed
        ids = np.arange(flat.size).reshape(shape)
        self.lines: list[np.ndarray] = []  # per axis: (lines, cells of a line) flat ids, ALL last
        self.line_of = np.empty((len(shape), flat.size), dtype=np.int64)  # cell -> its line per axis
        rows, cols, coefs, first = [], [], [], 0
        for axis, n in enumerate(shape):
            lines = np.moveaxis(ids, axis, -1).reshape(-1, n)
            self.lines.append(lines)
            self.line_of[axis, lines] = np.arange(len(lines))[:, None]
            rows.append(np.repeat(np.arange(first, first + len(lines)), n))
            cols.append(lines.ravel())
            coefs.append(np.tile(np.r_[np.ones(n - 1), -1.0], len(lines)))
            first += len(lines)
        # One equation per line: its cells minus its ALL cell is 0.
        self.equations = csc_matrix(
            (np.concatenate(coefs), (np.concatenate(rows), np.concatenate(cols))), shape=(first, flat.size)
        )
        self.certified = np.zeros(flat.size, dtype=bool)

    def run(self) -> None:
        self._lines_rule()
        bulk = True
        while True:
            todo = np.flatnonzero(self.primary & ~self.certified)
            if not todo.size:
                return
            if bulk and todo.size > 1:
                self._certify_many(todo)
                bulk = False
                continue
            cell = int(todo[0])
            if not self._certify(cell):  # the cell can be shown to be under 10: hide more counts
                self._widen(cell)
                self._lines_rule()
                bulk = True

    def _system(self) -> tuple[np.ndarray, object, np.ndarray]:
        """The hidden cells, and the equations the published numbers leave on them: A x = b."""
        hidden = np.flatnonzero(self.suppressed)
        shown = np.flatnonzero(~self.suppressed)
        a = self.equations[:, hidden].tocsr()
        used = np.diff(a.indptr) > 0
        b = -(self.equations[:, shown] @ self.flat[shown].astype(float))[used]
        return hidden, a[used], b

    def _certify_many(self, cells: np.ndarray, required: int | None = None) -> int:
        """One integer program for many small cells at once: a whole-number table agreeing with
        everything published, with as many of them at 10 or more as it finds in the time (and
        the `required` one among them); how many it newly clears."""
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_matrix, hstack

        hidden, a, b = self._system()
        at = np.searchsorted(hidden, cells)
        n, m = hidden.size, cells.size
        # Unknowns: the hidden counts, then for each small cell t <= its count, t <= 10.
        links = hstack([csr_matrix((-np.ones(m), (np.arange(m), at)), shape=(m, n)), csr_matrix(np.eye(m))])
        equations = hstack([a, csr_matrix((a.shape[0], m))])
        low = np.r_[np.ones(n), np.zeros(m)]
        if required is not None:
            low[np.searchsorted(hidden, required)] = THRESHOLD
        self.result.integer_programs += 1
        found = milp(
            np.r_[np.zeros(n), -np.ones(m)],
            constraints=[LinearConstraint(equations, b, b), LinearConstraint(links, -np.inf, 0)],
            integrality=np.r_[np.ones(n), np.zeros(m)],
            bounds=Bounds(low, np.r_[np.full(n, np.inf), np.full(m, THRESHOLD)]),
            options={"time_limit": MIP_SECONDS},
        )
        if found.x is None:
            return 0
        before = int(self.certified[cells].sum())
        self.certified[hidden[np.round(found.x[:n]) >= THRESHOLD]] = True
        return int(self.certified[cells].sum()) - before

    def _candidates(self, cells: np.ndarray) -> np.ndarray:
        """Cells that may be hidden to protect others: published, not 0, not the grand total."""
        return cells[~self.suppressed[cells] & (self.flat[cells] > 0) & (cells != self.grand)]

    def _hide(self, cells: np.ndarray, room_needed: float) -> int:
        """Hide the smallest candidate count that gives the room needed (a count c lets the
        others in its line move by c - 1), or the largest when none does."""
        candidates = self._candidates(cells)
        if not candidates.size:
            return -1
        values = self.flat[candidates]
        enough = values - 1 >= room_needed
        pick = candidates[enough][np.argmin(values[enough])] if enough.any() else candidates[np.argmax(values)]
        self.suppressed[pick] = True
        return int(pick)

    def _lines_rule(self) -> None:
        """Fast necessary conditions, line by line, before any program: a line never has exactly
        one suppressed cell (it would be its total minus the rest), and where a line's total is
        published, its suppressed cells leave a small one room to reach 10."""
        changed = True
        while changed:
            changed = False
            for lines in self.lines:
                hidden = self.suppressed[lines]
                inner = hidden[:, :-1]
                small_inside = (inner & self.primary[lines[:, :-1]]).any(axis=1)
                room = (self.flat[lines[:, :-1]] * inner).sum(axis=1) - inner.sum(axis=1) + 1
                short = small_inside & ~hidden[:, -1] & (room < THRESHOLD)
                alone = hidden.sum(axis=1) == 1
                for line in np.flatnonzero(alone | short):
                    cells = lines[line]
                    if self.suppressed[cells].sum() > 1 and not short[line]:
                        continue
                    needed = THRESHOLD - room[line] if short[line] else 0
                    if self._hide(cells, needed) >= 0:
                        self.result.by_lines += 1
                        changed = True

    def _certify(self, cell: int) -> bool:
        """Whether the cell can be 10 or more in a whole-number table that agrees with everything
        published: its maximum by linear programming, then, if that solution is fractional, an
        integer program. Each such table found also clears the other small cells 10 or more in
        it; hiding more counts later keeps it a solution, so a cleared cell stays cleared."""
        from scipy.optimize import linprog

        hidden, a, b = self._system()
        goal = np.zeros(hidden.size)
        at = int(np.searchsorted(hidden, cell))
        goal[at] = -1.0
        self.result.programs += 1
        found = linprog(goal, A_eq=a, b_eq=b, bounds=(1, None), method="highs-ds", options={"presolve": False})
        if found.status != 0:  # the true table is a solution: a solver failure, so count it unsafe
            log.warning("tables export: a linear program failed (%s); hiding more counts", found.message)
            return False
        if -found.fun < THRESHOLD - 1e-6:
            return False
        point = found.x
        if np.abs(point - np.round(point)).max() > 1e-6:
            # A fractional optimum: the whole-number maximum may be lower. Look for a whole-number
            # table with the cell at 10 or more, and as many other small cells as it can.
            self._certify_many(np.flatnonzero(self.primary & ~self.certified), required=cell)
            return bool(self.certified[cell])
        self.certified[cell] = True
        self.certified[hidden[np.round(point) >= THRESHOLD]] = True
        return True

    def _widen(self, cell: int) -> None:
        """Hide more counts so that `cell` could be 10 or more: the published counts that must
        move the least (weighted towards small counts) in a table that agrees with everything
        else and has the cell at 10 (a linear program, as in Fischetti and Salazar's method)."""
        from scipy.optimize import linprog
        from scipy.sparse import hstack

        hidden = np.flatnonzero(self.suppressed)
        candidates = self._candidates(np.arange(self.flat.size))
        fixed = np.flatnonzero(~self.suppressed)
        fixed = fixed[~np.isin(fixed, candidates)]
        values = self.flat[candidates].astype(float)
        moves = self.equations[:, candidates]
        # Unknowns: the hidden counts (at least 1), then each candidate's rise and fall (it must
        # stay at least 1: were it hidden, it would be known to be so).
        a = hstack([self.equations[:, hidden], moves, -moves]).tocsr()
        b = -(self.equations[:, candidates] @ values) - self.equations[:, fixed] @ self.flat[fixed].astype(float)
        weight = 1 + values / (self.flat[self.grand] + 1)  # fewer cells first, then smaller ones
        cost = np.r_[np.zeros(hidden.size), weight, weight]
        low = np.r_[np.ones(hidden.size), np.zeros(2 * candidates.size)]
        high = np.r_[np.full(hidden.size, np.inf), np.full(candidates.size, np.inf), values - 1]
        low[np.searchsorted(hidden, cell)] = THRESHOLD
        self.result.programs += 1
        found = linprog(cost, A_eq=a, b_eq=b, bounds=np.c_[low, high], method="highs-ds")
        if found.status != 0:
            raise Unprotectable(f"cell {cell} cannot be protected")
        rise, fall = found.x[hidden.size : hidden.size + candidates.size], found.x[hidden.size + candidates.size :]
        moved = candidates[(rise > 1e-7) | (fall > 1e-7)]
        if not moved.size:  # the linear program allows 10, but no whole-number table does
            if self._hide(np.unique(self._lines_of(cell)), 0) < 0:
                raise Unprotectable(f"cell {cell} cannot be protected")
            self.result.by_programs += 1
            return
        self.suppressed[moved] = True
        self.result.by_programs += int(moved.size)

    def _lines_of(self, cell: int) -> np.ndarray:
        return np.concatenate([lines[self.line_of[axis, cell]] for axis, lines in enumerate(self.lines)])


# --- pay medians -------------------------------------------------------------------------------


def _stats_layout(values: Sequence[str | None]) -> tuple[str | None, ...]:
    """PAY_FIELDS answers in bot.stats.figures' tally layout: country, task, unit, band, currency, hours."""
    return (values[0], None, *values[1:5])


def _pay_medians(content: Content, table: Table, pay_rows: list[tuple[tuple[str | None, ...], int]]) -> list[dict]:
    """Median pay band per country and pay unit over all periods, as bot.stats.figures works it out (10
    or more reports in the country's currency); left out where the table hides its count."""
    tallies = Counter[tuple[str | None, ...]]()
    for values, count in pay_rows:
        tallies[_stats_layout(values)] += count
    t = Texts(content, content.languages["en"])
    found = []
    for median in medians_of(content, list(tallies.items())):
        if not table.cell_published({"country": median.country, "pay_unit": median.unit}):
            continue
        found.append(
            {
                PERIOD: ALL,
                "country": median.country,
                "pay_unit": median.unit,
                "currency": median.currency,
                "median_band_low": _plain_number(median.low),
                "median_band_high": None if median.high is None else _plain_number(median.high),
                "median_band": band_text(t, median.low, median.high, median.currency),
            }
        )
    return found


def _plain_number(value: Fraction) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


PAY_COLUMNS = (PERIOD, "country", "pay_unit", "currency", "median_band_low", "median_band_high", "median_band")


def _write_pay_medians(folder: Path, medians: list[dict]) -> None:
    with (
        (folder / PAY_CSV).open("w", newline="", encoding="utf-8") as out_csv,
        (folder / PAY_JSONL).open("w", encoding="utf-8") as out_json,
    ):
        writer = csv.writer(out_csv)
        writer.writerow(PAY_COLUMNS)
        for row in medians:
            writer.writerow(["" if row[c] is None else row[c] for c in PAY_COLUMNS])
            out_json.write(json.dumps(row, ensure_ascii=False) + "\n")


# --- the chart ---------------------------------------------------------------------------------


@dataclass
class Panel:
    share: Share
    rows: list[tuple[str, float | None]] = field(default_factory=list)  # (country label, share or hidden)


def chart_panels(content: Content, table: Table, pay_rows: list[tuple[tuple[str | None, ...], int]]) -> list[Panel]:
    """Each share per country, or None where it may not be drawn, from the SQL-aggregated
    counts: how many of a country's reports are in the share, out of how many."""
    inside: Counter[tuple[int, str]] = Counter()
    out_of: Counter[tuple[int, str]] = Counter()
    verdicts: dict[tuple[str | None, ...], str] = {}
    at = {name: i for i, name in enumerate(PAY_FIELDS)}
    for values, count in pay_rows:
        code = values[0]
        if code is None:
            continue
        for n, share in enumerate(SHARES):
            if share.question is None:
                country = content.countries.get(code)
                if country is None or minimum_hourly(country) is None:
                    continue
                key = values[:5]
                if key not in verdicts:
                    verdicts[key] = classify(_stats_layout(values), country, content.survey.pay_bands)
                out_of[n, code] += count
                inside[n, code] += count if verdicts[key] == BELOW else 0
            else:
                answer = values[at[share.question]]
                if answer is not None:
                    out_of[n, code] += count
                    inside[n, code] += count if answer in share.codes else 0
    panels = []
    for n, share in enumerate(SHARES):
        codes = [*content.countries, OTHER_COUNTRY]
        if share.question is None:
            codes = [c for c in content.countries if minimum_hourly(content.countries[c]) is not None]
        panel = Panel(share)
        for code in codes:
            yes, total = inside[n, code], out_of[n, code]
            shown = (
                yes >= THRESHOLD
                and total - yes >= THRESHOLD
                and table.cell_published({"country": code}, [d for d in share.depends_on if d != "country"])
            )
            panel.rows.append((country_name(code), yes / total if shown else None))
        panels.append(panel)
    return panels


def country_name(code: str) -> str:
    if code == OTHER_COUNTRY:
        return "Another country"
    return Locale("en").territories.get(code, code)


CHART_CAPTION = (
    f"A share is drawn only when at least {THRESHOLD} reports are counted in it and at least {THRESHOLD} are not,\n"
    "and the tables do not hide a count it is made of; otherwise its bar is hatched and marked hidden.\n"
    "Below the minimum wage: of all the country's reports, those that cannot be compared (paid per day or\n"
    "per task, no amount, another currency, a band spanning the minimum) included: a lower bound.\n"
    "Only countries whose minimum wage Haki knows. Other shares: of the reports that answered the question."
)
SHARE_COLOR, HIDDEN_COLOR = "#c05621", "#a0aec0"
HIDDEN_LENGTH = 6  # percent: a hidden share's bar, a fixed stub, not to scale


def render_chart(panels: list[Panel]) -> bytes:
    """The shares as horizontal bars, one panel per measure, as PNG bytes (English labels)."""
    from matplotlib.figure import Figure  # lazily: see the module's docstring

    heights = [0.3 * len(p.rows) + 0.7 for p in panels]
    figure = Figure(figsize=(7.2, sum(heights) + 1.6), dpi=110, layout="constrained")
    axes = figure.subplots(len(panels), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, panel in zip(axes, panels, strict=True):
        labels = [label for label, _ in panel.rows]
        shares = [share for _, share in panel.rows]
        positions = range(len(labels))
        lengths = [round(s * 100) if s is not None else HIDDEN_LENGTH for s in shares]
        bars = ax.barh(
            positions,
            lengths,
            color=[SHARE_COLOR if s is not None else "white" for s in shares],
            edgecolor=[SHARE_COLOR if s is not None else HIDDEN_COLOR for s in shares],
        )
        for bar, s in zip(bars, shares, strict=True):
            if s is None:
                bar.set_hatch("///")
        texts = [f"{round(s * 100)}%" if s is not None else "hidden" for s in shares]
        ax.bar_label(bars, labels=texts, padding=3, fontsize=8)
        ax.set_yticks(list(positions), labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_title(panel.share.title, fontsize=10, loc="left")
        ax.set_xlim(0, 118)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.tick_params(axis="x", labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    figure.suptitle("Haki reports: shares by country", fontsize=11)
    figure.supxlabel(CHART_CAPTION, fontsize=7, color="#4a5568")
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


# --- codebook ----------------------------------------------------------------------------------

MARGIN_LABEL = "All values of this dimension (a margin: the total over it)"
NOT_ANSWERED_LABEL = "Not answered"


def _code_labels(content: Content, question: str, values: Iterable[str]) -> dict[str, str]:
    survey = content.languages["en"].survey
    labels = {}
    for code in values:
        if code == NOT_ANSWERED:
            labels[code] = NOT_ANSWERED_LABEL
        elif question == "country":
            labels[code] = country_name(code)
        else:
            labels[code] = survey.get(f"{question}_{code}", f"{code} (an answer no longer offered)")
    return labels


def _period_label(code: str) -> str:
    if code == NOT_ANSWERED:
        return "Not known"
    year, rest = code.split("-")
    if rest.startswith("Q"):
        return f"Quarter {rest[1:]} of {year}"
    return format_skeleton("yMMMM", dt.date(int(year), int(rest), 1), locale="en")


def _variables(content: Content, table: Table) -> list[Variable]:
    survey = content.languages["en"].survey
    found: dict[str, Variable] = {}
    for dim, values in zip(table.dimensions, table.values, strict=True):
        if dim == PERIOD:
            codes = {code: _period_label(code) for code in values}
            description = (
                "Period of the reports: the month (YYYY-MM) or quarter (YYYY-Qn) in which the Thursday of the "
                "report's ISO week falls. Every period from the first to the last is listed, empty ones as 0."
            )
        else:
            codes = _code_labels(content, dim, values)
            description = f"Answer to the question: {survey.get(dim, dim)}"
        found[dim] = Variable(dim, description, codes | {ALL: MARGIN_LABEL})
    found["reports"] = Variable(
        "reports",
        "Number of reports in the cell. Empty (null in JSON Lines) when suppressed.",
        generalization=f"Counts from 1 to {THRESHOLD - 1} suppressed, and others with them so that none can be worked "
        "out from the totals.",
    )
    found["suppressed"] = Variable(
        "suppressed", "Whether the cell's count is suppressed.", {"1": "suppressed", "0": "shown"}
    )
    for name in table.median_fields:
        found[f"median_{name}"] = Variable(
            f"median_{name}",
            f"Median answer of the cell's reports to: {survey.get(name, name)} (the answer of the middle report, the "
            f"lower middle one for an even number). Only in shown cells with {THRESHOLD} or more answers; empty "
            "otherwise.",
            _code_labels(content, name, _options(content, name)),
        )
    extra = {
        PERIOD: Variable(PERIOD, "In pay_medians: always ALL, medians are over all periods.", {ALL: "All periods"}),
        "country": Variable(
            "country", "In pay_medians: the country.", _code_labels(content, "country", content.countries)
        ),
        "pay_unit": Variable(
            "pay_unit",
            "In pay_medians: what the pay is counted per (hour, day, week, month or task).",
            _code_labels(content, "pay_unit", _options(content, "pay_unit")),
        ),
    }
    for name, variable in extra.items():
        if name in found:
            old = found[name]
            found[name] = Variable(name, f"{old.description} Also a column of pay_medians.", old.codes)
        else:
            found[name] = variable
    pay = {
        "currency": "In pay_medians: the currency of the pay bands (the country's; other currencies are not counted).",
        "median_band_low": "In pay_medians: the lower end of the median report's pay band (the band includes it).",
        "median_band_high": "In pay_medians: the upper end of the median report's pay band (the band stops short "
        "of it); empty for the top band.",
        "median_band": "In pay_medians: the median pay band in words.",
    }
    for name, description in pay.items():
        found[name] = Variable(name, description)
    return list(found.values())


def _notes(table: Table) -> list[str]:
    notes = [
        f"Counts from 1 to {THRESHOLD - 1} are suppressed (empty in tables.csv, null in tables.jsonl, suppressed = 1); "
        "0 is shown as 0. This holds for every cell, the margins (ALL) included. ALL is the total over a dimension; "
        f"{NOT_ANSWERED} counts the reports that did not answer.",
        f"Complementary suppression: more counts (of {THRESHOLD} or more) are suppressed so that no suppressed count "
        "can be worked out from the others. The exporter checks it by linear programming (integer programming where "
        "needed): for someone who knows every published number, that each line of cells adds up to its ALL cell, "
        "and that a suppressed count is a whole number of at least 1, every suppressed count from 1 to "
        f"{THRESHOLD - 1} could still be {THRESHOLD} or more.",
        f"Medians are the answer band of the middle report (the lower middle one for an even number), given only in "
        f"cells that are shown and have {THRESHOLD} or more answers to the question.",
        f"pay_medians: the median pay band per country and pay unit over all periods, from reports in the country's "
        f"currency; groups of fewer than {THRESHOLD} reports are absent, and so is a median whose country (or pay "
        "unit) count the table hides.",
        f"chart.png: shares per country. A share is drawn only when at least {THRESHOLD} reports are counted in it "
        f"and at least {THRESHOLD} are not, and the tables hide no count it is made of; otherwise its bar is hatched "
        "and marked hidden. The share paid below the minimum wage is of all the country's reports, those whose pay "
        "cannot be compared included (paid per day or per task, no amount, another currency, a band spanning the "
        "minimum), so it is a lower bound.",
    ]
    dropped = [m for m in MEDIANS if m in table.dimensions]
    if dropped:
        notes.append(
            f"No median column for {', '.join(dropped)}: it is a dimension, so the table's counts give its "
            "distribution."
        )
    return notes
