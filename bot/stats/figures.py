"""Organizers' statistics (/stats): aggregate counts of the anonymous reports, pay against the
minimum wage, median pay bands; the text screens here, the chart in bot/stats/chart.py.
Pure: no Telegram, no database (the counts come from bot/store/reports.py, report_tallies).

Small numbers are never shown, so that nobody can be singled out:
- a count from 1 to 9 is shown as "<10" (0 stays 0);
- where counts add up to a total that is shown, one more count is hidden ("10+") when a small
  one could otherwise be worked out by subtraction; when that is not possible the whole table
  is withheld;
- a share is shown only for a count and a group that are both shown and 10 or more; a median
  only over 10 or more reports.
A Cell keeps the true number only when it may be shown, so what renders it cannot leak it.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from babel.dates import format_skeleton
from babel.numbers import format_percent

from bot.content.model import Content, Country
from bot.content.schema import OTHER_COUNTRY
from bot.privacy.disclosure import THRESHOLD
from bot.tools.fairpay import minimum_hourly
from bot.ui.screens import sources
from bot.ui.texts import Texts

# Hidden counts must leave a small one anywhere from 1 to 9: their excess over THRESHOLD adds up to this.
_SLACK = THRESHOLD - 2
MONTHS_SHOWN = 6
EARLIER = "earlier"  # the months row for reports before the last MONTHS_SHOWN months
SCREEN_CHARS = 900  # a phone screen; a block longer than this gets a message of its own
# Weekly hours bands of the report (content/survey.yaml), as (at least, less than) hours a week:
# wide enough to hold any answer a person could mean by the band.
WEEKLY_HOURS = {"lt20": (0, 20), "h20_39": (20, 40), "h40_48": (40, 49), "h49_60": (49, 61), "gt60": (60, 168)}
WEEKS_PER_MONTH = Fraction(52, 12)
BELOW, NOT_BELOW, UNKNOWN = "below", "not_below", "unknown"
# The fields of each tally row (see REPORT_TALLY_FIELDS in bot/store/reports.py).
_COUNTRY, _TASK, _UNIT, _BAND, _CURRENCY, _HOURS = range(6)

Tally = tuple[tuple[str | None, ...], int]


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown. `value` is the number only when kind is "exact"."""

    kind: str  # "exact", "small" (1 to 9) or "hidden" (10 or more, hidden to protect a small one)
    value: int | None = None

    @property
    def exact(self) -> bool:
        return self.kind == "exact"


@dataclass(frozen=True)
class Row:
    key: str  # a country or task code, a month "YYYY-MM", EARLIER, or BELOW/NOT_BELOW/UNKNOWN
    cell: Cell
    share: float | None = None  # of the group's total, when it may be shown


@dataclass(frozen=True)
class PayCheck:
    """One country's reports against its minimum wage."""

    country: Country
    minimum_hourly: Fraction
    total: int  # shown exactly: only such countries are compared
    rows: tuple[Row, ...] | None  # below, not below, can't tell; None when too few to show safely

    @property
    def below_share(self) -> float | None:
        return self.rows[0].share if self.rows else None


@dataclass(frozen=True)
class Median:
    country: str
    unit: str  # pay_unit code
    currency: str
    low: Fraction  # the median report's pay band: [low, high)
    high: Fraction | None  # None for the top band


@dataclass(frozen=True)
class Stats:
    total: Cell
    countries: tuple[Row, ...] | None  # None: withheld, too few reports to show safely
    tasks: tuple[Row, ...] | None
    months: tuple[Row, ...] | None  # EARLIER first (when any), then the months, oldest first
    pay: tuple[PayCheck, ...]
    not_compared: tuple[str, ...]  # countries with a minimum wage but too few reports shown
    medians: tuple[Median, ...]

    @property
    def any_hidden(self) -> bool:
        tables = [self.countries, self.tasks, self.months, *(p.rows for p in self.pay)]
        return any(row.cell.kind == "hidden" for rows in tables if rows for row in rows)


# --- computing ---------------------------------------------------------------------------------


def compute(content: Content, tallies: Iterable[Tally], weeks: Iterable[tuple[str, int]]) -> Stats:
    tallies = list(tallies)
    total = sum(count for _, count in tallies)
    total_cell = _cell(total)
    countries_with_minimum = {code for code, c in content.countries.items() if minimum_hourly(c) is not None}

    by_country = Counter[str]()
    by_task = Counter[str]()
    for answers, count in tallies:
        by_country[answers[_COUNTRY] or OTHER_COUNTRY] += count
        by_task[answers[_TASK] or ""] += count
    country_order = [*content.countries, OTHER_COUNTRY]
    task_order = next((q.options for q in content.survey.questions if q.id == "task"), ())
    # Hide counts of countries without a minimum wage first, so the compared ones stay exact.
    countries = _table(_ordered(by_country, country_order), total, keep=countries_with_minimum)
    tasks = _table(_ordered(by_task, task_order), total)
    months = _table(_months(weeks), total)

    shown = {row.key: row.cell for row in countries or ()}
    pay, not_compared = [], []
    for code in content.countries:
        if code not in countries_with_minimum:
            continue
        cell = shown.get(code)
        if cell is None or not cell.exact or cell.value < THRESHOLD:
            not_compared.append(code)
            continue
        country = content.countries[code]
        counts = Counter[str]({BELOW: 0, NOT_BELOW: 0, UNKNOWN: 0})
        verdicts: dict[tuple[str | None, ...], str] = {}  # the task does not matter: one verdict per pay answer
        for answers, count in tallies:
            if answers[_COUNTRY] == code:
                pay_answers = answers[_UNIT:]
                if pay_answers not in verdicts:
                    verdicts[pay_answers] = classify(answers, country, content.survey.pay_bands)
                counts[verdicts[pay_answers]] += count
        rows = _table(dict(counts), cell.value, keep={BELOW}, zero_share=True)  # "below" stays exact if it can
        pay.append(PayCheck(country, Fraction(minimum_hourly(country)), cell.value, rows))
    return Stats(total_cell, countries, tasks, months, tuple(pay), tuple(not_compared), medians_of(content, tallies))


def classify(answers: Sequence[str | None], country: Country, pay_bands: Sequence[float]) -> str:
    """BELOW, NOT_BELOW or UNKNOWN the country's hourly minimum wage, from one report's answers."""
    minimum = minimum_hourly(country)
    if minimum is None or not country.currency or answers[_CURRENCY] != country.currency:
        return UNKNOWN
    band = _band(answers[_BAND], pay_bands)
    hourly = hourly_range(answers[_UNIT], band, answers[_HOURS]) if band else None
    if hourly is None:
        return UNKNOWN
    lowest, highest = hourly
    # A band's top is not part of it (a band is [low, high)), so pay at most the top is below.
    if highest is not None and highest <= minimum:
        return BELOW
    if lowest >= minimum:
        return NOT_BELOW
    return UNKNOWN


def hourly_range(
    unit: str | None, band: tuple[Fraction, Fraction | None], hours: str | None
) -> tuple[Fraction, Fraction | None] | None:
    """The lowest and highest hourly pay a pay band can mean (None: no upper limit), or None when
    it cannot be told: pay per day or per task says nothing of the hours."""
    low, high = band
    if unit == "hour":
        return low, high
    if unit not in ("week", "month") or hours not in WEEKLY_HOURS:
        return None
    least, most = (Fraction(h) * (1 if unit == "week" else WEEKS_PER_MONTH) for h in WEEKLY_HOURS[hours])
    return low / most, (high / least if high is not None and least else None)


def month_of(week: str) -> str:
    """The month ("YYYY-MM") of an ISO week ("YYYY-Www"): the month its Thursday falls in."""
    year, number = week.split("-W")
    return dt.date.fromisocalendar(int(year), int(number), 4).strftime("%Y-%m")


def protect(counts: dict[str, int], keep: frozenset[str] | set[str] = frozenset()) -> dict[str, Cell] | None:
    """Cells for counts that add up to a total that is shown exactly; None when they cannot be
    shown without revealing a small one. Counts from 1 to 9 become "small"; if there is any,
    counts of 10 or more are hidden too, until a small one could be anything from 1 to 9 whatever
    the others (those in `keep` only as a last resort)."""
    cells = {key: _cell(count) for key, count in counts.items()}
    if not any(cell.kind == "small" for cell in cells.values()):
        return cells
    candidates = sorted((k for k, v in counts.items() if v >= THRESHOLD), key=lambda k: (k in keep, counts[k]))
    roomy = [k for k in candidates if counts[k] - THRESHOLD >= _SLACK]
    hide = roomy[:1]  # one count with room enough, the least useful one
    if not hide:
        slack = 0
        for key in candidates:
            hide.append(key)
            slack += counts[key] - THRESHOLD
            if slack >= _SLACK:
                break
        else:
            return None
    return {key: Cell("hidden") if key in hide else cell for key, cell in cells.items()}


def _cell(count: int) -> Cell:
    return Cell("small") if 0 < count < THRESHOLD else Cell("exact", count)


def _table(
    counts: dict[str, int], total: int, keep: set[str] | frozenset[str] = frozenset(), zero_share: bool = False
) -> tuple[Row, ...] | None:
    """Rows with their shares of the total (a total under 10 gets none); None when withheld.
    `zero_share`: a count of 0 gets its 0 % too (where "none of them" is worth saying)."""
    cells = protect(counts, keep) if total >= THRESHOLD else {k: _cell(v) for k, v in counts.items()}
    if cells is None:
        return None
    return tuple(Row(key, cell, _share(cell, total, zero_share)) for key, cell in cells.items())


def _share(cell: Cell, total: int, zero_share: bool) -> float | None:
    if total < THRESHOLD or not cell.exact or (cell.value < THRESHOLD and not (zero_share and cell.value == 0)):
        return None
    return cell.value / total


def _ordered(counts: Counter[str], order: Sequence[str]) -> dict[str, int]:
    """Every expected key (zeros too), in content order, then any others: an order that says
    nothing of the counts."""
    return {key: counts.get(key, 0) for key in [*order, *sorted(k for k in counts if k not in order)]}


def _months(weeks: Iterable[tuple[str, int]]) -> dict[str, int]:
    by_month = Counter[str]()
    for week, count in weeks:
        try:
            by_month[month_of(week)] += count
        except ValueError:
            by_month["0000-00"] += count  # not a week (never written so): counted as earlier
    recent = sorted(m for m, count in by_month.items() if count and m != "0000-00")[-MONTHS_SHOWN:]
    earlier = sum(count for month, count in by_month.items() if month not in recent)
    return ({EARLIER: earlier} if earlier else {}) | {month: by_month[month] for month in recent}


def _band(band: str | None, pay_bands: Sequence[float]) -> tuple[Fraction, Fraction | None] | None:
    """A stored pay band ("100") as [low, high): high is the next band's start, None for the top."""
    return _band_of(band, tuple(pay_bands))


@functools.lru_cache(maxsize=1024)
def _band_of(band: str | None, pay_bands: tuple[float, ...]) -> tuple[Fraction, Fraction | None] | None:
    if band is None:
        return None
    try:
        low = Fraction(band)
    except ValueError:
        return None
    higher = [Fraction(str(b)) for b in pay_bands if Fraction(str(b)) > low]
    return low, (min(higher) if higher else None)


def medians_of(content: Content, tallies: list[Tally]) -> tuple[Median, ...]:
    """Per country and pay unit with 10 or more reports in the country's currency: the pay band
    of the middle report (the lower middle one for an even number)."""
    unit_order = next((q.options for q in content.survey.questions if q.id == "pay_unit"), ())
    groups: dict[tuple[str, str], Counter[Fraction]] = {}
    bands: dict[Fraction, tuple[Fraction, Fraction | None]] = {}
    for answers, count in tallies:
        country = content.countries.get(answers[_COUNTRY] or "")
        band = _band(answers[_BAND], content.survey.pay_bands)
        unit = answers[_UNIT]
        if country is None or not country.currency or answers[_CURRENCY] != country.currency or not band or not unit:
            continue
        bands[band[0]] = band
        groups.setdefault((country.code, unit), Counter())[band[0]] += count
    medians = []
    for code in content.countries:
        for unit in [*unit_order, *sorted(u for c, u in groups if c == code and u not in unit_order)]:
            counts = groups.get((code, unit))
            if not counts or sum(counts.values()) < THRESHOLD:
                continue
            middle, seen = (sum(counts.values()) + 1) // 2, 0
            for low in sorted(counts):
                seen += counts[low]
                if seen >= middle:
                    medians.append(Median(code, unit, content.countries[code].currency or "", *bands[low]))
                    break
    return tuple(medians)


# --- rendering ---------------------------------------------------------------------------------


def count_text(t: Texts, cell: Cell) -> str:
    """A count as shown: the number, "<10", or "10+" for one hidden to protect a small one."""
    if cell.kind == "small":
        return t.plain("stats_small", limit=THRESHOLD)
    if cell.kind == "hidden":
        return t.plain("stats_hidden", limit=THRESHOLD)
    return t.number(cell.value)


def percent(t: Texts, share: float) -> str:
    return format_percent(share, locale=t.locale)


def country_label(t: Texts, code: str) -> str:
    return t.plain("stats_other_country") if code == OTHER_COUNTRY else t.country_name(code)


def task_label(t: Texts, code: str) -> str:
    return t.pack.survey.get(f"task_{code}") or (code or t.plain("stats_not_given"))


def month_label(t: Texts, key: str) -> str:
    if key == EARLIER:
        return t.plain("stats_earlier")
    year, month = key.split("-")
    return format_skeleton("yMMMM", dt.date(int(year), int(month), 1), locale=t.locale)


def screens(stats: Stats, t: Texts) -> list[str]:
    """The statistics as Telegram HTML messages: counts, pay against the minimum, medians."""
    if stats.total.value == 0:
        return [t.ui("stats_none")]
    if not stats.total.exact:
        return [t.ui("stats_too_few", limit=THRESHOLD)]
    overview = [
        f"<b>{t.ui('stats_title', total=t.number(stats.total.value))}</b>\n"
        + t.ui("stats_small_note", limit=THRESHOLD)
        + (f"\n{t.ui('stats_hidden_note', limit=THRESHOLD)}" if stats.any_hidden else ""),
        _table_block(t, "stats_by_country", stats.countries, lambda key: country_label(t, key)),
        _table_block(t, "stats_by_task", stats.tasks, lambda key: task_label(t, key)),
        _table_block(t, "stats_by_month", stats.months, lambda key: month_label(t, key)),
    ]
    pay = [f"<b>{t.ui('stats_pay_title')}</b>\n{t.ui('stats_pay_note')}"]
    pay += [_pay_block(t, check) for check in stats.pay]
    if stats.not_compared:
        names = ", ".join(t.country_name(code) for code in stats.not_compared)
        pay.append(t.ui("stats_not_compared", countries=names, limit=THRESHOLD))
    medians = [f"<b>{t.ui('stats_medians_title', limit=THRESHOLD)}</b>"]
    by_country: dict[str, list[Median]] = {}
    for median in stats.medians:
        by_country.setdefault(median.country, []).append(median)
    medians += [
        "\n".join([f"<b>{html.escape(t.country_name(code), quote=False)}</b>", *(_median_line(t, m) for m in group)])
        for code, group in by_country.items()
    ] or [t.ui("stats_no_medians", limit=THRESHOLD)]
    return [*pack(overview), *pack(pay), *pack(medians)]


def pack(blocks: list[str], limit: int = SCREEN_CHARS) -> list[str]:
    """Blocks joined into as few messages as fit in `limit` characters; a block is never cut."""
    messages: list[str] = []
    for block in blocks:
        if messages and len(messages[-1]) + 2 + len(block) <= limit:
            messages[-1] += f"\n\n{block}"
        else:
            messages.append(block)
    return messages


def _table_block(t: Texts, title: str, rows: tuple[Row, ...] | None, label) -> str:
    head = f"<b>{t.ui(title)}</b>"
    if rows is None:
        return f"{head}\n{t.ui('stats_withheld')}"
    return "\n".join([head, *(_line(t, label(row.key), row) for row in rows)])


def _line(t: Texts, label: str, row: Row) -> str:
    count = count_text(t, row.cell)
    if row.share is None:
        return t.ui("stats_line", label=label, count=count)
    return t.ui("stats_line_share", label=label, count=count, percent=percent(t, row.share))


def _pay_block(t: Texts, check: PayCheck) -> str:
    country = check.country
    wage, hours = country.minimum_wage, country.wage_hours
    lines = [
        f"<b>{html.escape(t.country_name(country.code), quote=False)}</b>: "
        + t.ui("stats_reports", count=t.number(check.total)),
        t.ui(
            "stats_minimum",
            minimum=t.fact(wage),
            period=t.plain(f"stats_unit_{wage.per}"),
            hourly=t.money(round(float(check.minimum_hourly), 2), country.currency),
        ),
    ]
    if check.rows is None:
        lines.append(t.ui("stats_withheld"))
    else:
        lines += [_line(t, t.plain(f"stats_{row.key}"), row) for row in check.rows]
    lines.append(sources(t, [wage, hours]))
    return "\n".join(lines)


def band_text(t: Texts, low: Fraction, high: Fraction | None, currency: str) -> str:
    if high is None:
        return t.plain("stats_band_top", low=_number(t, low), currency=currency)
    return t.plain("stats_band", low=_number(t, low), high=_number(t, high), currency=currency)


def _number(t: Texts, value: Fraction) -> str:
    return t.number(value.numerator if value.denominator == 1 else float(value))


def _median_line(t: Texts, median: Median) -> str:
    unit = t.plain(f"stats_unit_{median.unit}") if f"stats_unit_{median.unit}" in t.pack.ui else median.unit
    return t.ui("stats_median_line", unit=unit, band=band_text(t, median.low, median.high, median.currency))
