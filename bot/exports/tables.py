"""Research exports, tier 1: tables (the default). Counts and medians by the dimensions a
researcher picks, every margin included (bot/exports/crosstab.py), with small cells suppressed so
that none can be worked out from the rest (bot/exports/suppression.py); median pay per country;
a chart of shares per country.

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
matplotlib is imported on first use (scipy too, in suppression.py), so that the bot starts as
fast without them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton

from bot.content.model import Content
from bot.content.schema import OTHER_COUNTRY
from bot.exports.crosstab import ALL, NOT_ANSWERED, PERIOD, TABLES_CSV, TABLES_JSONL, Table, answer_codes
from bot.exports.options import ExportOptions, ExportRefused, Summary, Variable
from bot.exports.suppression import Unprotectable, protect
from bot.privacy.disclosure import THRESHOLD
from bot.stats.figures import BELOW, band_text, classify, medians_of
from bot.store.research import ReportReader
from bot.tools.fairpay import minimum_hourly
from bot.ui.texts import Texts

log = logging.getLogger(__name__)

MEDIANS = ("hours", "unpaid")  # ordinal bands whose median each cell gets
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
            _code_labels(content, name, answer_codes(content, name)),
        )
    extra = {
        PERIOD: Variable(PERIOD, "In pay_medians: always ALL, medians are over all periods.", {ALL: "All periods"}),
        "country": Variable(
            "country", "In pay_medians: the country.", _code_labels(content, "country", content.countries)
        ),
        "pay_unit": Variable(
            "pay_unit",
            "In pay_medians: what the pay is counted per (hour, day, week, month or task).",
            _code_labels(content, "pay_unit", answer_codes(content, "pay_unit")),
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
