"""From noisy counts to one consistent set of tables (post-processing: it costs no privacy).

Every marginal starts with the country, or pairs two attributes that country marginals hold:
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
        # A pair beyond the star, e.g. (task, exposure): its rows must add up to the task totals of
        # (country, task) and its columns to the exposure totals of (country, exposure).
        rows, columns = (tables[(CENTER, name)].sum(axis=0) for name in marginal)
        tables[marginal] = _fit_both(noisy[marginal], rows, columns)
    return tables


def _fit_both(noisy: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """The whole, non-negative table with these row and column totals nearest to `noisy` (least
    absolute deviations): a small integer program, solved by HiGHS through scipy."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    r, c = noisy.shape
    n = r * c
    # Variables: the cells x, then their distances d >= |x - noisy|; minimise the distances.
    sums = np.zeros((r + c, 2 * n))
    for i in range(r):
        sums[i, i * c : (i + 1) * c] = 1
    for j in range(c):
        sums[r + j, j:n:c] = 1
    eye = np.eye(n)
    above = np.hstack([eye, -eye])  # x - d <= noisy
    below = np.hstack([-eye, -eye])  # -x - d <= -noisy
    y = noisy.ravel().astype(float)
    totals = np.concatenate([rows, columns]).astype(float)
    result = milp(
        c=np.concatenate([np.zeros(n), np.ones(n)]),
        constraints=[
            LinearConstraint(sums, totals, totals),
            LinearConstraint(above, -np.inf, y),
            LinearConstraint(below, -np.inf, -y),
        ],
        integrality=np.concatenate([np.ones(n), np.zeros(n)]),
        bounds=Bounds(0, np.inf),
    )
    if not result.success:
        raise RuntimeError(f"no table fits the margins: {result.message}")
    return np.rint(result.x[:n]).astype(np.int64).reshape(r, c)


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
