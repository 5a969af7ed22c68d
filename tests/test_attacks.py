"""Issue 13's adversaries, against the releases: whatever they combine, they learn about one
worker no more than epsilon = ln 3 allows (odds at most x3). The file-copy adversary is in
tests/test_forensics.py; the export pulls in tests/test_export_*.py.

Before this design, the same attacks, run on the exact counts of the old /stats and exports,
succeeded every time: a pull before and after one report differed by exactly that report; six
look-alike reports released the victim's suppressed row; month and quarter tables solved a
suppressed cell. Here the padding attack is run many times and its success measured."""

import datetime as dt

import pytest

from bot.releases.design import derive, design_for
from bot.releases.release import make_release

VICTIM = {
    "country": "MG",
    "employer": "bpo",
    "task": "moderation",
    "pay_unit": "month",
    "pay_amount_band": "100000",
    "pay_amount_currency": "MGA",
    "hours": "h40_48",
    "unpaid": "h5_10",
    "late_pay": "unpaid",
    "deactivated": "yes",
    "exposure": "daily",
    "support": "none",
    "contract": "none",
}
BACKGROUND = [({**VICTIM, "country": "KE", "pay_amount_currency": "KES", "exposure": "weekly"}, 40)]
# Six look-alikes the employer sent from accounts of their own: everything like the victim's,
# answers the employer knows.
FAKES = [({**VICTIM, "late_pay": "never", "deactivated": "no", "exposure": "never", "unpaid": "none"}, 6)]
RUNS = 200


def attacker_statistic(release, codes):
    """The employer's best guess that the victim is in: the sum, over every published table, of
    the cell the victim's report adds 1 to (`codes`: the victim's answers as the release codes them)."""
    return sum(release.table(marginal)[tuple(codes[name] for name in marginal)] for marginal in release.tables)


def codes_of(content, victim):
    return derive(victim, content, design_for(content))


def success_rates(content, with_victim, without_victim, victim):
    day, codes = dt.date(2026, 4, 8), codes_of(content, victim)
    seen = [
        [attacker_statistic(make_release("2026-03", content, reports, day), codes) for _ in range(RUNS)]
        for reports in (with_victim, without_victim)
    ]
    return seen


def assert_bounded(seen):
    """For every threshold the attacker could pick: P(says yes | victim in) <= 3 P(says yes | not),
    and the same for "no", with a margin for sampling error of RUNS repetitions."""
    inside, outside = seen
    for threshold in sorted(set(inside) | set(outside)):
        yes_in = sum(v >= threshold for v in inside) / RUNS
        yes_out = sum(v >= threshold for v in outside) / RUNS
        assert yes_in <= 3 * yes_out + 0.08, (threshold, yes_in, yes_out)
        assert (1 - yes_out) <= 3 * (1 - yes_in) + 0.08, (threshold, yes_in, yes_out)


def test_the_attacker_statistic_finds_the_victim_in_exact_counts(navigator):
    """The attack itself works: on the exact counts (what the old design published), the
    statistic separates with and without the victim perfectly."""
    from tests.test_stats import exact_release

    content = navigator.content
    with_victim = exact_release(content, "2026-03", [*BACKGROUND, *FAKES, (VICTIM, 1)])
    without = exact_release(content, "2026-03", [*BACKGROUND, *FAKES])
    codes = codes_of(content, VICTIM)
    assert attacker_statistic(with_victim, codes) == attacker_statistic(without, codes) + len(with_victim.tables)
    assert_bounded_fails = [
        [attacker_statistic(with_victim, codes)] * RUNS,
        [attacker_statistic(without, codes)] * RUNS,
    ]
    with pytest.raises(AssertionError):
        assert_bounded(assert_bounded_fails)


def test_padding_with_six_look_alikes_does_not_tell_whether_the_victim_reported(navigator):
    content = navigator.content
    seen = success_rates(content, [*BACKGROUND, *FAKES, (VICTIM, 1)], [*BACKGROUND, *FAKES], VICTIM)
    assert_bounded(seen)


def test_padding_does_not_tell_the_victims_answers_either(navigator):
    """The employer knows the victim reported, and wants their answers: daily exposure, unpaid,
    deactivated, or not."""
    content = navigator.content
    calm = {**VICTIM, "exposure": "never", "late_pay": "never", "deactivated": "no"}
    seen = success_rates(content, [*BACKGROUND, *FAKES, (VICTIM, 1)], [*BACKGROUND, *FAKES, (calm, 1)], VICTIM)
    assert_bounded(seen)
