"""What a researcher asks of an export (ExportOptions) and what a tier gives back (Summary,
Variable, ExportRefused): shared by run.py, which dispatches, and the tiers it dispatches to
(tables.py, microdata.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TIERS = ("tables", "microdata")
PERIODS = ("month", "quarter")
PERIOD = "period"
MAX_ATTRIBUTES = 2  # besides the period: every measured table is by at most two answers (and the country)
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class ExportRefused(Exception):
    """Nothing can be released; the message says why and what to try instead."""


@dataclass(frozen=True)
class ExportOptions:
    tier: str = "tables"
    period: str = "month"  # microdata: always the month
    dimensions: tuple[str, ...] = (PERIOD, "country", "task")  # tables: what the counts are by
    first: str | None = None  # the first month ("YYYY-MM") to export; None: the first released
    last: str | None = None  # the last month to export; None: the last released

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}, not {self.tier!r}")
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")
        if self.tier == "microdata" and self.period != "month":
            raise ValueError("microdata is by month: each month's records are drawn from that month's release")
        attributes = [d for d in self.dimensions if d != PERIOD]
        if not self.dimensions or len(set(self.dimensions)) != len(self.dimensions) or len(attributes) > MAX_ATTRIBUTES:
            raise ValueError(f"choose up to {MAX_ATTRIBUTES} different answers to count by, and the period if wanted")
        for month in (self.first, self.last):
            if month is not None and not MONTH.fullmatch(month):
                raise ValueError(f"a month is written YYYY-MM, not {month!r}")
        if self.first and self.last and self.first > self.last:
            raise ValueError(f"the first month ({self.first}) comes after the last ({self.last})")


@dataclass(frozen=True)
class Variable:
    """One column of an export, for the codebook."""

    name: str
    description: str
    codes: dict[str, str] = field(default_factory=dict)  # code -> label (English)


@dataclass
class Summary:
    """What a tier wrote into the export folder."""

    files: list[str]  # names inside the folder, data files first
    variables: list[Variable]
    rows_released: int  # microdata: synthetic records; tables: the (noisy) number of reports counted
    months: list[str]  # the released months the export is made from
    notes: list[str] = field(default_factory=list)  # the rules applied, in plain words
