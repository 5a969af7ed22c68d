"""Synthetic records drawn from one release: post-processing of its noisy tables, so they cost no
privacy beyond the release itself, and no record is a real report.

Drawn along the design's star (bot/releases/design.py):
1. as many records as the release counts, each country exactly as often as the release says;
2. every star attribute, given the country, exactly as its (country, X) table says (pay unit and
   pay band together, from their three-way table): within a country the values are a random
   permutation of the table's row, so each (country, X) table comes out exactly;
3. for each EXTRA pair (task, exposure), exposure given country and task, from a three-way table
   fitted by iterative proportional fitting to (country, task), (country, exposure) and
   (task, exposure), then rounded to whole counts that keep both country tables exactly: so
   (country, exposure) is exact too, and (task, exposure) is kept to within rounding.
Everything else is independent given the country: a combination such as (task, hours) in the
records says nothing the release did not measure. pay_check is derived (the minimum-wage check
of pay, unit and hours), not a column: the tables tier gives its counts.

A numpy Generator seeded from release.seed draws everything, so the same release always gives
exactly the same records. Vectorised: a million records take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.releases.design import CENTER, PAY_CHECK
from bot.releases.release import Release

FIT_ROUNDS = 50  # iterative proportional fitting of the three two-way tables
BALANCE_ROUNDS = 5000  # at most, fitting each country's two tables exactly (converges far sooner)
TOLERANCE = 1e-7


@dataclass(frozen=True)
class Records:
    """One month's synthetic records, as columns of code numbers (indices into `codes`)."""

    month: str
    codes: dict[str, tuple[str, ...]]  # column -> its codes
    columns: dict[str, np.ndarray]  # column -> one code number per record, records in random order

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


def columns_of(release: Release) -> tuple[str, ...]:
    """The attributes synthetic records carry: all but the derived ones."""
    return tuple(name for name in release.attributes if name != PAY_CHECK)


def extra_pairs(release: Release) -> list[tuple[str, str]]:
    """The measured pairs beyond the star: (a, b), b drawn given the country and a."""
    return [m for m in release.tables if m[0] != CENTER and len(m) == 2]  # type: ignore[misc]


def synthesize(release: Release) -> Records:
    rng = np.random.default_rng(release.seed)
    names = columns_of(release)
    countries = counts(release, (CENTER,))
    starts = np.concatenate([[0], np.cumsum(countries)])
    blocks = [slice(int(starts[c]), int(starts[c + 1])) for c in range(len(countries))]
    drawn: dict[str, np.ndarray] = {
        CENTER: np.repeat(np.arange(len(countries), dtype=_code_type(release, CENTER)), countries)
    }
    pairs = [(a, b) for a, b in extra_pairs(release) if a in names and b in names]
    given = {b for _, b in pairs}
    for marginal in release.tables:
        if marginal[0] != CENTER:
            continue
        wanted = tuple(n for n in marginal[1:] if n in names and n not in drawn and n not in given)
        if not wanted:
            continue
        joint = counts(release, (CENTER, *wanted))
        values = _permuted(rng, blocks, joint.reshape(len(countries), -1))
        for name, column in zip(wanted, np.unravel_index(values, joint.shape[1:]), strict=True):
            drawn[name] = column.astype(_code_type(release, name))
    for a, b in pairs:
        drawn[b] = _given_pair(rng, release, blocks, drawn[a], a, b)
    order = rng.permutation(int(starts[-1]))
    return Records(
        release.month,
        {name: release.attributes[name] for name in names},
        {name: drawn[name][order] for name in names},
    )


def _code_type(release: Release, name: str) -> np.dtype:
    """The smallest unsigned integer type that numbers every code of `name` (uint8 for all today's)."""
    return np.min_scalar_type(len(release.attributes[name]))


def counts(release: Release, names: tuple[str, ...]) -> np.ndarray:
    """The release's counts by `names` as an array (axes in that order)."""
    cells = release.table(names)
    if cells is None:
        raise ValueError(f"the release of {release.month} measured no table by {' x '.join(names)}")
    shape = tuple(len(release.attributes[n]) for n in names)
    return np.fromiter(cells.values(), dtype=np.int64, count=len(cells)).reshape(shape)


def _permuted(rng: np.random.Generator, blocks: list[slice], rows: np.ndarray) -> np.ndarray:
    """Per country block, its row's counts as values (value i, rows[c, i] times) in random order."""
    out = np.empty(blocks[-1].stop if blocks else 0, dtype=np.int64)
    for block, row in zip(blocks, rows, strict=True):
        if row.sum() != block.stop - block.start:
            raise ValueError("the release's tables disagree on a country's total")
        values = np.repeat(np.arange(len(row)), row)
        rng.shuffle(values)
        out[block] = values
    return out


def _given_pair(
    rng: np.random.Generator, release: Release, blocks: list[slice], first: np.ndarray, a: str, b: str
) -> np.ndarray:
    """b for every record, given its country and its a: whole counts per (country, a, b) from the
    fitted three-way table, each (country, a) group's values in random order."""
    by_a, by_b, pair = counts(release, (CENTER, a)), counts(release, (CENTER, b)), counts(release, (a, b))
    fitted = fit_three_way(by_a, by_b, pair)
    out = np.empty(len(first), dtype=_code_type(release, b))
    n_a, n_b = pair.shape
    for c, block in enumerate(blocks):
        whole = round_keeping_sums(fitted[c], by_a[c], by_b[c])
        records = np.arange(block.start, block.stop)
        records = records[np.argsort(first[block], kind="stable")]  # grouped by a, in a's code order
        values = np.repeat(np.tile(np.arange(n_b, dtype=out.dtype), n_a), whole.ravel())
        at = 0
        for size in whole.sum(axis=1):
            values[at : at + size] = rng.permutation(values[at : at + size])
            at += size
        out[records] = values
    return out


def fit_three_way(by_a: np.ndarray, by_b: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """A (country, a, b) table close to all three two-way tables (iterative proportional
    fitting from a uniform start), then made to match each country's two tables exactly: those
    are what synthetic records must reproduce. The pair table is kept as closely as the three
    allow (the release makes them agree on a's totals, not always on b's)."""
    x = np.ones((*by_a.shape, pair.shape[1]))
    for _ in range(FIT_ROUNDS):
        x *= _ratio(by_a, x.sum(axis=2))[:, :, None]
        x *= _ratio(pair, x.sum(axis=0))[None, :, :]
        x *= _ratio(by_b, x.sum(axis=1))[:, None, :]
    # A small floor everywhere, so that a country's two tables can always be met even where the
    # pair table has a zero; then alternate between them until both hold.
    x += 1e-3
    for _ in range(BALANCE_ROUNDS):
        x *= _ratio(by_a, x.sum(axis=2))[:, :, None]
        x *= _ratio(by_b, x.sum(axis=1))[:, None, :]
        if np.abs(x.sum(axis=2) - by_a).max() < TOLERANCE:
            break
    return x


def _ratio(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    return np.divide(target, current, out=np.zeros(current.shape), where=current > 0)


def round_keeping_sums(x: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Whole numbers, each within 1 of x, whose rows and columns add up to `rows` and `columns`
    (x's sums, up to float error). Each cell is x rounded down, plus 0 or 1: the 1s are placed
    row by row in the columns that still need the most (ties: the largest remainder), which
    always succeeds when such a matrix exists (bipartite Havel-Hakimi); one does, since x's
    remainders are a fractional one."""
    floor = np.floor(x + 1e-6).astype(np.int64)
    remainder = x - floor
    need_rows = rows - floor.sum(axis=1)
    need_columns = columns - floor.sum(axis=0)
    if need_rows.min() < 0 or need_columns.min() < 0 or need_rows.sum() != need_columns.sum():
        raise ValueError("x does not add up to the sums it should keep")
    for i in np.argsort(-need_rows, kind="stable"):
        k = int(need_rows[i])
        if k == 0:
            continue
        chosen = np.lexsort((-remainder[i], -need_columns))[:k]
        if k > len(chosen) or need_columns[chosen].min() <= 0:
            raise ValueError("no whole table has these sums")
        floor[i, chosen] += 1
        need_columns[chosen] -= 1
    return floor
