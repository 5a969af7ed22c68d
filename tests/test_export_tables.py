"""The tables tier of research exports (bot/exports/tables.py): no count from 1 to 9 leaves, and
no suppressed count can be worked out from what does. The attack here reads only the published
tables.csv and solves for each suppressed cell with integer programming, written apart from the
exporter so that a mistake in one is not repeated in the other."""

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from collections import defaultdict
from functools import partial
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from bot.exports import tables as export_tables
from bot.exports.options import ExportOptions, ExportRefused
from bot.exports.run import run_export
from bot.store import Store
from bot.store.research import ReportReader
from tests.conftest import reports_database

PNG = b"\x89PNG\r\n\x1a\n"
WEEK = {"2026-01": "2026-W02", "2026-02": "2026-W06", "2026-03": "2026-W11", "2026-05": "2026-W20"}  # Thursdays
DATA_FILES = ["tables.csv", "tables.jsonl", "pay_medians.csv", "pay_medians.jsonl", "chart.png"]


def report(country="KE", task="moderation", month="2026-01", **more) -> tuple[str, dict[str, str]]:
    answers = {"country": country, "task": task, "hours": "h40_48", "unpaid": "lt2", "late_pay": "never"}
    return WEEK[month], {k: v for k, v in (answers | more).items() if v is not None}


def export(navigator, path: Path, folder: Path, *dimensions: str, period: str = "month"):
    options = ExportOptions(dimensions=dimensions or ("period", "country", "task"), period=period)
    return run_export(path, navigator.content, options, folder)


def published(folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    with (folder / "tables.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    dimensions = [c for c in rows[0] if c not in ("reports", "suppressed") and not c.startswith("median_")]
    return dimensions, rows


def attack(folder: Path) -> dict[tuple[str, ...], float]:
    """The most each suppressed cell can be, for someone who has tables.csv and knows that along
    each dimension the cells add up to the ALL cell, and that a suppressed count is a whole number
    of at least 1 (0 is shown). Integer programming: the strongest such attacker."""
    dimensions, rows = published(folder)
    cells = {tuple(row[d] for d in dimensions): row for row in rows}
    hidden = [key for key, row in cells.items() if row["suppressed"] == "1"]
    assert all(cells[key]["reports"] == "" for key in hidden)
    column = {key: i for i, key in enumerate(hidden)}
    equations, totals = [], []
    for axis in range(len(dimensions)):
        lines = defaultdict(list)
        for key in cells:
            lines[key[:axis] + key[axis + 1 :]].append(key)
        for members in lines.values():
            assert sum(key[axis] == "ALL" for key in members) == 1
            equation, total = np.zeros(len(hidden)), 0.0
            for key in members:
                sign = -1 if key[axis] == "ALL" else 1
                if key in column:
                    equation[column[key]] += sign
                else:
                    total -= sign * int(cells[key]["reports"])
            if equation.any():
                equations.append(equation)
                totals.append(total)
            else:
                assert total == 0, f"published line does not add up: {members}"
    if not hidden:
        return {}
    constraint = LinearConstraint(np.array(equations), totals, totals)
    most = {}
    for key in hidden:
        goal = np.zeros(len(hidden))
        goal[column[key]] = -1
        found = milp(goal, constraints=constraint, integrality=np.ones(len(hidden)), bounds=Bounds(1, np.inf))
        assert found.status == 0, found.message
        most[key] = -found.fun
    return most


def assert_safe(folder: Path) -> None:
    _, rows = published(folder)
    shown = [int(row["reports"]) for row in rows if row["suppressed"] == "0"]
    assert not [n for n in shown if 1 <= n <= 9], "a count from 1 to 9 was published"
    revealed = {key: most for key, most in attack(folder).items() if most < 10}
    assert not revealed, f"suppressed cells shown to be under 10: {revealed}"


def spread(seed: int, count: int, countries=("KE", "PH", "MG", "UG", "XX"), weights=(50, 25, 12, 8, 5)):
    """A skewed, seeded data set over three months, every task."""
    rng = random.Random(seed)
    tasks = ("moderation", "image_video", "text_chat", "transcription", "other")
    return [
        report(
            rng.choices(countries, weights)[0],
            rng.choices(tasks, (4, 3, 3, 1, 1))[0],
            rng.choice(("2026-01", "2026-02", "2026-03")),
            late_pay=rng.choices(("never", "sometimes", "often", "unpaid", None), (5, 3, 2, 1, 1))[0],
        )
        for _ in range(count)
    ]


# --- no small count, none recomputable ----------------------------------------------------------


def test_a_realistic_table_is_released_safely_with_every_margin(navigator, report_template, tmp_path):
    path = reports_database(report_template, tmp_path, spread(1, 700))
    summary = export(navigator, path, tmp_path / "out")
    dimensions, rows = published(tmp_path / "out")
    assert dimensions == ["period", "country", "task"]
    # every combination of each dimension's values and ALL: 3 months, 8 countries and "another", 5 tasks
    assert len(rows) == 4 * 10 * 6
    grand = next(r for r in rows if (r["period"], r["country"], r["task"]) == ("ALL", "ALL", "ALL"))
    assert grand["reports"] == "700" and summary.rows_released == 700
    assert summary.rows_suppressed == sum(r["suppressed"] == "1" for r in rows) > 0
    assert any(r["reports"] == "0" for r in rows), "zeros are shown as 0"
    assert summary.files[:5] == DATA_FILES
    assert_safe(tmp_path / "out")


def test_the_attack_catches_an_exporter_without_complementary_suppression(
    navigator, report_template, tmp_path, monkeypatch
):
    """The same data with primary suppression only: the attack must find small cells."""
    monkeypatch.setattr(export_tables, "protect", partial(export_tables.protect, complementary=False))
    path = reports_database(report_template, tmp_path, spread(1, 700))
    export(navigator, path, tmp_path / "out")
    revealed = [key for key, most in attack(tmp_path / "out").items() if most < 10]
    assert revealed
    with pytest.raises(AssertionError, match="shown to be under 10"):
        assert_safe(tmp_path / "out")


MOD = "moderation"


@pytest.mark.parametrize(
    ("dimensions", "counts"),
    [
        (("country",), [("KE", "moderation", 50), ("UG", "moderation", 3), ("PH", "other", 20)]),
        (("country", "task"), [("KE", "moderation", 30), ("KE", "other", 2), ("UG", MOD, 12), ("UG", "other", 11)]),
        (("country",), [("KE", "moderation", 7), ("UG", "moderation", 5), ("PH", "other", 30)]),  # 7 + 5: each up to 11
        (("country", "task"), [("KE", MOD, 9), ("KE", "other", 1), ("UG", MOD, 15), ("UG", "other", 12)]),
    ],
)
def test_known_small_tables(navigator, report_template, tmp_path, dimensions, counts):
    reports = [report(country, task) for country, task, n in counts for _ in range(n)]
    path = reports_database(report_template, tmp_path, reports)
    export(navigator, path, tmp_path / "out", *dimensions)
    assert_safe(tmp_path / "out")
    _, rows = published(tmp_path / "out")
    assert any(r["suppressed"] == "1" for r in rows)


def test_a_small_cell_alone_in_a_line_is_joined_by_the_smallest_other(navigator, report_template, tmp_path):
    path = reports_database(report_template, tmp_path, [report("KE")] * 50 + [report("UG")] * 3 + [report("PH")] * 20)
    export(navigator, path, tmp_path / "out", "country")
    _, rows = published(tmp_path / "out")
    # UG alone would be the total minus the rest; the total stays (it is in the codebook too).
    assert {r["country"] for r in rows if r["suppressed"] == "1"} == {"UG", "PH"}


def test_only_the_total_left_is_refused(navigator, report_template, tmp_path):
    path = reports_database(report_template, tmp_path, [report("KE")] * 50 + [report("UG")] * 3)
    with pytest.raises(ExportRefused, match="every count but the total would have to be hidden"):
        export(navigator, path, tmp_path / "out", "country")


COUNTRIES = ("KE", "UG", "PH", "XX")
TASKS = ("moderation", "image_video", "other")
LATE = ("never", "often", "unpaid", None)
group = st.tuples(
    st.sampled_from(sorted(WEEK)),
    st.sampled_from(COUNTRIES),
    st.sampled_from(TASKS),
    st.sampled_from(LATE),
    st.one_of(st.integers(1, 3), st.integers(1, 40)),  # many small cells, and some large ones
)
datasets = st.one_of(
    st.lists(group, min_size=1, max_size=25),
    st.lists(group.map(lambda g: (g[0], "KE", *g[2:])), min_size=1, max_size=10),  # one country
    st.lists(group.map(lambda g: (*g[:4], 1)), min_size=5, max_size=40),  # ones everywhere
    st.lists(group.map(lambda g: (*g[:4], g[4] + 8)), min_size=4, max_size=30),  # mostly releasable
)
dimension_sets = st.sampled_from(
    [
        ("country",),
        ("period", "country"),
        ("country", "task"),
        ("period", "country", "task"),
        ("task", "late_pay"),
        ("country", "late_pay", "task"),
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups=datasets, dimensions=dimension_sets, period=st.sampled_from(["month", "quarter"]))
def test_no_generated_release_reveals_a_small_cell(navigator, report_template, groups, dimensions, period):
    reports = [report(country, task, month, late_pay=late) for month, country, task, late, n in groups]
    reports = [one for one, (*_, n) in zip(reports, groups, strict=True) for _ in range(n)]
    # The chart is tested below; drawing it here would only slow each example down.
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(export_tables, "render_chart", lambda _: PNG):
        path = reports_database(report_template, Path(folder), reports)
        try:
            export(navigator, path, Path(folder) / "out", *dimensions, period=period)
        except ExportRefused as refused:
            assert "10" in str(refused)
            event("refused")
            return
        assert len(reports) >= 10
        assert_safe(Path(folder) / "out")
        hidden = any(row["suppressed"] == "1" for row in published(Path(folder) / "out")[1])
        event("released, with suppression" if hidden else "released, nothing suppressed")


# --- medians --------------------------------------------------------------------------------


def test_medians_only_over_ten_answers_in_shown_cells(navigator, report_template, tmp_path):
    reports = (
        [report("KE", hours="lt20")] * 9
        + [report("KE", hours=None, unpaid="none")] * 6  # KE: 15 reports, 9 answered the hours
        + [report("UG", hours="gt60")] * 12
        + [report("PH", pay_unit="hour", pay_amount_band="50", pay_amount_currency="PHP")] * 10
        + [report("KE", pay_unit="hour", pay_amount_band="10", pay_amount_currency="KES")] * 9
    )
    path = reports_database(report_template, tmp_path, reports)
    export(navigator, path, tmp_path / "out", "country")
    rows = {r["country"]: r for r in published(tmp_path / "out")[1]}
    assert rows["KE"]["reports"] == "24" and rows["KE"]["median_hours"] == "lt20"  # 9 lt20, 9 h40_48: the lower one
    assert rows["UG"]["median_hours"] == "gt60"
    assert rows["PH"]["median_hours"] == "h40_48"
    assert rows["MG"]["reports"] == "0" and rows["MG"]["median_hours"] == ""
    assert rows["ALL"]["median_unpaid"] == "lt2"
    with (tmp_path / "out" / "pay_medians.csv").open(newline="") as f:
        pay = list(csv.DictReader(f))
    # KE's 9 reports paid by the hour make no median; PH's 10 do.
    assert pay == [
        {
            "period": "ALL",
            "country": "PH",
            "pay_unit": "hour",
            "currency": "PHP",
            "median_band_low": "50",
            "median_band_high": "100",
            "median_band": "50 to 100 PHP",
        }
    ]
    jsonl = [json.loads(line) for line in (tmp_path / "out" / "pay_medians.jsonl").read_text().splitlines()]
    assert [row["country"] for row in jsonl] == ["PH"]


def test_a_median_needs_ten_answers_to_its_question(navigator, report_template, tmp_path):
    reports = [report("KE", hours="lt20")] * 9 + [report("KE", hours=None)] * 6 + [report("UG")] * 30
    path = reports_database(report_template, tmp_path, reports)
    export(navigator, path, tmp_path / "out", "country")
    rows = {r["country"]: r for r in published(tmp_path / "out")[1]}
    assert rows["KE"]["reports"] == "15"
    assert rows["KE"]["median_hours"] == ""  # 9 answers only
    assert rows["KE"]["median_unpaid"] == "lt2"  # 15 answers


def test_no_median_in_a_suppressed_cell_and_none_of_a_dimension(navigator, report_template, tmp_path):
    reports = [report("KE")] * 40 + [report("UG")] * 4 + [report("PH")] * 12
    path = reports_database(report_template, tmp_path, reports)
    export(navigator, path, tmp_path / "out", "country", "hours")
    dimensions, rows = published(tmp_path / "out")
    assert "median_hours" not in rows[0] and "median_unpaid" in rows[0]
    assert all(r["median_unpaid"] == "" for r in rows if r["suppressed"] == "1")
    lines = [json.loads(line) for line in (tmp_path / "out" / "tables.jsonl").read_text().splitlines()]
    assert all(line["reports"] is None and line["median_unpaid"] is None for line in lines if line["suppressed"])


# --- refusals -------------------------------------------------------------------------------


async def test_five_reports_are_refused_with_a_plain_reason(navigator, tmp_path):
    store = await Store.open(tmp_path / "haki.sqlite3")
    try:
        for _ in range(5):
            week, answers = report()
            await store.reports.add_report(week, answers, os.urandom(32), None)
    finally:
        await store.close()
    with pytest.raises(ExportRefused, match="fewer than 10 reports"):
        export(navigator, tmp_path / "haki.sqlite3", tmp_path / "out")
    assert not (tmp_path / "out" / "tables.csv").exists()


def test_no_reports_are_refused(navigator, report_template, tmp_path):
    path = reports_database(report_template, tmp_path, [])
    with pytest.raises(ExportRefused, match="no reports"):
        export(navigator, path, tmp_path / "out")


def test_reports_too_thinly_spread_are_refused_with_what_to_try(navigator, report_template, tmp_path):
    reports = [report(c, t, m) for c, t, m in [("KE", "moderation", "2026-01"), ("UG", "other", "2026-02")]] * 3
    reports += [report("PH", "text_chat", "2026-03")] * 6
    path = reports_database(report_template, tmp_path, reports)
    with pytest.raises(ExportRefused, match="fewer dimensions .* or quarter instead of month"):
        export(navigator, path, tmp_path / "out")
    with pytest.raises(ExportRefused, match="Wait until more reports"):
        export(navigator, path, tmp_path / "out2", "country")


def test_unknown_dimensions_are_refused_naming_the_allowed_ones(navigator, report_template, tmp_path):
    path = reports_database(report_template, tmp_path, [report()] * 20)
    with pytest.raises(ValueError, match="pay_amount.*choose from period, country, employer, task"):
        export(navigator, path, tmp_path / "out", "country", "pay_amount")


# --- the chart ------------------------------------------------------------------------------


def chart_of(navigator, report_template, tmp_path, monkeypatch, reports, *dimensions):
    drawn = []

    def render(panels):
        drawn.extend(panels)
        return original(panels)

    original = export_tables.render_chart
    monkeypatch.setattr(export_tables, "render_chart", render)
    path = reports_database(report_template, tmp_path, reports)
    export(navigator, path, tmp_path / "out", *dimensions)
    assert (tmp_path / "out" / "chart.png").read_bytes().startswith(PNG)
    return {panel.share.question: dict(panel.rows) for panel in drawn}


def test_chart_shares_are_hidden_under_ten_either_way(navigator, report_template, tmp_path, monkeypatch):
    reports = (
        [report("KE", late_pay="often")] * 12
        + [report("KE")] * 18  # 12 of 30: shown
        + [report("UG", late_pay="unpaid")] * 9
        + [report("UG")] * 16  # 9 of 25: hidden
        + [report("PH", late_pay="often")] * 13
        + [report("PH")] * 9  # 9 not late: hidden
    )
    panels = chart_of(navigator, report_template, tmp_path, monkeypatch, reports, "country")
    late = panels["late_pay"]
    assert late["Kenya"] == pytest.approx(0.4)
    assert late["Uganda"] is None and late["Philippines"] is None and late["Madagascar"] is None
    assert list(late)[-1] == "Another country"
    assert set(panels[None]) == {"Kenya", "Madagascar", "Morocco", "Philippines"}  # countries with a minimum wage
    assert panels[None]["Kenya"] is None  # no pay given: 0 below the minimum, under 10


def test_a_share_is_hidden_when_the_table_hides_a_count_in_it(navigator, report_template, tmp_path, monkeypatch):
    reports = [report("KE", late_pay="often")] * 12 + [report("KE", late_pay="unpaid")] * 3 + [report("KE")] * 30
    reports += [report("UG")] * 20
    panels = chart_of(navigator, report_template, tmp_path, monkeypatch, reports, "country", "late_pay")
    rows = {(r["country"], r["late_pay"]): r for r in published(tmp_path / "out")[1]}
    assert rows["KE", "unpaid"]["suppressed"] == "1"
    assert panels["late_pay"]["Kenya"] is None  # 15 of 45 would pass the rule, but would give away 3
    assert_safe(tmp_path / "out")


def test_below_the_minimum_wage_counts_cant_tell_in_the_denominator(navigator, report_template, tmp_path, monkeypatch):
    pay = {"pay_unit": "hour", "pay_amount_currency": "KES"}
    reports = [report("KE", pay_amount_band="10", **pay)] * 12  # below 71.51 KES an hour
    reports += [report("KE", pay_amount_band="100", **pay)] * 10  # not below
    reports += [report("KE")] * 18  # no pay given: can't tell
    panels = chart_of(navigator, report_template, tmp_path, monkeypatch, reports, "country")
    assert panels[None]["Kenya"] == pytest.approx(12 / 40)


# --- the codebook and the SQL -----------------------------------------------------------------


def test_codebook_labels_every_code_in_english(navigator, report_template, tmp_path):
    path = reports_database(report_template, tmp_path, spread(2, 300) + [report("KE", task=None)] * 12)
    summary = export(navigator, path, tmp_path / "out", "period", "country", "task")
    variables = {v.name: v for v in summary.variables}
    assert variables["country"].codes["KE"] == "Kenya"
    assert variables["country"].codes["XX"] == "Another country"
    assert variables["task"].codes["moderation"] == "Content moderation"
    assert variables["task"].codes["not_answered"] == "Not answered"
    assert variables["period"].codes["2026-01"] == "January 2026"
    assert all("ALL" in variables[d].codes for d in ("period", "country", "task"))
    assert variables["median_hours"].codes["h40_48"] == "40 to 48"
    assert {"reports", "suppressed", "median_unpaid", "median_band"} <= set(variables)
    assert any("linear programming" in note for note in summary.notes)
    codebook = json.loads((tmp_path / "out" / "codebook.json").read_text())
    assert codebook["rows_released"] == 312 and codebook["files"][:5] == DATA_FILES


def test_quarters_and_empty_periods_are_listed(navigator, report_template, tmp_path):
    reports = [report(month="2026-01")] * 20 + [report(month="2026-05")] * 20
    path = reports_database(report_template, tmp_path, reports)
    export(navigator, path, tmp_path / "out", "period", period="month")
    periods = [r["period"] for r in published(tmp_path / "out")[1]]
    assert periods == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "ALL"]
    export(navigator, path, tmp_path / "q", "period", period="quarter")
    assert [r["period"] for r in published(tmp_path / "q")[1]] == ["2026-Q1", "2026-Q2", "ALL"]


def test_scipy_and_matplotlib_load_only_when_exporting():
    code = "import sys, bot.exports.run, bot.exports.tables; assert not {'scipy', 'matplotlib'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_the_bot_starts_without_the_export_libraries():
    """Start-up stays fast: numpy, scipy and matplotlib load when a researcher exports, not before."""
    code = (
        "import sys, app.cli, handlers.application; "
        "loaded = {'numpy', 'scipy', 'matplotlib'} & set(sys.modules); assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_the_reader_counts_every_request_in_one_scan(report_template, tmp_path):
    path = reports_database(
        report_template, tmp_path, [report("KE")] * 3 + [report("UG", task=None, month="2026-03")] * 2
    )
    with ReportReader(path) as reader:
        by_task, by_quarter = reader.tables_tallies([(["country", "task"], None), (["country"], "quarter")])
        assert sorted(by_task, key=str) == [(("KE", "moderation"), 3), (("UG", None), 2)]
        assert sorted(by_quarter) == [(("2026-Q1", "KE"), 3), (("2026-Q1", "UG"), 2)]
        with pytest.raises(ValueError):
            reader.tables_tallies([(["country"], "month"), (["task"], "quarter")])
        with pytest.raises(ValueError):
            reader.tables_tallies([(["country') --"], None)])
