"""Research exports, tier 1: tables (the default), worked out from the stored releases alone.

- tables.csv / tables.jsonl: counts by the dimensions asked (the period and up to two answers),
  every margin (ALL) included, each count with the standard error of its noise. A month is one
  release; a quarter is the sum of its three months' releases (bot/exports/periods.py). Only
  combinations a measured table holds can be exported: any other was never measured, and is
  refused with the list of those that were.
- pay_medians.csv / .jsonl: the median pay band per country and pay unit, per period and over
  all of them, from the noisy (country, pay unit, pay band) table, where the group counts at
  least THRESHOLD reports.
- chart.png: shares per country over the export's months, from the same tables.

The rule of 10 is kept only for readers' figures (medians, the chart's shares): the counts
themselves go out as released, since the noise, not hiding, is what protects them.
matplotlib is imported on first use, so that the bot starts as fast without it.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.content.model import Content
from bot.exports.codebook import (
    ALL,
    MARGIN_LABEL,
    attribute_variable,
    country_name,
    labels,
    number,
    privacy_notes,
    variance,
)
from bot.exports.options import PERIOD, ExportOptions, ExportRefused, Summary, Variable
from bot.exports.periods import grouped, in_range
from bot.privacy.disclosure import THRESHOLD
from bot.releases.design import CENTER, NOT_ANSWERED, PAY_BAND, PAY_CHECK
from bot.releases.pay import BELOW
from bot.releases.release import Release
from bot.stats.figures import medians_of
from bot.tools.fairpay import minimum_hourly

TABLES_CSV, TABLES_JSONL = "tables.csv", "tables.jsonl"
PAY_CSV, PAY_JSONL = "pay_medians.csv", "pay_medians.jsonl"
CHART = "chart.png"
PAY_UNIT = "pay_unit"


def write_tables(releases: list[Release], content: Content, options: ExportOptions, folder: Path) -> Summary:
    """Write the tables tier into `folder`; ExportRefused when it cannot be made from the releases."""
    periods = grouped(in_range(releases, options), options.period)
    used = [r for group in periods.values() for r in group]
    attributes = tuple(d for d in options.dimensions if d != PERIOD)
    codes = _codes(used, attributes)
    table = Table.build(options.dimensions, periods, attributes, codes)
    table.write(folder)
    files = [TABLES_CSV, TABLES_JSONL]
    notes = [*privacy_notes(used), *_notes(options, used)]
    variables = _variables(content, table)
    if all(r.table((CENTER, PAY_UNIT, PAY_BAND)) is not None for r in used):
        _write_pay_medians(folder, pay_medians(content, periods))
        files += [PAY_CSV, PAY_JSONL]
        variables += _pay_variables(content)
        notes.append(
            f"pay_medians: the median pay band per country and pay unit (the band of the middle report, the lower "
            f"middle one for an even count), per period and over all of them (period ALL), worked out from the noisy "
            f"counts by country, pay unit and pay band, counting only bands in the country's own currency. A group "
            f"of fewer than {THRESHOLD} reports (as counted there) has no median; with noise, a median over few "
            "reports is itself uncertain."
        )
    panels = chart_panels(content, used)
    if panels:
        (folder / CHART).write_bytes(render_chart(panels))
        files.append(CHART)
        notes.append(
            f"chart.png: shares per country over all the export's months, from the same noisy counts; a share is "
            f"drawn only when its group has at least {THRESHOLD} reports. Paid below the minimum wage is of all the "
            "country's reports, those whose pay cannot be compared included, so it is a lower bound."
        )
    return Summary(
        files=files, variables=variables, rows_released=table.grand_total, months=[r.month for r in used], notes=notes
    )


# --- the table ---------------------------------------------------------------------------------


def _codes(releases: list[Release], attributes: tuple[str, ...]) -> dict[str, list[str]]:
    """Each attribute's codes over the releases (newest's order first: content order), or the
    refusal of a combination no release measured."""
    known: dict[str, list[str]] = {}
    for release in reversed(releases):
        for name, values in release.attributes.items():
            known.setdefault(name, [])
            known[name] += [v for v in values if v not in known[name]]
    unknown = [a for a in attributes if a not in known]
    if unknown:
        raise ValueError(f"unknown dimension {', '.join(unknown)}: choose from {', '.join([PERIOD, *known])}")
    for release in releases:
        if release.table(attributes) is None:
            raise ExportRefused(
                f"Counts by {' × '.join(attributes)} were never measured, so they cannot be exported: each month "
                "measures a few tables only, and any other combination would cost more privacy. Choose up to two "
                "answers that one of these measured tables holds: "
                + "; ".join(" × ".join(m) for m in release.tables)
                + "."
            )
    return {a: known[a] for a in attributes}


def release_cells(
    release: Release, attributes: tuple[str, ...], codes: dict[str, list[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """One release's counts by `attributes` (axes in that order, over `codes`), and each count's
    noise variance: the measured table's cells summed, so n cells give n times one cell's."""
    marginal = next(m for m in release.tables if set(attributes) <= set(m))  # as Release.table chooses
    full = np.array(release.tables[marginal], dtype=np.int64).reshape([len(release.attributes[n]) for n in marginal])
    summed = tuple(i for i, n in enumerate(marginal) if n not in attributes)
    kept = [n for n in marginal if n in attributes]
    cells = full.sum(axis=summed).transpose([kept.index(a) for a in attributes]) if attributes else full.sum()
    per_cell = math.prod(full.shape[i] for i in summed) * variance(release.scale)
    counts = np.zeros([len(codes[a]) for a in attributes], dtype=np.int64)
    noise = np.zeros(counts.shape)
    where = np.ix_(*([codes[a].index(v) for v in release.attributes[a]] for a in attributes))
    counts[where] = cells
    noise[where] = per_cell
    return counts, noise


def with_margins(array: np.ndarray, axes: Iterable[int]) -> np.ndarray:
    """Along each axis, one more entry last: the sum over the axis (ALL)."""
    for axis in axes:
        array = np.concatenate([array, array.sum(axis=axis, keepdims=True)], axis=axis)
    return array


@dataclass
class Table:
    """Counts by the chosen dimensions with every margin (along each axis the last entry is ALL),
    and the noise variance of each."""

    dimensions: tuple[str, ...]
    values: list[list[str]]  # per dimension, without ALL
    counts: np.ndarray
    noise: np.ndarray

    @classmethod
    def build(
        cls,
        dimensions: tuple[str, ...],
        periods: dict[str, list[Release]],
        attributes: tuple[str, ...],
        codes: dict[str, list[str]],
    ) -> Table:
        by_period = []
        for group in periods.values():
            parts = [release_cells(r, attributes, codes) for r in group]
            by_period.append((sum(c for c, _ in parts), sum(v for _, v in parts)))
        counts = np.stack([c for c, _ in by_period])  # the period first, then the attributes
        noise = np.stack([v for _, v in by_period])
        if PERIOD in dimensions:
            axes = [PERIOD, *attributes]
            counts, noise = (with_margins(a, range(a.ndim)) for a in (counts, noise))
        else:
            axes = list(attributes)
            counts, noise = (with_margins(a.sum(axis=0), range(a.ndim - 1)) for a in (counts, noise))
        order = [axes.index(d) for d in dimensions]
        values = [list(periods) if d == PERIOD else codes[d] for d in dimensions]
        return cls(dimensions, values, counts.transpose(order), noise.transpose(order))

    @property
    def grand_total(self) -> int:
        return int(self.counts[(-1,) * len(self.dimensions)])

    def rows(self) -> Iterable[dict[str, object]]:
        """The cells in a fixed order (content order, ALL last)."""
        named = [[*values, ALL] for values in self.values]
        for where in np.ndindex(self.counts.shape):
            row: dict[str, object] = {d: named[i][where[i]] for i, d in enumerate(self.dimensions)}
            row["reports"] = int(self.counts[where])
            row["standard_error"] = round(math.sqrt(self.noise[where]), 2)
            yield row

    def columns(self) -> list[str]:
        return [*self.dimensions, "reports", "standard_error"]

    def write(self, folder: Path) -> None:
        _write(folder, TABLES_CSV, TABLES_JSONL, self.columns(), self.rows())


def _write(folder: Path, csv_name: str, jsonl_name: str, columns: list[str], rows: Iterable[dict]) -> None:
    with (
        (folder / csv_name).open("w", newline="", encoding="utf-8") as out_csv,
        (folder / jsonl_name).open("w", encoding="utf-8") as out_json,
    ):
        writer = csv.writer(out_csv)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else row[c] for c in columns])
            out_json.write(json.dumps(row, ensure_ascii=False) + "\n")


# --- pay medians -------------------------------------------------------------------------------

PAY_COLUMNS = [
    PERIOD,
    "country",
    PAY_UNIT,
    "currency",
    "reports",
    "median_band_low",
    "median_band_high",
    "median_band",
]


def pay_medians(content: Content, periods: dict[str, list[Release]]) -> list[dict[str, object]]:
    """Per period (then ALL) and per country and pay unit: the median band, where the group's
    count in the country's currency is at least THRESHOLD (bot.stats.figures.medians_of, as /stats)."""
    groups = {**periods, ALL: [release for group in periods.values() for release in group]}
    return [
        {
            PERIOD: period,
            "country": m.country,
            PAY_UNIT: m.unit,
            "currency": m.currency,
            "reports": m.reports,
            "median_band_low": _plain(m.low),
            "median_band_high": None if m.high is None else _plain(m.high),
            "median_band": f"{number(m.low)} {m.currency} or more"
            if m.high is None
            else f"{number(m.low)} to {number(m.high)} {m.currency}",
        }
        for period, group in groups.items()
        for m in medians_of(content, group)
    ]


def _plain(value) -> int | float:
    return value.numerator if value.denominator == 1 else float(value)


def _write_pay_medians(folder: Path, medians: list[dict]) -> None:
    _write(folder, PAY_CSV, PAY_JSONL, PAY_COLUMNS, medians)


# --- the chart ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """One panel of the chart: the share of a country's reports with some answers."""

    title: str
    question: str  # the attribute counted
    codes: tuple[str, ...]  # the answers in the share (out of those answered, or of all for pay_check)


SHARES = (
    Share("Paid below the minimum wage (of all reports)", PAY_CHECK, (BELOW,)),
    Share("Pay often late, or not paid at all", "late_pay", ("often", "unpaid")),
    Share("Disturbing content every week or every day", "exposure", ("weekly", "daily")),
    Share("No psychological support at work", "support", ("none",)),
)


@dataclass
class Panel:
    share: Share
    rows: list[tuple[str, float | None]] = field(default_factory=list)  # (country label, share or too few)


def chart_panels(content: Content, releases: list[Release]) -> list[Panel]:
    """Each share per country over these releases, or None where its group is under THRESHOLD."""
    panels = []
    for share in SHARES:
        names = (CENTER, share.question)
        if any(r.table(names) is None for r in releases):
            continue
        codes = {n: list(releases[-1].attributes[n]) for n in names}
        for release in releases:
            for n in names:
                codes[n] += [v for v in release.attributes[n] if v not in codes[n]]
        cells = sum(release_cells(r, names, codes)[0] for r in releases)
        inside = [i for i, code in enumerate(codes[share.question]) if code in share.codes]
        counted = [i for i, code in enumerate(codes[share.question]) if code != NOT_ANSWERED]
        countries = codes[CENTER]
        if share.question == PAY_CHECK:
            counted = list(range(len(codes[share.question])))
            countries = [
                c for c in countries if c in content.countries and minimum_hourly(content.countries[c]) is not None
            ]
        panel = Panel(share)
        for code in countries:
            row = cells[codes[CENTER].index(code)]
            total, yes = int(row[counted].sum()), int(row[inside].sum())
            panel.rows.append((country_name(code), yes / total if total >= THRESHOLD else None))
        panels.append(panel)
    return panels


CHART_CAPTION = (
    "From Haki's differentially private releases: every count carries random noise (see the codebook).\n"
    f"A share is drawn only when at least {THRESHOLD} reports are counted in it; otherwise its bar is hatched.\n"
    "Below the minimum wage: of all the country's reports, those that cannot be compared (paid per day or\n"
    "per task, no amount, another currency, a band spanning the minimum) included: a lower bound.\n"
    "Only countries whose minimum wage Haki knows. Other shares: of the reports that answered the question."
)
SHARE_COLOR, HIDDEN_COLOR = "#c05621", "#a0aec0"
HIDDEN_LENGTH = 6  # percent: a stub for too few reports, not to scale


def render_chart(panels: list[Panel]) -> bytes:
    """The shares as horizontal bars, one panel per measure, as PNG bytes (English labels)."""
    from matplotlib.figure import Figure  # lazily: see the module's docstring

    heights = [0.3 * len(p.rows) + 0.7 for p in panels]
    figure = Figure(figsize=(7.2, sum(heights) + 1.8), dpi=110, layout="constrained")
    axes = figure.subplots(len(panels), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, panel in zip(axes, panels, strict=True):
        names = [label for label, _ in panel.rows]
        shares = [share for _, share in panel.rows]
        positions = range(len(names))
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
        texts = [f"{round(s * 100)}%" if s is not None else f"under {THRESHOLD} reports" for s in shares]
        ax.bar_label(bars, labels=texts, padding=3, fontsize=8)
        ax.set_yticks(list(positions), names, fontsize=9)
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


def _variables(content: Content, table: Table) -> list[Variable]:
    found = []
    for dim, values in zip(table.dimensions, table.values, strict=True):
        if dim == PERIOD:
            variable = Variable(
                PERIOD,
                "The month (YYYY-MM) or quarter (YYYY-Qn) of the reports: the month in which the Thursday of the "
                "report's ISO week falls.",
                labels(content, PERIOD, values),
            )
        else:
            variable = attribute_variable(content, dim, values)
        found.append(Variable(variable.name, variable.description, variable.codes | {ALL: MARGIN_LABEL}))
    found.append(
        Variable(
            "reports",
            "The number of reports in the cell, as released: with noise, made consistent (a whole number of at "
            "least 0; the cells of a line add up exactly to its ALL cell).",
        )
    )
    found.append(
        Variable(
            "standard_error",
            "The standard error of the cell's noise, in reports: the square root of n x 2e^(-1/b) / (1 - e^(-1/b))^2, "
            "where b is the month's noise scale and n the number of measured cells the count adds up (summed over "
            "the months of a quarter or of ALL).",
        )
    )
    return found


def _pay_variables(content: Content) -> list[Variable]:
    return [
        Variable("currency", "In pay_medians: the currency of the pay bands (the country's own)."),
        Variable("median_band_low", "In pay_medians: the lower end of the median pay band (the band includes it)."),
        Variable(
            "median_band_high",
            "In pay_medians: the upper end of the median pay band (the band stops short of it); empty for the top "
            "band.",
        ),
        Variable("median_band", "In pay_medians: the median pay band in words."),
        attribute_variable(content, PAY_UNIT, content_codes(content, PAY_UNIT), "(In pay_medians.)"),
    ]


def content_codes(content: Content, question: str) -> list[str]:
    return list(next((q.options for q in content.survey.questions if q.id == question), ()))


def _notes(options: ExportOptions, releases: list[Release]) -> list[str]:
    notes = [
        f"reports: counts by {', '.join(options.dimensions)}, every margin included: ALL is the total over a "
        f"dimension. {NOT_ANSWERED} counts the reports that skipped the question (or answered with a code since "
        "removed). Every count is shown as released, small ones too: the noise protects them, and a count under "
        f"{THRESHOLD} is mostly noise, so publish none as such.",
        "standard_error: the noise's standard error of each count, from the noise scale: discrete Laplace noise of "
        "scale b has a variance of 2e^(-1/b) / (1 - e^(-1/b))^2 per measured cell, and a count that adds up n "
        "measured cells (a margin, a count read from a larger measured table, or the months of a quarter) has n "
        "times that. It leaves out the consistency step (which shrinks the error of large counts a little, and "
        "pushes counts near 0 upwards) and any sampling error of who chose to report.",
        "Only the tables each month measured can be exported (any other combination was never measured, and would "
        "cost privacy): " + "; ".join(" × ".join(m) for m in releases[-1].tables) + ". Counts by one or two "
        "answers that one of these holds are worked out from it.",
    ]
    if options.period == "quarter":
        notes.append(
            "A quarter's counts are the sums of its three months' releases, and only quarters whose three months are "
            "all released (and asked for) are exported; its standard errors add the three months' variances."
        )
    return notes
