"""Which cells of a table of counts to suppress, for the tables tier (bot/exports/tables.py).

Every count from 1 to 9 (primary suppression), and then more counts (complementary suppression)
until no suppressed count from 1 to 9 can be shown to be under 10 by someone who knows every
published number, that each line of the table adds up to its ALL cell, and that a suppressed
count is a whole number of at least 1 (zeros are shown): see ../shared/research/privacy-and-safety.md,
2.3 and AC-13. `protect` checks this with linear programming, and integer programming where a
linear solution is fractional (scipy, HiGHS).

scipy is imported on first use, so that the bot starts as fast without it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from bot.privacy.disclosure import THRESHOLD

log = logging.getLogger(__name__)

MIP_SECONDS = 10.0  # an integer program that has not proved a cell safe by then counts as unsafe


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
