"""The microdata tier (bot/exports/microdata.py): synthetic records drawn from each month's release
(bot/releases/synthesize.py). What a researcher checks, reading only the published CSV: counted by
country and any one answer, the records give the release's table exactly; task × exposure keeps
the release's strong relation; the same release always gives the same file; and the codebook says
plainly that no row is a real report."""

import csv
import dataclasses
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.exports.options import ExportOptions
from bot.exports.run import run_export
from bot.releases.synthesize import counts, fit_three_way, round_keeping_sums, synthesize
from tests.export_data import data_files, read_csv, realistic, released

COLUMNS = [
    "period",
    "country",
    "employer",
    "task",
    "pay_unit",
    "pay_band",
    "hours",
    "unpaid",
    "late_pay",
    "deactivated",
    "exposure",
    "support",
    "contract",
]


def export(releases, navigator, folder: Path, **options):
    return run_export(releases, navigator.content, ExportOptions(tier="microdata", **options), folder)


@pytest.fixture
async def months(navigator, report_template, tmp_path):
    """January to April 2026, 3,000 realistic reports, released."""
    return await released(report_template, tmp_path / "db", navigator.content, realistic(2, 3000))


def tally(rows: list[dict[str, str]], *names: str) -> Counter:
    return Counter(tuple(row[n] for n in names) for row in rows)


def released_table(release, *names: str) -> Counter:
    return Counter({key: n for key, n in release.table(names).items() if n})


def test_records_reproduce_every_country_table_of_each_release(navigator, months, tmp_path):
    summary = export(months, navigator, tmp_path / "out")
    rows = read_csv(tmp_path / "out" / "microdata.csv")
    assert list(rows[0]) == COLUMNS
    assert summary.rows_released == len(rows) == sum(r.total for r in months)
    for release in months:
        mine = [row for row in rows if row["period"] == release.month]
        assert len(mine) == release.total
        for name in COLUMNS[2:]:
            assert tally(mine, "country", name) == released_table(release, "country", name), name
        assert tally(mine, "country", "pay_unit", "pay_band") == released_table(
            release, "country", "pay_unit", "pay_band"
        )
    with (tmp_path / "out" / "microdata.jsonl").open(encoding="utf-8") as lines:
        assert [json.loads(line) for line in lines] == rows


async def test_task_and_exposure_keep_their_relation(navigator, report_template, tmp_path):
    """Moderators see disturbing content far more often than transcribers, whatever their country:
    the records keep the release's task × exposure table, not a mix made from the country alone.
    One month of 3,000 reports (at fewer, noise swamps the difference between the two)."""
    reports = realistic(3, 3000, months=("2026-03",))
    release = (await released(report_template, tmp_path / "db", navigator.content, reports))[0]
    assert release.month == "2026-03"
    export([release], navigator, tmp_path / "out")
    mine = tally(read_csv(tmp_path / "out" / "microdata.csv"), "task", "exposure")
    measured = release.table(("task", "exposure"))
    tasks, exposures, countries = (release.attributes[n] for n in ("task", "exposure", "country"))
    # Independence given the country: what the records would show without the fitting.
    by_task, by_exposure = release.table(("country", "task")), release.table(("country", "exposure"))
    total = {c: sum(by_task[c, t] for t in tasks) for c in countries}
    independent = {
        (t, e): sum(by_task[c, t] * by_exposure[c, e] / total[c] for c in countries if total[c])
        for t in tasks
        for e in exposures
    }
    error = np.mean([abs(mine[key] - measured[key]) for key in measured])
    naive = np.mean([abs(independent[key] - measured[key]) for key in measured])
    assert error < naive / 2, (error, naive)  # about a tenth in practice
    daily = {t: mine[t, "daily"] / max(1, sum(mine[t, e] for e in exposures)) for t in tasks}
    assert daily["moderation"] > 0.5 > daily["transcription"]


def test_pairs_never_measured_are_independent_given_the_country(navigator, months, tmp_path):
    """Hours and support were never measured together: within a country the records pair them at
    random, so their table is what the two country tables imply, up to the draw's own chance."""
    export(months, navigator, tmp_path / "out")
    rows = [r for r in read_csv(tmp_path / "out" / "microdata.csv") if r["country"] == "KE"]
    hours, support = tally(rows, "hours"), tally(rows, "support")
    pairs = tally(rows, "hours", "support")
    for (h,), n_h in hours.items():
        for (s,), n_s in support.items():
            expected = n_h * n_s / len(rows)
            assert abs(pairs[h, s] - expected) < 5 * np.sqrt(expected) + 3, (h, s, pairs[h, s], expected)


def test_the_same_release_gives_the_same_file_and_another_seed_another(navigator, months, tmp_path):
    export(months, navigator, tmp_path / "first")
    export(months, navigator, tmp_path / "second")
    assert data_files(tmp_path / "first") == data_files(tmp_path / "second")
    reseeded = [dataclasses.replace(r, seed=r.seed + 1) for r in months]
    export(reseeded, navigator, tmp_path / "third")
    third = data_files(tmp_path / "third")
    assert third != data_files(tmp_path / "first")
    # Another draw of the same release: the same tables, other rows.
    rows = read_csv(tmp_path / "third" / "microdata.csv")
    assert tally(rows, "period", "country", "task") == tally(
        read_csv(tmp_path / "first" / "microdata.csv"), "period", "country", "task"
    )


def test_only_the_months_asked_for_and_only_by_month(navigator, months, tmp_path):
    summary = export(months, navigator, tmp_path / "out", first="2026-03")
    assert summary.months == ["2026-03", "2026-04"]
    periods = {row["period"] for row in read_csv(tmp_path / "out" / "microdata.csv")}
    assert periods == {"2026-03", "2026-04"}
    with pytest.raises(ValueError, match="microdata is by month"):
        ExportOptions(tier="microdata", period="quarter")


def test_the_codebook_says_the_records_are_synthetic_and_what_they_keep(navigator, months, tmp_path):
    export(months, navigator, tmp_path / "out")
    codebook = json.loads((tmp_path / "out" / "codebook.json").read_text())
    rules = " ".join(codebook["rules"])
    assert "SYNTHETIC RECORDS: no row is a real report" in rules
    assert "task × exposure" in rules and "independent given the country" in rules
    assert "no one more than 3 times more sure about any worker's answers, or about whether they reported" in rules
    assert "report(s) a month (reports_per_month)" in rules and "Noise scale b = " in rules
    assert "issue 16" in rules
    variables = {v["name"]: v for v in codebook["variables"]}
    assert list(variables) == COLUMNS
    assert variables["pay_band"]["codes"]["50"] == "50 to less than 100, in the country's currency"
    assert variables["period"]["codes"]["2026-04"] == "April 2026"
    with (tmp_path / "out" / "codebook.csv").open(newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == ["variable", "code", "label", "description"]


def test_a_million_records_still_reproduce_the_tables(months):
    """Synthesis works at the scale of the benchmark (bench/export.py times it)."""
    release = months[0]
    big = dataclasses.replace(release, tables={m: [n * 1000 for n in c] for m, c in release.tables.items()})
    records = synthesize(big)
    assert len(records) == big.total > 500_000
    for name in ("task", "hours", "exposure"):
        found = np.zeros(counts(big, ("country", name)).shape, dtype=np.int64)
        np.add.at(found, (records.columns["country"], records.columns[name]), 1)
        assert (found == counts(big, ("country", name))).all()


# --- the two steps that keep the country tables exact, on any tables -----------------------------

whole = st.integers(0, 40)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5), st.data())
def test_rounding_keeps_both_sums_and_stays_within_one(countries, n_a, n_b, data):
    """Any tables agreeing on the country totals, as a release's do: the fitted three-way table,
    rounded, gives whole counts within 1 of it whose country tables are exactly the released ones."""
    by_a = np.array(
        data.draw(st.lists(st.lists(whole, min_size=n_a, max_size=n_a), min_size=countries, max_size=countries))
    )
    by_b = np.zeros((countries, n_b), dtype=np.int64)
    for c in range(countries):  # the same totals, spread another way
        for _ in range(by_a[c].sum()):
            by_b[c, data.draw(st.integers(0, n_b - 1))] += 1
    pair = np.array(data.draw(st.lists(st.lists(whole, min_size=n_b, max_size=n_b), min_size=n_a, max_size=n_a)))
    fitted = fit_three_way(by_a, by_b, pair)
    for c in range(countries):
        rounded = round_keeping_sums(fitted[c], by_a[c], by_b[c])
        assert (rounded >= 0).all() and (np.abs(rounded - fitted[c]) < 1 + 1e-6).all()
        assert (rounded.sum(axis=1) == by_a[c]).all() and (rounded.sum(axis=0) == by_b[c]).all()
