"""From noisy counts to one consistent set of tables (post-processing: it costs no privacy).

Every marginal starts with the country, or with an attribute that a country marginal holds:
1. each country's total is the average of what the marginals say it is, each weighted by how
   little noise its row sum carries (fewer cells, less noise);
2. each row is projected onto the counts that are non-negative and add up to that total (the
   nearest such point, in least squares), then rounded to whole numbers that keep the sum.
So every table of a release adds up to the same totals, and any margin worked out from one
agrees with the same margin worked out from another.
"""

from __future__ import annotations

import numpy as np

from bot.releases.design import CENTER, Design


def consistent(design: Design, noisy: dict[tuple[str, ...], np.ndarray]) -> dict[tuple[str, ...], np.ndarray]:
    """Whole, non-negative tables (same shapes as `noisy`) that agree on every shared margin."""
    centered = [m for m in design.marginals if m[0] == CENTER]
    n_countries = len(design.attributes[CENTER])
    sums = np.zeros(n_countries)
    weights = 0.0
    for marginal in centered:
        rows = noisy[marginal].reshape(n_countries, -1)
        sums += rows.sum(axis=1) / rows.shape[1]  # a row sum's noise variance grows with its cells
        weights += 1 / rows.shape[1]
    totals = np.maximum(np.rint(sums / weights), 0).astype(np.int64)
    tables = {m: _fit_rows(noisy[m], totals) for m in centered}
    for marginal in design.marginals:
        if marginal in tables:
            continue
        anchor = next(m for m in centered if m[1] == marginal[0])  # e.g. (country, task) for (task, exposure)
        anchor_totals = tables[anchor].reshape(n_countries, -1).sum(axis=0)
        tables[marginal] = _fit_rows(noisy[marginal], anchor_totals)
    return tables


def _fit_rows(noisy: np.ndarray, totals: np.ndarray) -> np.ndarray:
    rows = noisy.reshape(len(totals), -1).astype(float)
    fitted = np.vstack([_whole(_simplex(row, total), total) for row, total in zip(rows, totals, strict=True)])
    return fitted.reshape(noisy.shape)


def _simplex(v: np.ndarray, total: int) -> np.ndarray:
    """The nearest point to v with non-negative entries adding up to total (Duchi et al., 2008)."""
    if total <= 0:
        return np.zeros_like(v)
    u = np.sort(v)[::-1]
    excess = np.cumsum(u) - total
    index = np.arange(1, len(v) + 1)
    rho = index[u - excess / index > 0][-1]
    return np.maximum(v - excess[rho - 1] / rho, 0)


def _whole(x: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers adding up to total, each within 1 of x (largest remainders get the rest)."""
    floor = np.floor(x).astype(np.int64)
    short = int(total - floor.sum())
    if short > 0:
        floor[np.argsort(-(x - floor), kind="stable")[:short]] += 1
    return floor
