"""The monthly releases (bot/releases): the noise is the mechanism the docs state, the budget adds
up to the documented epsilon, the tables agree with each other, and a release, once made, never
changes."""

import asyncio
import datetime as dt
import math
import os

import numpy as np
import pytest
from scipy import stats as scipy_stats

from bot.privacy.disclosure import EPSILON, REPORTS_PER_MONTH
from bot.releases.design import CENTER, derive, design_for
from bot.releases.measure import measure, privacy_loss, sensitivity
from bot.releases.periods import current_month, month_after, release_day, weeks_of
from bot.releases.publish import Publisher
from bot.releases.release import Release, exact_counts, make_release
from bot.store import Store

REPORT = {
    "country": "KE",
    "employer": "bpo",
    "task": "moderation",
    "pay_unit": "month",
    "pay_amount_band": "10000",
    "pay_amount_currency": "KES",
    "hours": "h40_48",
    "unpaid": "lt2",
    "late_pay": "often",
    "deactivated": "no",
    "exposure": "daily",
    "support": "none",
    "contract": "contractor",
}


def test_the_budget_adds_up_to_ln_3_per_worker_per_month(navigator):
    design = design_for(navigator.content)
    # One report adds 1 to exactly one cell of every marginal: that is the sensitivity the noise is scaled to.
    one = exact_counts(design, navigator.content, [(REPORT, 1)])
    assert sum(one) == len(design.marginals) and set(one) == {0, 1}
    assert sensitivity(design) == REPORTS_PER_MONTH * len(design.marginals)
    # OpenDP's own privacy map of the one measurement, at that distance: epsilon = ln 3, odds x3.
    assert privacy_loss(design) == pytest.approx(EPSILON, rel=1e-9) and privacy_loss(design) <= EPSILON + 1e-12
    assert math.exp(EPSILON) == pytest.approx(3)


def test_the_noise_is_discrete_laplace_of_the_stated_scale(navigator):
    """Over many measurements of the same counts, the noise matches the mechanism: a chi-square
    test of its distribution against the discrete Laplace of the release's scale."""
    design = design_for(navigator.content)
    exact = exact_counts(design, navigator.content, [(REPORT, 40)])
    noise, scale = [], None
    for _ in range(8):
        noisy, scale = measure(design, exact)
        noise += [n - e for n, e in zip(noisy, exact, strict=True)]
    noise = np.array(noise)
    assert scale == pytest.approx(len(design.marginals) * REPORTS_PER_MONTH / EPSILON, rel=1e-6)
    q = math.exp(-1 / scale)
    edges = list(range(-30, 31, 5))
    bins = [-math.inf, *edges, math.inf]
    observed = np.histogram(noise, bins=[b - 0.5 for b in bins])[0]

    def cdf(k: float) -> float:  # P(X <= k) for the discrete Laplace with P(k) proportional to q^|k|
        if k == math.inf:
            return 1.0
        if k == -math.inf:
            return 0.0
        k = math.floor(k)
        return q ** (-k) / (1 + q) if k < 0 else 1 - q ** (k + 1) / (1 + q)

    expected = np.array([cdf(b - 0.5) - cdf(a - 0.5) for a, b in zip(bins[:-1], bins[1:], strict=True)]) * len(noise)
    _, p = scipy_stats.chisquare(observed, expected)
    assert p > 1e-4, (observed, expected.round())
    # And its spread: variance 2q / (1 - q)^2.
    assert noise.var() == pytest.approx(2 * q / (1 - q) ** 2, rel=0.1)


def test_every_table_of_a_release_agrees_on_every_shared_margin(navigator):
    """Linked tables: whatever an adversary combines (margins, quarters, /stats), each figure has
    one value in the release, so no combination averages the noise away or narrows a cell."""
    content = navigator.content
    reports = [(REPORT, 30), ({**REPORT, "country": "UG", "task": "other"}, 3), ({"country": "PH"}, 12)]
    release = make_release("2026-03", content, reports, dt.date(2026, 4, 8))
    for name in release.attributes:
        views = [release_margin(release, m, name) for m in release.tables if name in m]
        assert all(v == views[0] for v in views), name
    totals = {sum(counts) for counts in release.tables.values()}
    assert len(totals) == 1 and all(c >= 0 and isinstance(c, int) for t in release.tables.values() for c in t)
    assert release.table(("task", "exposure")) is not None and release.table(("employer", "task")) is None


def release_margin(release: Release, marginal, name):
    one = Release(
        release.month, release.created, release.epsilon, release.scale, 1, release.attributes,
        {marginal: release.tables[marginal]}, 0,
    )  # fmt: skip
    return one.table((name,))


def test_a_report_is_derived_into_known_codes_only(navigator):
    content = navigator.content
    design = design_for(content)
    odd = derive({"country": "FR", "task": "<script>", "pay_amount_band": "12.5"}, content, design)
    assert odd[CENTER] == "XX" and odd["task"] == "not_answered" and odd["pay_band"] == "other_currency"
    assert all(value in design.attributes[name] for name, value in odd.items())


async def test_a_month_is_measured_once_and_its_reports_deleted(tmp_path, navigator):
    store = await Store.open(tmp_path / "haki.db")
    try:
        today = dt.date.today()
        publisher = Publisher(store.reports, store.releases, navigator.content, clock=lambda: today)
        assert await publisher.releases() == []
        for _ in range(25):
            await store.reports.add_report(weeks_of(current_month(today))[0], REPORT, os.urandom(32), None)
        publisher.clock = lambda: release_day(current_month(today))
        # Two organizers at once: one measurement, both see it.
        first, second = await asyncio.gather(publisher.releases(), publisher.releases())
        assert len(first) == 1 and first[0].to_json() == second[0].to_json()
        left = []
        await store.reports.scan_month(weeks_of(current_month(today)), lambda answers, n: left.append(answers))
        assert left == []
        # Later, with a report in the next month: the released month does not move.
        await store.reports.add_report(weeks_of(month_after(current_month(today)))[0], REPORT, os.urandom(32), None)
        (again,) = await publisher.releases()
        assert again.to_json() == first[0].to_json()
    finally:
        await store.close()


async def test_a_closed_month_is_released_while_the_bot_runs_though_nobody_asks(tmp_path, navigator):
    from handlers.application import release_when_due

    store = await Store.open(tmp_path / "haki.db")
    stop = asyncio.Event()
    try:
        today = dt.date.today()
        publisher = Publisher(store.reports, store.releases, navigator.content, clock=lambda: today)
        await publisher.releases()  # start-up: nothing closed yet
        await store.reports.add_report(weeks_of(current_month(today))[0], REPORT, os.urandom(32), None)
        task = asyncio.create_task(release_when_due(publisher, stop, every=0.01))
        publisher.clock = lambda: release_day(current_month(today))  # the day comes
        await asyncio.wait_for(publisher.released.wait(), timeout=10)
        assert await store.releases.months() == {current_month(today)}
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    finally:
        stop.set()
        await store.close()
