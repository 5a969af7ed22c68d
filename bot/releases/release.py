"""One month's release: the consistent noisy tables, stored once and never recomputed, and the
figures every reader works out from them. Pure Python, so /stats reads it without numpy."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.content.model import Content
from bot.privacy.disclosure import EPSILON, REPORTS_PER_MONTH
from bot.releases.design import PAY_ANSWERS, PAY_BAND, PAY_CHECK, Design, derive, derive_choices, design_for
from bot.releases.measure import measure

Cells = dict[tuple[str, ...], int]


@dataclass(frozen=True)
class Release:
    month: str  # "YYYY-MM"
    created: str  # the day it was made, ISO date
    epsilon: float  # what it cost one worker, all of its tables together
    scale: float  # the discrete Laplace noise scale of every cell
    reports_per_month: int  # the contribution bound the noise is scaled to
    attributes: dict[str, tuple[str, ...]]
    tables: dict[tuple[str, ...], list[int]]  # marginal -> counts, flat, in itertools.product order
    seed: int  # for synthetic records: the same release always gives the same file

    @property
    def total(self) -> int:
        return sum(next(iter(self.tables.values())))

    def table(self, names: tuple[str, ...]) -> Cells | None:
        """Counts by `names` (any order), worked out from the first marginal that holds them
        all; None when none does (that table was never measured, so it cannot be released)."""
        marginal = next((m for m in self.tables if set(names) <= set(m)), None)
        if marginal is None:
            return None
        positions = [marginal.index(name) for name in names]
        cells: Cells = dict.fromkeys(itertools.product(*(self.attributes[n] for n in names)), 0)
        for values, count in zip(
            itertools.product(*(self.attributes[n] for n in marginal)), self.tables[marginal], strict=True
        ):
            cells[tuple(values[p] for p in positions)] += count
        return cells

    def to_json(self) -> str:
        data = {
            "month": self.month,
            "created": self.created,
            "epsilon": self.epsilon,
            "scale": self.scale,
            "reports_per_month": self.reports_per_month,
            "attributes": self.attributes,
            "tables": [{"attributes": list(m), "counts": counts} for m, counts in self.tables.items()],
            "seed": self.seed,
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Release:
        data = json.loads(text)
        return cls(
            month=data["month"],
            created=data["created"],
            epsilon=data["epsilon"],
            scale=data["scale"],
            reports_per_month=data["reports_per_month"],
            attributes={name: tuple(codes) for name, codes in data["attributes"].items()},
            tables={tuple(t["attributes"]): list(t["counts"]) for t in data["tables"]},
            seed=data["seed"],
        )


class Tally:
    """Every marginal's true counts, concatenated, added to one report at a time so that a month
    of a million reports is never in memory at once: the only place true counts exist, until the
    one measurement. Pay is worked out once per distinct pay answer (Fractions are slow)."""

    def __init__(self, design: Design, content: Content):
        self._design, self._content = design, content
        self._index = {name: {code: i for i, code in enumerate(codes)} for name, codes in design.attributes.items()}
        self._cells: list[tuple[int, tuple[tuple[str, int], ...]]] = []  # per marginal: offset, (attribute, stride)
        at = 0
        for marginal in design.marginals:
            shape = design.shape(marginal)
            strides = [1] * len(shape)
            for i in range(len(shape) - 2, -1, -1):
                strides[i] = strides[i + 1] * shape[i + 1]
            self._cells.append((at, tuple(zip(marginal, strides, strict=True))))
            at += strides[0] * shape[0]
        self.counts = [0] * at
        self._pay: dict[tuple, dict[str, str]] = {}

    def add(self, answers: Mapping[str, str], n: int = 1) -> None:
        values = self._codes(answers)
        index = self._index
        for offset, parts in self._cells:
            self.counts[offset + sum(index[name][values[name]] * stride for name, stride in parts)] += n

    def _codes(self, answers: Mapping[str, str]) -> Mapping[str, str]:
        pay = tuple(answers.get(name) for name in PAY_ANSWERS)
        if pay not in self._pay:
            derived = derive(answers, self._content, self._design)
            self._pay[pay] = {name: derived[name] for name in (PAY_BAND, PAY_CHECK) if name in derived}
            return derived
        return {**derive_choices(answers, self._content, self._design), **self._pay[pay]}


def exact_counts(design: Design, content: Content, reports: Iterable[tuple[Mapping[str, str], int]]) -> list[int]:
    """Every marginal's true counts, concatenated."""
    tally = Tally(design, content)
    for answers, n in reports:
        tally.add(answers, n)
    return tally.counts


def make_release(
    month: str, content: Content, reports: Iterable[tuple[Mapping[str, str], int]] | Tally, today: dt.date
) -> Release:
    """Measure the month's reports once, with noise, and make the tables consistent. `reports`:
    a Tally of them, or each set of stored answers with how many reports gave it."""
    import numpy as np

    from bot.releases.estimate import consistent

    design = design_for(content)
    counts = reports.counts if isinstance(reports, Tally) else exact_counts(design, content, reports)
    noisy, scale = measure(design, counts)
    arrays, at = {}, 0
    for marginal in design.marginals:
        shape = design.shape(marginal)
        size = int(np.prod(shape))
        arrays[marginal] = np.array(noisy[at : at + size], dtype=float).reshape(shape)
        at += size
    tables = consistent(design, arrays)
    return Release(
        month=month,
        created=today.isoformat(),
        epsilon=EPSILON,
        scale=scale,
        reports_per_month=REPORTS_PER_MONTH,
        attributes=design.attributes,
        tables={m: [int(x) for x in tables[m].ravel()] for m in design.marginals},
        seed=secrets.randbits(63),
    )
