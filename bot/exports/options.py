"""What a researcher asks of an export (ExportOptions) and what a tier gives back (Summary,
Variable, ExportRefused): shared by run.py, which dispatches, and the tiers it dispatches to
(tables.py, microdata.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

TIERS = ("tables", "microdata")
PERIODS = ("month", "quarter")
MIN_K = 3  # below this, k-anonymity protects nobody (the SDC Practice Guide's usual levels are 3 and 5)
DEFAULT_K = 5
MAX_DIMENSIONS = 3


class ExportRefused(Exception):
    """Nothing can be released safely; the message says why and what to try instead."""


@dataclass(frozen=True)
class ExportOptions:
    tier: str = "tables"
    period: str = "month"
    dimensions: tuple[str, ...] = ("period", "country", "task")  # tables: what the counts are by
    k: int = DEFAULT_K  # microdata
    with_text: bool = False  # microdata: reviewer-released free text, only when asked

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"tier must be one of {', '.join(TIERS)}, not {self.tier!r}")
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {self.period!r}")
        if self.k < MIN_K:
            raise ValueError(f"k must be at least {MIN_K}: below that, rows protect nobody")
        if not 1 <= len(self.dimensions) <= MAX_DIMENSIONS or len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError(f"choose 1 to {MAX_DIMENSIONS} different dimensions")
        if self.with_text and self.tier != "microdata":
            raise ValueError("free text exists only in the microdata tier")


@dataclass(frozen=True)
class Variable:
    """One column of an export, for the codebook."""

    name: str
    description: str
    codes: dict[str, str] = field(default_factory=dict)  # code -> label (English)
    generalization: str = ""  # what was done to it before release, if anything


@dataclass
class Summary:
    """What a tier wrote into the export folder."""

    files: list[str]  # names inside the folder, data files first
    variables: list[Variable]
    rows_released: int  # microdata: rows; tables: reports counted
    rows_suppressed: int  # microdata: rows left out; tables: cells suppressed
    achieved_k: int | None = None  # microdata: the smallest group of identical quasi-identifiers
    notes: list[str] = field(default_factory=list)  # the rules applied, in plain words
