"""/stats: the aggregation (small numbers never shown or deducible, the minimum-wage comparison)
and the command end to end through the sandbox, for an organizer and for anyone else."""

import datetime as dt
import os
import random
import re
import subprocess
import sys
from math import inf

import pytest

from bot.guide.navigation import Prefs
from bot.privacy.disclosure import THRESHOLD
from bot.reports.survey import iso_week
from bot.stats import figures as stats
from bot.store import Store
from tests.conftest import ORGANIZER, REPO, Chatter

WORKER_ID = 5151
PNG = b"\x89PNG\r\n\x1a\n"
CURRENCY = {"KE": "KES", "UG": "UGX", "TZ": "TZS", "MG": "MGA", "MA": "MAD", "PH": "PHP", "IN": "INR", "VE": "VES"}


def answers(country="KE", task="moderation", unit="hour", band="10", hours="h40_48", currency=None):
    """A tally row as report_tallies gives it (see REPORT_TALLY_FIELDS in bot/store/reports.py)."""
    if currency is None:
        currency = CURRENCY.get(country, "") if unit else None
    return (country, task, unit, band if unit else None, currency, hours)


def texts(navigator, code="en"):
    return navigator.texts_for(Prefs(language=code), None)


def week(weeks_ago=0):
    return iso_week(dt.date.today() - dt.timedelta(weeks=weeks_ago))


def assert_protected(rows, total):
    """No count from 1 to 9 is shown, and none can be worked out from the total and the others:
    each small one could be anything from 1 to 9."""
    exact = [row.cell.value for row in rows if row.cell.exact]
    assert all(value == 0 or value >= THRESHOLD for value in exact), exact
    small = [row for row in rows if row.cell.kind == "small"]
    hidden = [row for row in rows if row.cell.kind == "hidden"]
    for row in small + hidden:
        assert row.cell.value is None and row.share is None  # nothing left to leak
    rest = total - sum(exact)
    for _ in small:
        others_least = (len(small) - 1) + THRESHOLD * len(hidden)
        others_most = inf if hidden else 9 * (len(small) - 1)
        assert (max(1, rest - others_most), min(9, rest - others_least)) == (1, 9)


def counts_in(text: str) -> list[int]:
    """Every count of a "• label: count" line (English), as a number."""
    found = re.findall(r"^• [^\n]*?: (\d[\d,]*)(?: \(|$)", text, flags=re.M)
    return [int(number.replace(",", "")) for number in found]


# --- the aggregation ---------------------------------------------------------------------------


def test_small_counts_show_as_under_ten_and_cannot_be_worked_out(navigator):
    tallies = [
        (answers("KE"), 250),
        (answers("UG", task="text_chat"), 3),
        (answers("TZ"), 12),
        (answers("PH"), 40),
        (answers("XX", unit=None), 30),
    ]
    figures = stats.compute(navigator.content, tallies, [(week(), 335)])
    rows = {row.key: row for row in figures.countries}
    assert rows["UG"].cell.kind == "small" and rows["MG"].cell == stats.Cell("exact", 0)
    # Without another hidden count, 335 - 250 - 12 - 40 - 30 would give Uganda's 3 away.
    assert [key for key, row in rows.items() if row.cell.kind == "hidden"] == ["XX"]  # not a compared country
    assert rows["KE"].cell.value == 250 and rows["KE"].share == pytest.approx(250 / 335)
    assert_protected(figures.countries, 335)
    assert_protected(figures.tasks, 335)
    text = "\n\n".join(stats.screens(figures, texts(navigator)))
    assert "• Uganda: &lt;10\n" in text and "• Another country: 10+\n" in text
    assert "• Madagascar: 0\n" in text
    assert all(n == 0 or n >= 10 for n in counts_in(text)), counts_in(text)
    assert "10+ means a number is hidden" in text


def test_protection_holds_for_any_counts(navigator):
    draw = random.Random(7)
    for _ in range(300):
        tallies = [
            (answers(country, task, unit, band, hours), count)
            for country in draw.sample([*CURRENCY, "XX"], draw.randint(1, 5))
            for task, unit, band, hours in [
                (
                    draw.choice(["moderation", "image_video", "other"]),
                    draw.choice(["hour", "week", "month", "day", None]),
                    draw.choice(["10", "50", "100", "1000", "10000"]),
                    draw.choice(["lt20", "h40_48", "gt60"]),
                )
                for _ in range(draw.randint(1, 4))
            ]
            if (count := draw.choice([1, 2, 5, 9, 10, 11, 17, 18, 19, 40, 300]))
        ]
        total = sum(count for _, count in tallies)
        weeks = [(week(weeks_ago), count) for weeks_ago, (_, count) in enumerate(tallies)]
        figures = stats.compute(navigator.content, tallies, weeks)
        for table in (figures.countries, figures.tasks, figures.months):
            if table is not None and total >= THRESHOLD:
                assert_protected(table, total)
        for check in figures.pay:
            if check.rows is not None:
                assert_protected(check.rows, check.total)
        for text in stats.screens(figures, texts(navigator)):
            assert all(n == 0 or n >= 10 for n in counts_in(text)), text


def test_shares_and_medians_only_over_ten_reports(navigator):
    tallies = [
        (answers("KE", band="100"), 10),  # 10 reports per hour in Kenya: a median
        (answers("PH", band="50"), 9),  # 9 in the Philippines: none
        (answers("PH", unit="day", band="500"), 6),
        (answers("UG", unit="month", band="100000"), 30),
    ]
    figures = stats.compute(navigator.content, tallies, [(week(), 55)])
    assert [(m.country, m.unit, m.low, m.high) for m in figures.medians] == [
        ("KE", "hour", 100, 500),
        ("UG", "month", 100000, 500000),
    ]
    text = "\n\n".join(stats.screens(figures, texts(navigator)))
    assert "<b>Kenya</b>\n• per hour: 100 to 500 KES" in text
    assert "<b>Uganda</b>\n• per month: 100,000 to 500,000 UGX" in text
    assert "PHP" not in text.split("Median pay")[1]
    by_country = {row.key: row for row in figures.countries}
    assert by_country["KE"].share == pytest.approx(10 / 55) and by_country["PH"].share == pytest.approx(15 / 55)
    # Kenya's 10 reports: all "not below", shown with its share; nothing is hidden here.
    (kenya,) = [check for check in figures.pay if check.country.code == "KE"]
    assert [(row.key, row.cell.value, row.share) for row in kenya.rows] == [
        ("below", 0, 0.0),  # "none of them" is worth a share
        ("not_below", 10, 1.0),
        ("unknown", 0, 0.0),
    ]


def test_groups_under_ten_get_no_share_and_a_table_that_would_tell_is_withheld(navigator):
    figures = stats.compute(navigator.content, [(answers("KE"), 9), (answers("PH"), 3)], [(week(), 12)])
    # 9 and 3 of 12: shown as two "<10" they would still add up to 12, so neither would be hidden.
    assert figures.countries is None
    assert [(row.key, row.cell.value, row.share) for row in figures.tasks if row.cell.value] == [
        ("moderation", 12, 1.0)
    ]
    assert not figures.pay and set(figures.not_compared) == {"KE", "PH", "MG", "MA"}
    assert not figures.medians  # 9 reports per hour in Kenya, 3 in the Philippines
    text = "\n\n".join(stats.screens(figures, texts(navigator)))
    assert "<b>By country</b>\nToo few reports to show this safely." in text
    assert "Median pay" in text and "No group has 10 or more reports with pay yet." in text


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
    assert stats.classify(row, navigator.content.countries[country], navigator.content.survey.pay_bands) == expected


def test_hourly_range_of_a_monthly_band():
    lowest, highest = stats.hourly_range("month", (10000, 50000), "h40_48")
    assert float(lowest) == pytest.approx(10000 / (49 * 52 / 12))
    assert float(highest) == pytest.approx(50000 / KE_MONTH)
    assert stats.hourly_range("day", (10, 50), "h40_48") is None
    assert stats.hourly_range("task", (10, 50), "h40_48") is None


def test_pay_against_the_minimum_with_its_source(navigator):
    kenya = navigator.content.countries["KE"]
    tallies = [
        (answers("KE", band="10"), 20),  # below
        (answers("KE", band="100"), 25),  # not below
        (answers("KE", unit="day", band="1000"), 3),  # can't tell: a small count
        (answers("PH", band="10"), 12),
        (answers("PH", band="50"), 12),
    ]
    figures = stats.compute(navigator.content, tallies, [(week(), 72)])
    by_country = {check.country.code: check for check in figures.pay}
    assert set(by_country) == {"KE", "PH"} and set(figures.not_compared) == {"MG", "MA"}
    # "can't tell" is under 10, so one more is hidden; never the share below the minimum.
    assert [(row.key, row.cell.kind, row.cell.value) for row in by_country["KE"].rows] == [
        ("below", "exact", 20),
        ("not_below", "hidden", None),
        ("unknown", "small", None),
    ]
    assert by_country["KE"].below_share == pytest.approx(20 / 48)
    assert_protected(by_country["KE"].rows, 48)
    t = texts(navigator)
    text = "\n\n".join(stats.screens(figures, t))
    assert "<b>Kenya</b>: 48 reports\nMinimum wage: KES16,113.75 per month, or KES71.51 per hour" in text
    assert "• Paid below it: 20 (42%)\n• Not below it: 10+\n• Can't tell: &lt;10" in text
    assert "• Paid below it: 12 (50%)\n• Not below it: 0 (0%)\n• Can't tell: 12 (50%)" in text
    for fact in (kenya.minimum_wage, kenya.wage_hours):
        assert f"{fact.source} (checked on {t.date(fact.as_of)})" in text
    assert "Not compared (too few reports to show safely): Madagascar, Morocco" in text


def test_months_from_the_iso_weeks_thursday():
    assert stats.month_of("2026-W01") == "2026-01"  # Thursday 1 January 2026
    assert stats.month_of("2020-W53") == "2020-12"  # Thursday 31 December 2020
    assert stats.month_of("2025-W01") == "2025-01"  # Monday 30 December 2024, Thursday 2 January
    assert stats.month_of("2026-W05") == "2026-01"  # Thursday 29 January, though it ends in February
    assert stats.month_of("2026-W14") == "2026-04"  # Monday 30 March, Thursday 2 April


def test_the_last_six_months_with_reports_then_earlier(navigator):
    weeks = [(f"2026-W{n:02d}", 10) for n in (1, 6, 10, 14, 19, 23, 27, 32)] + [("2025-W40", 4)]
    figures = stats.compute(navigator.content, [(answers("KE"), 84)], weeks)
    assert [row.key for row in figures.months] == [
        stats.EARLIER,
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
    ]
    assert figures.months[0].cell.value == 24  # January, February and October 2025
    text = "\n\n".join(stats.screens(figures, texts(navigator, "fr")))
    assert "• Avant : 24 (29\u00a0%)" in text and "• mars 2026 : 10 (12\u00a0%)" in text


def test_too_few_or_no_reports(navigator):
    t = texts(navigator)
    assert stats.screens(stats.compute(navigator.content, [], []), t) == [t.ui("stats_none")]
    few = stats.compute(navigator.content, [(answers("KE"), 9)], [(week(), 9)])
    assert stats.screens(few, t) == [t.ui("stats_too_few", limit=10)]


def test_screens_fit_a_phone(navigator):
    tallies = [
        (answers(country, task, unit, band), 11 + i)
        for i, (country, task, unit, band) in enumerate(
            (c, task, u, b)
            for c in [*CURRENCY, "XX"]
            for task in ("moderation", "other")
            for u in ("hour", "week", "month", "day", "task")
            for b in ("10", "1000")
        )
    ]
    figures = stats.compute(navigator.content, tallies, [(week(), sum(n for _, n in tallies))])
    for code in ("en", "fr", "sw"):
        messages = stats.screens(figures, texts(navigator, code))
        assert len(messages) <= 10
        assert all(len(message) <= 1200 for message in messages), [len(m) for m in messages]


def test_chart_is_a_png_in_the_users_language(navigator):
    from bot.stats import chart as stats_chart

    figures = stats.compute(navigator.content, [(answers("KE"), 40), (answers("UG"), 4)], [(week(), 44)])
    png = stats_chart.render(figures, texts(navigator, "sw"))
    assert png.startswith(PNG) and len(png) > 5000


def test_matplotlib_is_not_loaded_at_start_up():
    code = "import sys, handlers.application; assert 'matplotlib' not in sys.modules, 'matplotlib at start-up'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


async def test_storage_tallies_reports_in_sql(tmp_path):
    store = await Store.open(tmp_path / "h.sqlite3")
    try:
        full = {"country": "KE", "task": "moderation", "pay_unit": "hour", "pay_amount_band": "10"}
        full |= {"pay_amount_currency": "KES", "hours": "h40_48", "late_pay": "often"}
        for _ in range(3):
            await store.reports.add_report("2026-W10", full, os.urandom(32), "a comment nobody counts")
        await store.reports.add_report(
            "2026-W11", {"country": "XX", "task": "other", "hours": "lt20"}, os.urandom(32), None
        )
        tallies, weeks = await store.reports.report_tallies()
        assert sorted(tallies, key=str) == [
            (("KE", "moderation", "hour", "10", "KES", "h40_48"), 3),
            (("XX", "other", None, None, None, "lt20"), 1),
        ]
        assert sorted(weeks) == [("2026-W10", 3), ("2026-W11", 1)]
    finally:
        await store.close()


# --- end to end --------------------------------------------------------------------------------


async def add_reports(bot, country, count, weeks_ago=0, **values):
    store: Store = bot.app.bot_data["haki"].store
    kept = {"country": country, "task": "moderation", "hours": "h40_48", "late_pay": "never"}
    if "pay_unit" in values:
        kept["pay_amount_currency"] = CURRENCY.get(country, "")
    for _ in range(count):
        await store.reports.add_report(week(weeks_ago), kept | values, os.urandom(32), None)


async def seed(bot):
    await add_reports(bot, "KE", 12, pay_unit="hour", pay_amount_band="10")  # below 71.51 KES an hour
    await add_reports(bot, "KE", 15, weeks_ago=1, pay_unit="hour", pay_amount_band="100")  # not below
    await add_reports(bot, "PH", 20, pay_unit="hour", pay_amount_band="50")  # can't tell
    await add_reports(bot, "UG", 4, task="text_chat")
    await add_reports(bot, "XX", 25)


def ui(bot, code, key, **values):
    return bot.navigator.texts_for(Prefs(language=code), None).ui(key, **values)


@pytest.mark.parametrize("code", ["en", "fr"])
async def test_organizer_gets_statistics_and_a_chart(organized, code):
    await seed(organized)
    organizer = Chatter(organized, ORGANIZER, language_code=code)
    await organizer.say("/stats")
    replies = organizer.user.bot_messages
    texts_sent = [m.text for m in replies if m.photo is None]
    text = "\n\n".join(texts_sent)
    total = ui(organized, code, "stats_title", total="76")
    assert texts_sent[0].startswith(total)
    if code == "en":
        assert "• Kenya: 27 (36%)\n• Uganda: <10\n" in text
        assert "• Another country: 10+" in text and "• Philippines: 20 (26%)" in text
        assert "• Content moderation: 10+\n" in text and "• Rating text or chat answers: <10\n" in text
        assert "Kenya: 27 reports\nMinimum wage: KES16,113.75 per month, or KES71.51 per hour" in text
        assert "• Paid below it: 12 (44%)\n• Not below it: 15 (56%)\n• Can't tell: 0 (0%)" in text
        assert "• per hour: 100 to 500 KES" in text and "• per hour: 50 to 100 PHP" in text
    else:
        assert "• Kenya : 27 (36\u00a0%)\n• Ouganda : <10\n" in text
        assert "• Payés en dessous : 12 (44\u00a0%)" in text
        assert "• par heure : 100 à 500 KES" in text
    assert "tuko.co.ke" in text  # the minimum wage's source
    assert all(len(t) <= 1200 for t in texts_sent)
    # Then the chart, as a photo.
    assert replies[-1].photo is not None and replies[-1].photo.data.startswith(PNG)
    assert replies[-1].text == ui(organized, code, "stats_chart_caption").replace("&lt;", "<")
    (call,) = organized.sandbox.calls("sendPhoto", chat_id=ORGANIZER)
    assert call.ok and call.params["photo"].data.startswith(PNG)


async def test_statistics_before_any_report(organized):
    organizer = Chatter(organized, ORGANIZER, language_code="sw")
    reply = await organizer.say("/stats")
    assert reply.text == ui(organized, "sw", "stats_none")
    assert len(organizer.user.bot_messages) == 1 and not organized.sandbox.calls("sendPhoto")


async def test_no_chart_when_every_country_must_stay_hidden(organized):
    await add_reports(organized, "KE", 9)
    await add_reports(organized, "PH", 3)
    organizer = Chatter(organized, ORGANIZER)
    await organizer.say("/stats")
    text = "\n\n".join(m.text for m in organizer.user.bot_messages)
    assert text.startswith("📊 Reports received: 12") and "By country\nToo few reports to show this safely." in text
    assert not organized.sandbox.calls("sendPhoto")


async def test_anyone_else_is_refused(organized):
    await seed(organized)
    worker = Chatter(organized, WORKER_ID)
    reply = await worker.say("/stats")
    assert reply.text == ui(organized, "en", "role_refused")
    assert len(worker.user.bot_messages) == 1 and not organized.sandbox.calls("sendPhoto")


async def test_a_report_sent_through_the_form_is_counted(organized):
    from tests.test_e2e_report import fill_report

    # Nine like it are already in: the worker's report makes the tenth, so statistics appear.
    await add_reports(organized, "KE", 9, pay_unit="month", pay_amount_band="10000", hours="h49_60")
    worker = Chatter(organized, WORKER_ID)
    review = await fill_report(organized, worker, "en", comment="My team lead shouts at us", pay=("month", "25000"))
    await worker.press(ui(organized, "en", "report_send"), review)
    organizer = Chatter(organized, ORGANIZER)
    await organizer.say("/stats")
    text = "\n\n".join(m.text for m in organizer.user.bot_messages if m.photo is None)
    assert text.startswith("📊 Reports received: 10") and "• Kenya: 10 (100%)" in text
    assert "<b>Kenya</b>\n• per month: 10,000 to 50,000 KES" not in text  # text, not HTML, in the chat
    assert "Kenya\n• per month: 10,000 to 50,000 KES" in text
    assert "team lead" not in text  # free text is never part of the statistics
