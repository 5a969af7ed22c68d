"""One report per person per release month (bot/reports/monthly_limit.py), counted without
knowing who anyone is: the contribution bound the monthly releases' noise is scaled to."""

import datetime as dt
import hashlib
import pickle

from bot.privacy.disclosure import REPORTS_PER_MONTH
from bot.releases.periods import current_month, month_after, month_of
from bot.reports import survey
from bot.reports.monthly_limit import MonthlyLimit


class Clock:
    def __init__(self, day: dt.date):
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def limit_on(day: dt.date) -> tuple[MonthlyLimit, Clock]:
    clock = Clock(day)
    return MonthlyLimit(REPORTS_PER_MONTH, current_month, clock), clock


def test_the_bound_the_noise_is_scaled_to_is_one_report():
    # content/*/ui.yaml report_limit says "once a month": change it too if this changes.
    assert REPORTS_PER_MONTH == 1


def test_one_report_a_month_each_and_someone_else_is_not_affected():
    limit, _ = limit_on(dt.date(2026, 3, 10))
    assert limit.remaining(42) == 1
    assert limit.take(42, "AAAA-AAAA") == dt.date(2026, 3, 10)
    assert limit.take(42, "BBBB-BBBB") is None and limit.remaining(42) == 0
    assert limit.take(43, "CCCC-CCCC") == dt.date(2026, 3, 10) and limit.remaining(43) == 0


def test_the_month_is_the_release_month_of_the_iso_week():
    """Sunday 1 March 2026 is still February's (its week's Thursday is 26 February); Monday
    29 December 2025 is already January's (its week's Thursday is 1 January 2026)."""
    limit, clock = limit_on(dt.date(2026, 2, 27))
    assert limit.take(42, "AAAA-AAAA")
    clock.day = dt.date(2026, 3, 1)
    assert limit.remaining(42) == 0 and limit.reopens() == dt.date(2026, 3, 2)
    clock.day = dt.date(2026, 3, 2)
    assert limit.remaining(42) == 1 and limit.take(42, "BBBB-BBBB") == dt.date(2026, 3, 2)

    limit, clock = limit_on(dt.date(2025, 12, 28))
    assert limit.take(42, "CCCC-CCCC") and limit.reopens() == dt.date(2025, 12, 29)
    clock.day = dt.date(2025, 12, 29)
    assert limit.remaining(42) == 1


def test_a_report_counted_on_a_day_is_released_in_the_month_it_was_counted_in():
    """For every day of four years: the day `take` gives (the report's week is stamped from it)
    falls in the limit's month, and the next month opens on the Monday its first week starts."""
    day = dt.date(2024, 1, 1)
    while day < dt.date(2028, 1, 1):
        limit, _ = limit_on(day)
        counted = limit.take(42, "AAAA-AAAA")
        assert month_of(survey.iso_week(counted)) == current_month(day)
        reopens = limit.reopens()
        assert reopens.weekday() == 0 and reopens > day
        assert current_month(reopens) == month_after(current_month(day))
        assert current_month(reopens - dt.timedelta(days=1)) == current_month(day)
        day += dt.timedelta(days=1)


def test_each_month_has_a_new_key_and_tags_are_not_plain_hashes():
    limit, clock = limit_on(dt.date(2026, 3, 10))
    limit.take(42, "AAAA-AAAA")
    march_key, (march_tag,) = limit._key, limit._counts
    assert march_tag != hashlib.sha256(b"42").digest()[:16]
    clock.day = dt.date(2026, 3, 29)  # still March's: the same key, the same count
    assert limit.remaining(42) == 0 and limit._key == march_key
    clock.day = dt.date(2026, 3, 30)  # April's first week: a new key, no counts, no codes
    assert limit.remaining(42) == 1
    assert limit._key != march_key and limit._counts == {} and limit._issued == set()
    limit.take(42, "AAAA-AAAA")
    assert set(limit._counts) != {march_tag}  # the same person cannot be followed from month to month


def test_a_restart_forgets_everything_the_known_gap_in_the_bound():
    """The counts live only in memory: a new process (a restart) starts from nothing."""
    before, _ = limit_on(dt.date(2026, 3, 10))
    before.take(42, "AAAA-AAAA")
    after, _ = limit_on(dt.date(2026, 3, 10))
    assert after.remaining(42) == 1 and after._key != before._key
    assert not after.give_back(42, "AAAA-AAAA")  # a code of before the restart gives nothing back


def test_nothing_in_the_limit_names_a_person_or_a_code():
    limit, _ = limit_on(dt.date(2026, 3, 10))
    user_id, code = 7987654321, "K7Q2-M9XD"
    limit.take(user_id, code)
    held = pickle.dumps(limit.__dict__ | {"_today": None, "_month_of": None})
    for needle in (str(user_id).encode(), code.encode(), code.replace("-", "").encode(), user_id.to_bytes(8, "big")):
        assert needle not in held
    assert limit._issued == {limit._tag(b"receipt", code)}  # kept only under the month's key


def test_giving_back_a_report_of_this_month_lets_its_sender_send_again():
    limit, _ = limit_on(dt.date(2026, 3, 10))
    limit.take(42, "AAAA-AAAA")
    assert limit.give_back(42, "AAAA-AAAA") and limit.remaining(42) == 1
    assert not limit.give_back(42, "AAAA-AAAA") and limit.remaining(42) == 1  # once only: never above the cap
    assert limit.take(42, "BBBB-BBBB") and limit.take(42, "CCCC-CCCC") is None


def test_a_code_of_an_earlier_month_or_unknown_gives_nothing_back():
    limit, clock = limit_on(dt.date(2026, 2, 20))
    limit.take(42, "AAAA-AAAA")
    clock.day = dt.date(2026, 3, 10)
    limit.take(42, "BBBB-BBBB")
    assert not limit.give_back(42, "AAAA-AAAA")  # last month's report: else two reports in March
    assert not limit.give_back(42, "ZZZZ-ZZZZ")
    assert limit.remaining(42) == 0


def test_a_count_never_goes_below_zero():
    limit, _ = limit_on(dt.date(2026, 3, 10))
    limit.take(42, "AAAA-AAAA")
    assert limit.give_back(43, "AAAA-AAAA")  # someone who sent nothing withdraws it: no credit for later
    assert limit.remaining(43) == 1 and limit.take(43, "BBBB-BBBB") and limit.take(43, "CCCC-CCCC") is None


def test_a_code_is_not_tied_to_who_got_it():
    """The price of keeping no link between a person and their code (see give_back): someone
    handed another person's code of this month may send again, and that person's report is gone.
    Two people still hold at most two reports of the month."""
    limit, _ = limit_on(dt.date(2026, 3, 10))
    limit.take(42, "AAAA-AAAA")
    limit.take(43, "BBBB-BBBB")
    assert limit.give_back(42, "BBBB-BBBB") and limit.remaining(42) == 1 and limit.remaining(43) == 0
