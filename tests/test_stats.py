"""/stats: figures worked out from the frozen monthly releases (bot/releases), the minimum-wage
comparison, the screens, and the command end to end through the sandbox."""

import datetime as dt
import os
import subprocess
import sys

import pytest

from bot.guide.navigation import Prefs
from bot.releases.design import design_for
from bot.releases.pay import classify, hourly_range
from bot.releases.periods import current_month, month_after, release_day, weeks_of
from bot.releases.release import Release, exact_counts
from bot.reports.survey import iso_week
from bot.stats import figures as stats
from bot.store import Store
from bot.ui.screens import source_name
from tests.conftest import ORGANIZER, REPO, Chatter

WORKER_ID = 5151
PNG = b"\x89PNG\r\n\x1a\n"
CURRENCY = {"KE": "KES", "UG": "UGX", "TZ": "TZS", "MG": "MGA", "MA": "MAD", "PH": "PHP", "IN": "INR", "VE": "VES"}


def answers(country="KE", task="moderation", unit="hour", band="10", hours="h40_48", currency=None):
    """A report's stored answers."""
    kept = {"country": country, "task": task, "hours": hours}
    if unit:
        kept |= {"pay_unit": unit, "pay_amount_band": band}
        kept["pay_amount_currency"] = CURRENCY.get(country, "") if currency is None else currency
    return kept


def exact_release(content, month, reports):
    """A release of these reports without noise: for checking what is worked out from one."""
    design = design_for(content)
    counts, tables, at = exact_counts(design, content, reports), {}, 0
    for marginal in design.marginals:
        size = 1
        for n in design.shape(marginal):
            size *= n
        tables[marginal], at = counts[at : at + size], at + size
    return Release(month, "2026-01-08", 1.1, 0.0, 1, design.attributes, tables, 1)


def texts(navigator, code="en"):
    return navigator.texts_for(Prefs(language=code), None)


# --- the figures -------------------------------------------------------------------------------


def test_figures_add_up_over_released_months_with_small_counts_under_ten(navigator):
    content = navigator.content
    releases = [
        exact_release(content, "2026-01", [(answers("KE"), 30), (answers("UG", task="text_chat"), 4)]),
        exact_release(content, "2026-02", [(answers("KE"), 15), (answers("XX", unit=None), 25)]),
    ]
    figures = stats.compute(content, releases, "2026-01")
    rows = {row.key: row for row in figures.countries}
    assert figures.total == stats.Cell("exact", 74)
    assert rows["KE"].cell.value == 45 and rows["KE"].share == pytest.approx(45 / 74)
    assert rows["UG"].cell.kind == "small" and rows["UG"].share is None and rows["MG"].cell.value == 0
    assert [(r.key, r.cell.value) for r in figures.months] == [("2026-01", 34), ("2026-02", 40)]
    text = "\n\n".join(stats.screens(figures, texts(navigator)))
    assert text.startswith("<b>📊 Reports received: 74</b>\nMonths: January 2026 to February 2026.")
    assert "March 2026 comes on April 8, 2026." in text
    assert "• Uganda: &lt;10\n" in text and "• Kenya: 45 (61%)" in text
    assert "• Rating text or chat answers: &lt;10" in text


def test_nothing_released_yet_says_when_the_first_month_comes(navigator):
    t = texts(navigator, "fr")
    (screen,) = stats.screens(stats.compute(navigator.content, [], "2026-12"), t)
    assert screen == f"{t.ui('stats_none')}\ndécembre 2026 arrive le 8 janvier 2027."
    few = stats.compute(navigator.content, [exact_release(navigator.content, "2026-12", [(answers(), 9)])], "2026-12")
    assert stats.screens(few, t)[0].startswith(t.ui("stats_too_few", limit=10))


def test_the_last_six_released_months_then_earlier(navigator):
    months = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    releases = [exact_release(navigator.content, m, [(answers(), 10 + i)]) for i, m in enumerate(months)]
    figures = stats.compute(navigator.content, releases, months[0])
    assert [(row.key, row.cell.value) for row in figures.months] == [
        (stats.EARLIER, 21),
        *((m, 12 + i) for i, m in enumerate(months[2:])),
    ]
    text = "\n\n".join(stats.screens(figures, texts(navigator, "fr")))
    assert "• Avant : 21" in text and "• décembre 2025 : 12" in text


KE_MONTH = 40 * 52 / 12  # the least monthly hours of the 40-48 hours a week band


@pytest.mark.parametrize(
    "country, row, expected",
    [
        # Kenya: 16,113.75 KES a month over 225.33 hours = 71.51 KES an hour
        ("KE", answers("KE", unit="hour", band="10"), "below"),  # 10 to 50 an hour
        ("KE", answers("KE", unit="hour", band="50"), "unknown"),  # 50 to 100: spans 71.51
        ("KE", answers("KE", unit="hour", band="100"), "not_below"),
        ("KE", answers("KE", unit="month", band="5000"), "below"),  # at most 10,000 / 173.3 h = 57.7
        ("KE", answers("KE", unit="month", band="10000"), "unknown"),  # 47.1 to 288.5
        ("KE", answers("KE", unit="month", band="50000"), "not_below"),  # at least 50,000 / 212.3 h = 235
        ("KE", answers("KE", unit="week", band="500"), "below"),  # at most 1,000 / 40 h = 25
        ("KE", answers("KE", unit="week", band="5000"), "not_below"),  # at least 5,000 / 49 h = 102
        ("KE", answers("KE", unit="month", band="5000", hours="lt20"), "unknown"),  # no floor on the hours
        ("KE", answers("KE", unit="day", band="1000"), "unknown"),  # per day: hours unknown
        ("KE", answers("KE", unit="task", band="10"), "unknown"),
        ("KE", answers("KE", unit=None), "unknown"),  # pay skipped
        ("KE", answers("KE", unit="hour", band="10", currency="UGX"), "unknown"),  # another currency
        ("KE", answers("KE", unit="hour", band="10", currency=""), "unknown"),
        # the Philippines: 695 PHP a day over 8 hours = 86.88 PHP an hour
        ("PH", answers("PH", unit="hour", band="10"), "below"),
        ("PH", answers("PH", unit="hour", band="50"), "unknown"),  # 50 to 100: spans 86.88
        ("PH", answers("PH", unit="hour", band="100"), "not_below"),
        ("PH", answers("PH", unit="day", band="500"), "unknown"),  # a day's pay: the hours are unknown
        ("PH", answers("PH", unit="month", band="5000"), "below"),
        ("PH", answers("PH", unit="month", band="50000"), "not_below"),
        ("PH", answers("PH", unit="hour", band="100", currency="USD"), "unknown"),
        ("PH", answers("PH", unit="hour", band="500000"), "not_below"),  # the top band has no upper end
    ],
)
def test_below_the_minimum_wage(navigator, country, row, expected):
    assert classify(row, navigator.content.countries[country], navigator.content.survey.pay_bands) == expected


def test_hourly_range_of_a_monthly_band():
    lowest, highest = hourly_range("month", (10000, 50000), "h40_48")
    assert float(lowest) == pytest.approx(10000 / (49 * 52 / 12))
    assert float(highest) == pytest.approx(50000 / KE_MONTH)
    assert hourly_range("day", (10, 50), "h40_48") is None
    assert hourly_range("task", (10, 50), "h40_48") is None


def test_pay_against_the_minimum_with_its_source(navigator):
    kenya = navigator.content.countries["KE"]
    reports = [
        (answers("KE", band="10"), 20),  # below
        (answers("KE", band="100"), 25),  # not below
        (answers("KE", unit="day", band="1000"), 3),  # can't tell
        (answers("PH", band="10"), 12),
        (answers("PH", band="50"), 12),
        (answers("MG"), 4),
    ]
    figures = stats.compute(navigator.content, [exact_release(navigator.content, "2026-03", reports)], "2026-03")
    by_country = {check.country.code: check for check in figures.pay}
    assert set(by_country) == {"KE", "PH"} and set(figures.not_compared) == {"MG", "MA"}
    assert by_country["KE"].below_share == pytest.approx(20 / 48)
    t = texts(navigator)
    text = "\n\n".join(stats.screens(figures, t))
    assert "<b>Kenya</b>: 48 reports\nMinimum wage: KES16,113.75 per month, or KES71.51 per hour" in text
    assert "• Paid below it: 20 (42%)\n• Not below it: 25 (52%)\n• Can't tell: &lt;10" in text
    assert "• Paid below it: 12 (50%)\n• Not below it: 0 (0%)\n• Can't tell: 12 (50%)" in text
    for fact in (kenya.minimum_wage, kenya.wage_hours):
        link = f'<a href="{fact.source}">{source_name(fact)}</a>'
        assert f"{link}, {t.published(fact.published)} (checked on {t.short_date(fact.checked)})" in text
    assert "Not compared (fewer than 10 reports): Madagascar, Morocco" in text
    # Medians from the histogram, only over 10 or more reports paid in the country's currency.
    assert [(m.country, m.unit, m.low, m.high) for m in figures.medians] == [
        ("KE", "hour", 100, 500),  # the 23rd of 45: past the 20 in 10 to 50
        ("PH", "hour", 10, 50),  # the 12th of 24
    ]


def test_periods_are_months_of_iso_thursdays_released_a_week_after():
    from bot.releases.periods import month_of

    assert month_of("2026-W01") == "2026-01"  # Thursday 1 January 2026
    assert month_of("2020-W53") == "2020-12"  # Thursday 31 December 2020
    assert month_of("2026-W05") == "2026-01"  # Thursday 29 January, though it ends in February
    assert month_of("2026-W14") == "2026-04"  # Monday 30 March, Thursday 2 April
    assert weeks_of("2026-01") == ["2026-W01", "2026-W02", "2026-W03", "2026-W04", "2026-W05"]
    assert all(month_of(w) == "2026-04" for w in weeks_of("2026-04"))
    assert release_day("2026-12") == dt.date(2027, 1, 8) and month_after("2026-12") == "2027-01"


def test_screens_fit_a_phone(navigator):
    reports = [
        (answers(c, task, u, b), 11 + i)
        for i, (c, task, u, b) in enumerate(
            (c, task, u, b)
            for c in [*CURRENCY, "XX"]
            for task in ("moderation", "other")
            for u in ("hour", "week", "month", "day", "task")
            for b in ("10", "1000")
        )
    ]
    figures = stats.compute(navigator.content, [exact_release(navigator.content, "2026-03", reports)], "2026-03")
    for code in ("en", "fr", "sw"):
        messages = stats.screens(figures, texts(navigator, code))
        assert len(messages) <= 10
        assert all(len(message) <= 1200 for message in messages), [len(m) for m in messages]


def test_chart_is_a_png_in_the_users_language(navigator):
    from bot.stats import chart as stats_chart

    release = exact_release(navigator.content, "2026-03", [(answers("KE"), 40), (answers("UG"), 4)])
    png = stats_chart.render(stats.compute(navigator.content, [release], "2026-03"), texts(navigator, "sw"))
    assert png.startswith(PNG) and len(png) > 5000


def test_matplotlib_is_not_loaded_at_start_up():
    code = "import sys, handlers.application; assert not {'matplotlib', 'opendp', 'numpy'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --- end to end --------------------------------------------------------------------------------


async def add_reports(bot, country, count, week=None, **values):
    store: Store = bot.app.bot_data["haki"].store
    kept = {"country": country, "task": "moderation", "hours": "h40_48", "late_pay": "never"}
    if "pay_unit" in values:
        kept["pay_amount_currency"] = CURRENCY.get(country, "")
    for _ in range(count):
        await store.reports.add_report(week or iso_week(dt.date.today()), kept | values, os.urandom(32), None)


def close_the_month(bot):
    """Move the bot's calendar on to the day this month may be released."""
    bot.app.bot_data["haki"].publisher.clock = lambda: release_day(current_month(dt.date.today()))


def ui(bot, code, key, **values):
    return bot.navigator.texts_for(Prefs(language=code), None).ui(key, **values)


async def month_reports(store):
    """How many reports of this month the reports file holds."""
    seen = []
    await store.reports.scan_month(weeks_of(current_month(dt.date.today())), lambda _, n: seen.append(n))
    return len(seen)


def count_of(text, label):
    line = next(line for line in text.split("\n") if line.startswith(f"• {label}: "))
    return int(line.split(": ")[1].split(" ")[0].replace(",", ""))


@pytest.mark.parametrize("code", ["en", "fr"])
async def test_organizer_sees_a_month_only_once_it_is_released(organized, code):
    await add_reports(organized, "KE", 200, pay_unit="hour", pay_amount_band="10")
    organizer = Chatter(organized, ORGANIZER, language_code=code)
    before = await organizer.say("/stats")
    assert before.text.startswith(ui(organized, code, "stats_none"))
    close_the_month(organized)
    await organizer.say("/stats")
    replies = organizer.user.bot_messages[1:]
    text = "\n\n".join(m.text for m in replies if m.photo is None)
    if code == "en":
        # Noise: Kenya's count is within about 11 of the truth, one standard error; 60 is 5.
        assert abs(count_of(text, "Kenya") - 200) <= 60
        assert "• Paid below it:" in text and "tuko.co.ke" in text
    else:
        assert "• Kenya : " in text and "• Payés en dessous : " in text
    assert replies[-1].photo is not None and replies[-1].photo.data.startswith(PNG)
    assert all(len(m.text) <= 1200 for m in replies if m.photo is None)


async def test_asking_again_or_after_a_new_report_shows_the_same_numbers(organized):
    await add_reports(organized, "KE", 40)
    close_the_month(organized)
    organizer = Chatter(organized, ORGANIZER)
    await organizer.say("/stats")
    first = [m.text for m in organizer.user.bot_messages if m.photo is None]
    assert first[0].startswith("📊 Reports received: ") and "\nMonth: " in first[0]
    # A report in the month now open cannot show until that month is released in its turn.
    next_month = month_after(current_month(dt.date.today()))
    await add_reports(organized, "UG", 1, week=weeks_of(next_month)[0])
    seen = len(organizer.user.bot_messages)
    await organizer.say("/stats")
    assert [m.text for m in organizer.user.bot_messages[seen:] if m.photo is None] == first


async def test_anyone_else_is_refused(organized):
    await add_reports(organized, "KE", 40)
    close_the_month(organized)
    worker = Chatter(organized, WORKER_ID)
    reply = await worker.say("/stats")
    assert reply.text == ui(organized, "en", "role_refused")
    assert len(worker.user.bot_messages) == 1 and not organized.sandbox.calls("sendPhoto")


async def test_a_report_sent_through_the_form_is_released_and_then_deleted(organized):
    from tests.test_e2e_report import fill_report

    await add_reports(organized, "KE", 59, pay_unit="month", pay_amount_band="10000", hours="h49_60")
    worker = Chatter(organized, WORKER_ID)
    review = await fill_report(organized, worker, "en", comment=None, pay=("month", "25000"))
    await worker.press(ui(organized, "en", "report_send"), review)
    store: Store = organized.app.bot_data["haki"].store
    assert await month_reports(store) == 60
    close_the_month(organized)
    organizer = Chatter(organized, ORGANIZER)
    await organizer.say("/stats")
    text = "\n\n".join(m.text for m in organizer.user.bot_messages if m.photo is None)
    assert abs(count_of(text, "Kenya") - 60) <= 60
    # Released: nothing more will ever be published of the month, so its reports are gone.
    assert await month_reports(store) == 0
