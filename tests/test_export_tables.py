"""The tables tier of research exports (bot/exports/tables.py), made from real releases: reports in
SQLite, released by the Publisher with OpenDP's noise. What a researcher checks: the counts are
the release's, every margin adds up, a quarter is its three months, each count's standard error
is the noise's, and a table that was never measured is refused, not made up."""

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.exports import tables as export_tables
from bot.exports.options import ExportOptions, ExportRefused
from bot.exports.run import run_export
from tests.export_data import MONTHS, data_files, read_csv, realistic, released, report

PNG = b"\x89PNG\r\n\x1a\n"


def export(releases, navigator, folder: Path, *dimensions: str, period: str = "month", **options):
    chosen = ExportOptions(dimensions=dimensions or ("period", "country", "task"), period=period, **options)
    return run_export(releases, navigator.content, chosen, folder)


def one_cell_variance(scale: float) -> float:
    """Discrete Laplace noise's variance, from its distribution directly (not the exporter's formula)."""
    k = np.arange(-2000, 2001)
    p = np.exp(-np.abs(k) / scale)
    return float((p * k**2).sum() / p.sum())


@pytest.fixture
async def months(navigator, report_template, tmp_path):
    """January to April 2026, 1,200 realistic reports, released."""
    return await released(report_template, tmp_path / "db", navigator.content, realistic(1, 1200))


# --- the counts ---------------------------------------------------------------------------------


def test_the_counts_are_the_releases_with_every_margin_and_their_standard_errors(navigator, months, tmp_path):
    summary = export(months, navigator, tmp_path / "out")
    rows = read_csv(tmp_path / "out" / "tables.csv")
    assert list(rows[0]) == ["period", "country", "task", "reports", "standard_error"]
    countries, tasks = months[0].attributes["country"], months[0].attributes["task"]
    assert len(rows) == (len(MONTHS) + 1) * (len(countries) + 1) * (len(tasks) + 1)
    cells = {(r["period"], r["country"], r["task"]): r for r in rows}
    for release in months:
        measured = release.table(("country", "task"))
        for (country, task), count in measured.items():
            assert int(cells[release.month, country, task]["reports"]) == count
    # Every line adds up to its ALL cell, along each dimension.
    for key, row in cells.items():
        for axis in range(3):
            if key[axis] == "ALL":
                members = [
                    r
                    for k, r in cells.items()
                    if k[axis] != "ALL" and k[:axis] + k[axis + 1 :] == key[:axis] + key[axis + 1 :]
                ]
                assert int(row["reports"]) == sum(int(r["reports"]) for r in members)
    assert summary.rows_released == int(cells["ALL", "ALL", "ALL"]["reports"]) == sum(r.total for r in months)
    # The standard error: one measured cell; a margin over n cells and m months has n x m cells' variance.
    var = one_cell_variance(months[0].scale)
    assert float(cells["2026-01", "KE", "moderation"]["standard_error"]) == pytest.approx(math.sqrt(var), abs=0.01)
    assert float(cells["2026-01", "ALL", "moderation"]["standard_error"]) == pytest.approx(
        math.sqrt(len(countries) * var), abs=0.01
    )
    assert float(cells["ALL", "ALL", "ALL"]["standard_error"]) == pytest.approx(
        math.sqrt(len(MONTHS) * len(countries) * len(tasks) * var), abs=0.02
    )
    lines = [json.loads(line) for line in (tmp_path / "out" / "tables.jsonl").read_text().splitlines()]
    assert lines[0] == {
        k: (int(v) if k == "reports" else float(v) if k == "standard_error" else v) for k, v in rows[0].items()
    }


async def test_the_counts_are_noisy_not_the_reports(navigator, report_template, tmp_path):
    """Released twice, the same reports give different counts: the noise is real. 400 reports, all
    Kenya and moderation: exact counts would be the same twice."""
    reports = [report("KE", "moderation", "2026-02")] * 400
    first = await released(report_template, tmp_path / "a", navigator.content, reports)
    second = await released(report_template, tmp_path / "b", navigator.content, reports)
    export(first, navigator, tmp_path / "1", "country", "task")
    export(second, navigator, tmp_path / "2", "country", "task")
    counts = [
        {(r["country"], r["task"]): int(r["reports"]) for r in read_csv(tmp_path / n / "tables.csv")} for n in "12"
    ]
    assert counts[0] != counts[1]
    assert all(abs(c["KE", "moderation"] - 400) < 100 for c in counts)  # 6 standard errors


def test_a_quarter_is_the_sum_of_its_three_months(navigator, months, tmp_path):
    export(months, navigator, tmp_path / "m", "period", "country", "exposure")
    export(months, navigator, tmp_path / "q", "period", "country", "exposure", period="quarter")
    by_month = {(r["period"], r["country"], r["exposure"]): r for r in read_csv(tmp_path / "m" / "tables.csv")}
    by_quarter = read_csv(tmp_path / "q" / "tables.csv")
    # April is released, but May and June are not: the second quarter is left out, not shown in part.
    assert sorted({r["period"] for r in by_quarter}) == ["2026-Q1", "ALL"]
    for row in by_quarter:
        if row["period"] == "2026-Q1":
            parts = [by_month[m, row["country"], row["exposure"]] for m in ("2026-01", "2026-02", "2026-03")]
            assert int(row["reports"]) == sum(int(p["reports"]) for p in parts)
            assert float(row["standard_error"]) ** 2 == pytest.approx(
                sum(float(p["standard_error"]) ** 2 for p in parts), rel=1e-3
            )


def test_a_quarter_is_exported_only_whole(navigator, months, tmp_path):
    with pytest.raises(ExportRefused, match=r"quarter 1 of 2026.*March 2026 is released, on April 8, 2026"):
        export(months[:2], navigator, tmp_path / "q", period="quarter")


def test_only_the_months_asked_for_are_exported(navigator, months, tmp_path):
    summary = export(months, navigator, tmp_path / "out", "period", "task", first="2026-02", last="2026-03")
    assert summary.months == ["2026-02", "2026-03"]
    assert sorted({r["period"] for r in read_csv(tmp_path / "out" / "tables.csv")}) == ["2026-02", "2026-03", "ALL"]
    with pytest.raises(ExportRefused, match="Released months: 2026-01 to 2026-04"):
        export(months, navigator, tmp_path / "none", first="2027-01")


def test_counts_without_the_period_add_up_all_the_months(navigator, months, tmp_path):
    export(months, navigator, tmp_path / "out", "task", "exposure")
    rows = {(r["task"], r["exposure"]): int(r["reports"]) for r in read_csv(tmp_path / "out" / "tables.csv")}
    for (task, exposure), count in rows.items():
        if "ALL" not in (task, exposure):
            assert count == sum(r.table(("task", "exposure"))[task, exposure] for r in months)


# --- only what was measured ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dimensions",
    [("period", "country", "pay_check"), ("pay_unit", "pay_band"), ("task", "exposure"), ("period",), ("hours",)],
)
def test_any_combination_a_measured_table_holds_can_be_exported(navigator, months, tmp_path, dimensions):
    summary = export(months, navigator, tmp_path / "out", *dimensions)
    assert summary.rows_released == sum(r.total for r in months)


def test_a_combination_never_measured_is_refused_with_those_that_were(navigator, months, tmp_path):
    with pytest.raises(ExportRefused) as refused:
        export(months, navigator, tmp_path / "out", "period", "task", "hours")
    message = str(refused.value)
    assert message.startswith("Counts by task × hours were never measured")
    assert "country × hours" in message and "task × exposure" in message and "country × pay_unit × pay_band" in message
    assert not (tmp_path / "out" / "tables.csv").exists()


def test_unknown_or_too_many_dimensions_are_refused_naming_the_allowed_ones(navigator, months, tmp_path):
    with pytest.raises(ValueError, match="shoe_size: choose from period, country, employer, task"):
        export(months, navigator, tmp_path / "out", "country", "shoe_size")
    with pytest.raises(ValueError, match="up to 2 different answers"):
        ExportOptions(dimensions=("country", "pay_unit", "pay_band"))


# --- the same file every time -------------------------------------------------------------------


def test_pulling_the_same_export_twice_gives_identical_files(navigator, months, tmp_path):
    export(months, navigator, tmp_path / "first", "period", "country", "late_pay")
    export(months, navigator, tmp_path / "second", "period", "country", "late_pay")
    first = data_files(tmp_path / "first")
    assert set(first) == {"tables.csv", "tables.jsonl", "pay_medians.csv", "pay_medians.jsonl", "chart.png"}
    assert first == data_files(tmp_path / "second")


# --- pay medians ---------------------------------------------------------------------------------


def median_band(counts: dict[str, int]) -> str | None:
    """The band of the middle report, written apart from the exporter: bands in numeric order."""
    ordered = sorted(counts.items(), key=lambda item: float(item[0]))
    total = sum(counts.values())
    if total < 10:
        return None
    seen = 0
    for band, n in ordered:
        seen += n
        if 2 * seen >= total:
            return band
    raise AssertionError


def test_pay_medians_are_worked_out_from_the_noisy_pay_table(navigator, months, tmp_path):
    export(months, navigator, tmp_path / "out", "country")
    found = {(r["period"], r["country"], r["pay_unit"]): r for r in read_csv(tmp_path / "out" / "pay_medians.csv")}
    bands = [b for b in months[0].attributes["pay_band"] if b[0].isdigit()]
    expected = {}
    for release in [*months, None]:
        group = months if release is None else [release]
        period = "ALL" if release is None else release.month
        for country in ("KE", "PH", "UG", "MG", "TZ", "IN", "MA", "VE"):
            for unit in ("hour", "day", "week", "month", "task"):
                counts = {
                    b: sum(r.table(("country", "pay_unit", "pay_band"))[country, unit, b] for r in group) for b in bands
                }
                band = median_band(counts)
                if band is not None:
                    expected[period, country, unit] = (band, sum(counts.values()))
    assert {k: (v["median_band_low"], int(v["reports"])) for k, v in found.items()} == expected
    assert ("ALL", "KE", "month") in expected  # the test data has medians to find
    assert found["ALL", "KE", "month"]["currency"] == "KES"


async def test_pay_in_another_currency_is_not_in_the_median(navigator, report_template, tmp_path):
    pay = {"pay_unit": "hour", "pay_amount_band": "10"}
    reports = [report("KE", pay_amount_currency="KES", **pay)] * 300
    reports += [report("KE", pay_amount_currency="USD", pay_unit="hour", pay_amount_band="10000")] * 900
    releases = await released(report_template, tmp_path / "db", navigator.content, reports)
    export(releases, navigator, tmp_path / "out", "country")
    rows = {(r["period"], r["country"], r["pay_unit"]): r for r in read_csv(tmp_path / "out" / "pay_medians.csv")}
    assert rows["ALL", "KE", "hour"]["median_band"] == "10 to 50 KES"


# --- the chart -----------------------------------------------------------------------------------


def summed(months, country: str, question: str) -> dict[str, int]:
    """A country's counts by `question` over the months, from the releases."""
    return {
        code: sum(r.table(("country", question))[country, code] for r in months)
        for code in months[0].attributes[question]
    }


def test_chart_shares_come_from_the_releases_and_need_ten_reports(navigator, months, tmp_path, monkeypatch):
    drawn = []
    original = export_tables.render_chart
    monkeypatch.setattr(export_tables, "render_chart", lambda panels: drawn.extend(panels) or original(panels))
    export(months, navigator, tmp_path / "out", "country")
    assert (tmp_path / "out" / "chart.png").read_bytes().startswith(PNG)
    panels = {panel.share.question: dict(panel.rows) for panel in drawn}
    for country, name in (("KE", "Kenya"), ("MG", "Madagascar"), ("VE", "Venezuela"), ("XX", "Another country")):
        late = summed(months, country, "late_pay")
        answered = sum(n for code, n in late.items() if code != "not_answered")
        share = (late["often"] + late["unpaid"]) / answered if answered >= 10 else None
        assert panels["late_pay"][name] == pytest.approx(share)
    below = summed(months, "KE", "pay_check")
    assert panels["pay_check"]["Kenya"] == pytest.approx(below["below"] / sum(below.values()))
    assert set(panels["pay_check"]) == {"Kenya", "Madagascar", "Morocco", "Philippines"}  # a known minimum wage
    assert panels["late_pay"]["Kenya"] is not None  # 45% of 1,200 reports


# --- the codebook --------------------------------------------------------------------------------


def test_the_codebook_labels_the_codes_and_explains_the_noise(navigator, months, tmp_path):
    summary = export(months, navigator, tmp_path / "out", "period", "country", "task", period="quarter")
    variables = {v.name: v for v in summary.variables}
    assert variables["country"].codes["KE"] == "Kenya" and variables["country"].codes["XX"] == "Another country"
    assert variables["task"].codes["moderation"] == "Content moderation"
    assert variables["task"].codes["not_answered"] == "Not answered"
    assert variables["period"].codes["2026-Q1"] == "Quarter 1 of 2026"
    assert all(variables[d].codes["ALL"].startswith("All values") for d in ("period", "country", "task"))
    assert {"reports", "standard_error", "median_band", "currency"} <= set(variables)
    codebook = json.loads((tmp_path / "out" / "codebook.json").read_text())
    rules = " ".join(codebook["rules"])
    assert "no one more than 3 times more sure about any worker's answers" in rules
    assert "2e^(-1/b) / (1 - e^(-1/b))^2" in rules and "n times that" in rules
    assert "only quarters whose three months are all released" in rules
    assert "issue 16" in rules  # free text is released apart
    assert codebook["months"] == ["2026-01", "2026-02", "2026-03"]
    assert [f["month"] for f in codebook["releases"]] == codebook["months"]
    for fact, release in zip(codebook["releases"], months, strict=False):
        assert fact["noise_scale"] == pytest.approx(release.scale)
        assert fact["epsilon"] == pytest.approx(math.log(3))
        assert fact["reports_per_month"] == release.reports_per_month
    assert codebook["rows_released"] == sum(r.total for r in months[:3])
    assert "rows_suppressed" not in codebook and "achieved_k" not in codebook


# --- start-up stays light ------------------------------------------------------------------------


def test_matplotlib_loads_only_when_exporting():
    code = "import sys, bot.exports.run, bot.exports.tables; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_the_bot_starts_without_the_export_libraries():
    """Start-up stays fast: numpy, matplotlib and OpenDP load when they are needed, not before."""
    code = (
        "import sys, app.cli, handlers.application; "
        "loaded = {'numpy', 'matplotlib', 'opendp'} & set(sys.modules); assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


def test_a_release_whose_design_lacks_the_table_is_refused(navigator, months, tmp_path):
    """An older month measured before a question existed cannot give counts by it."""
    old = dataclasses.replace(months[0], tables={m: c for m, c in months[0].tables.items() if "support" not in m})
    with pytest.raises(ExportRefused, match="Counts by country × support were never measured"):
        export([old, *months[1:]], navigator, tmp_path / "out", "country", "support")
