"""Organizers' statistics (/stats): counts of the anonymous reports, pay against the minimum
wage, median pay bands; the text screens here, the chart in bot/stats/chart.py.
Pure: no Telegram, no database. Every number is worked out from the frozen monthly releases
(bot/releases): noisy counts, measured once per closed month, so asking again, or after a new
report, shows the same numbers, and nothing here can say more about one worker than the release
already does (docs/privacy.md).

For readers, the rule of 10 on top: a count from 1 to 9 shows as "<10" (0 stays 0); a share or a
median needs 10 or more reports. After noise, a small number says more about the noise than about
anyone.
"""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from babel.dates import format_date
from babel.numbers import format_percent

from bot.content.model import Content, Country
from bot.content.schema import OTHER_COUNTRY
from bot.privacy.disclosure import THRESHOLD
from bot.releases.design import CENTER, NOT_ANSWERED, PAY_BAND, PAY_CHECK
from bot.releases.pay import BELOW, NOT_BELOW, PAY_CHECKS, UNKNOWN, band_of
from bot.releases.periods import month_after, release_day
from bot.releases.release import Release
from bot.tools.fairpay import minimum_hourly
from bot.ui.screens import sources
from bot.ui.texts import Texts

MONTHS_SHOWN = 6
EARLIER = "earlier"  # the months row for released months before the last MONTHS_SHOWN
SCREEN_CHARS = 900  # a phone screen; a block longer than this gets a message of its own
__all__ = ["BELOW", "NOT_BELOW", "UNKNOWN"]


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown. `value` is the number only when kind is "exact"."""

    kind: str  # "exact", or "small" (1 to 9)
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
    total: int
    rows: tuple[Row, ...]

    @property
    def below_share(self) -> float | None:
        return self.rows[0].share


@dataclass(frozen=True)
class Median:
    country: str
    unit: str  # pay_unit code
    currency: str
    low: Fraction  # the median report's pay band: [low, high)
    high: Fraction | None  # None for the top band
    reports: int = 0  # the (noisy) reports of the group it is the median of


@dataclass(frozen=True)
class Stats:
    total: Cell
    first: str | None  # the released months covered, "YYYY-MM"; None before the first release
    last: str | None
    next_month: str  # the next month to be released, and from when
    next_day: dt.date
    countries: tuple[Row, ...]
    tasks: tuple[Row, ...]
    months: tuple[Row, ...]  # EARLIER first (when any), then the months, oldest first
    pay: tuple[PayCheck, ...]
    not_compared: tuple[str, ...]  # countries with a minimum wage but fewer than 10 reports
    medians: tuple[Median, ...]


# --- computing ---------------------------------------------------------------------------------


def compute(content: Content, releases: Sequence[Release], first_month: str) -> Stats:
    """The figures of every released month together (post-processing of the releases: free);
    `first_month`: the first month releases cover, for when none is released yet."""
    by_country = _summed(releases, (CENTER,))
    by_task = {("" if k == NOT_ANSWERED else k): n for k, n in _summed(releases, ("task",)).items()}
    total = sum(by_country.values())
    task_order = next((q.options for q in content.survey.questions if q.id == "task"), ())
    countries = _table(_ordered(by_country, [*content.countries, OTHER_COUNTRY]), total)
    tasks = _table(_ordered(by_task, task_order), total)
    months = _table(_months(releases), total)

    checks = _summed(releases, (CENTER, PAY_CHECK))
    pay, not_compared = [], []
    for code, country in content.countries.items():
        minimum = minimum_hourly(country)
        if minimum is None:
            continue
        n = by_country.get(code, 0)
        if n < THRESHOLD:
            not_compared.append(code)
            continue
        counts = {check: checks.get((code, check), 0) for check in PAY_CHECKS}
        pay.append(PayCheck(country, Fraction(minimum), n, _table(counts, n, zero_share=True)))
    next_month = month_after(releases[-1].month) if releases else first_month
    return Stats(
        total=_cell(total),
        first=releases[0].month if releases else None,
        last=releases[-1].month if releases else None,
        next_month=next_month,
        next_day=release_day(next_month),
        countries=countries,
        tasks=tasks,
        months=months,
        pay=tuple(pay),
        not_compared=tuple(not_compared),
        medians=medians_of(content, releases),
    )


def _summed(releases: Sequence[Release], names: tuple[str, ...]) -> dict[tuple[str, ...] | str, int]:
    """Counts by `names` over every release (by code, so a country added later just starts at 0);
    keyed by the code alone for one name."""
    total: Counter = Counter()
    for release in releases:
        for key, count in (release.table(names) or {}).items():
            total[key[0] if len(names) == 1 else key] += count
    return dict(total)


def _cell(count: int) -> Cell:
    return Cell("small") if 0 < count < THRESHOLD else Cell("exact", count)


def _table(counts: dict[str, int], total: int, zero_share: bool = False) -> tuple[Row, ...]:
    """Rows with their shares of the total. `zero_share`: a count of 0 gets its 0 % too (where
    "none of them" is worth saying)."""
    return tuple(Row(key, _cell(n), _share(n, total, zero_share)) for key, n in counts.items())


def _share(count: int, total: int, zero_share: bool) -> float | None:
    if total < THRESHOLD or (count < THRESHOLD and not (zero_share and count == 0)):
        return None
    return count / total


def _ordered(counts: dict[str, int], order: Sequence[str]) -> dict[str, int]:
    """Every expected key (zeros too), in content order, then any others: an order that says
    nothing of the counts."""
    return {key: counts.get(key, 0) for key in [*order, *sorted(k for k in counts if k not in order and counts[k])]}


def _months(releases: Sequence[Release]) -> dict[str, int]:
    recent = releases[-MONTHS_SHOWN:]
    earlier = sum(r.total for r in releases[:-MONTHS_SHOWN])
    return ({EARLIER: earlier} if len(releases) > MONTHS_SHOWN else {}) | {r.month: r.total for r in recent}


def medians_of(content: Content, releases: Sequence[Release]) -> tuple[Median, ...]:
    """Per country and pay unit with 10 or more reports paid in the country's currency: the pay
    band of the middle report of the noisy histogram (the lower middle one for an even number)."""
    unit_order = next((q.options for q in content.survey.questions if q.id == "pay_unit"), ())
    histogram = _summed(releases, (CENTER, "pay_unit", PAY_BAND))
    bands = tuple(content.survey.pay_bands)
    medians = []
    for code, country in content.countries.items():
        if not country.currency:
            continue
        for unit in unit_order:
            counts = {}
            for (c, u, band), n in histogram.items():
                parsed = band_of(band, bands) if c == code and u == unit and n else None
                if parsed:
                    counts[parsed] = counts.get(parsed, 0) + n
            if sum(counts.values()) < THRESHOLD:
                continue
            middle, seen = (sum(counts.values()) + 1) // 2, 0
            for band in sorted(counts):
                seen += counts[band]
                if seen >= middle:
                    medians.append(Median(code, unit, country.currency, *band, sum(counts.values())))
                    break
    return tuple(medians)


# --- rendering ---------------------------------------------------------------------------------


def count_text(t: Texts, cell: Cell) -> str:
    """A count as shown: the number, or "<10"."""
    if cell.kind == "small":
        return t.plain("stats_small", limit=THRESHOLD)
    return t.number(cell.value)


def percent(t: Texts, share: float) -> str:
    return format_percent(share, locale=t.locale)


def country_label(t: Texts, code: str) -> str:
    return t.plain("stats_other_country") if code == OTHER_COUNTRY else t.country_name(code)


def task_label(t: Texts, code: str) -> str:
    return t.pack.survey.get(f"task_{code}") or (code or t.plain("stats_not_given"))


def month_label(t: Texts, key: str) -> str:
    return t.plain("stats_earlier") if key == EARLIER else t.month(key)


def period_text(t: Texts, stats: Stats) -> str:
    """Which months the figures cover, and when the next one comes."""
    upcoming = t.ui(
        "stats_next", month=t.month(stats.next_month), date=format_date(stats.next_day, "long", locale=t.locale)
    )
    if stats.first is None:
        return upcoming
    if stats.first == stats.last:
        covered = t.ui("stats_covers_one", month=t.month(stats.first))
    else:
        covered = t.ui("stats_covers", first=t.month(stats.first), last=t.month(stats.last))
    return f"{covered} {upcoming}"


def screens(stats: Stats, t: Texts) -> list[str]:
    """The statistics as Telegram HTML messages: counts, pay against the minimum, medians."""
    if stats.first is None:
        return [f"{t.ui('stats_none')}\n{period_text(t, stats)}"]
    if not stats.total.exact:
        return [f"{t.ui('stats_too_few', limit=THRESHOLD)}\n{period_text(t, stats)}"]
    overview = [
        f"<b>{t.ui('stats_title', total=t.number(stats.total.value))}</b>\n{period_text(t, stats)}\n"
        + t.ui("stats_small_note", limit=THRESHOLD),
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


def _table_block(t: Texts, title: str, rows: tuple[Row, ...], label) -> str:
    return "\n".join([f"<b>{t.ui(title)}</b>", *(_line(t, label(row.key), row) for row in rows)])


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
