"""The microdata tier of research exports (bot/exports/microdata.py): one row per report, checked
with an independent tool. pycanon reads only the published microdata.csv and measures k over the
quasi-identifiers, so a mistake in the exporter's own counting is not repeated in the check."""

import csv
import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pycanon import anonymity

from bot.exports import microdata as export_microdata
from bot.exports.options import ExportOptions, ExportRefused
from bot.exports.run import run_export
from bot.store.research import SEPARATOR, ReportReader
from tests.conftest import reports_database

QUASI_IDENTIFIERS = ["period", "country", "employer", "task", "pay_unit", "pay_band", "hours", "contract"]
OTHER_ANSWERS = ["unpaid", "late_pay", "deactivated", "exposure", "support"]
COLUMNS = QUASI_IDENTIFIERS + OTHER_ANSWERS
PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2]|Q[1-4])|other")


def answers(
    country="KE", employer="bpo", task="moderation", unit="month", band="1000", hours="h40_48", **more
) -> dict[str, str]:
    given = {"country": country, "employer": employer, "task": task, "hours": hours, "contract": "employee"}
    given |= {"unpaid": "none", "late_pay": "never", "deactivated": "no", "exposure": "daily", "support": "none"}
    if unit:
        given |= {"pay_unit": unit, "pay_amount_band": band, "pay_amount_currency": "KES"}
    return given | more


def read_csv(folder: Path) -> pd.DataFrame:
    # Every value as the text it is: pandas would read the country code "NA" (Namibia) as missing.
    return pd.read_csv(folder / "microdata.csv", dtype=str, keep_default_na=False)


def export(navigator, db: Path, folder: Path, **options):
    return run_export(db, navigator.content, ExportOptions(tier="microdata", **options), folder)


def check_k(folder: Path, k: int) -> int:
    """pycanon's k over the quasi-identifiers of the published CSV; fails below k."""
    found = anonymity.k_anonymity(read_csv(folder), QUASI_IDENTIFIERS)
    assert found >= k, f"pycanon finds k = {found} < {k}"
    return found


# --- the independent check, over many generated data sets ---------------------------------------

COUNTRIES = ["KE", "PH", "IN", "MG", "UG", "TZ", "MA", "VE", "XX"]
WEEKS = ["2026-W02", "2026-W01", "2025-W52", "2026-W05", "2026-W06", "2026-W10", "2026-W14", "2026-W27", "2026-W40"]
CHOICES = {
    "employer": ["bpo", "platform", "direct", "other"],
    "task": ["moderation", "image_video", "text_chat", "transcription", "other"],
    "unit": ["month", "hour", "day", "week", "task", None],
    "band": ["1000", "0", "10", "50", "100", "500", "5000", "10000", "50000", "100000", "500000"],
    "hours": ["h40_48", "lt20", "h20_39", "h49_60", "gt60"],
    "contract": ["employee", "contractor", "none", "unsure"],
    "late_pay": ["never", "sometimes", "often", "unpaid"],
}


def pick(values: list, skew: int) -> st.SearchStrategy:
    """One of the values, the first `skew` times more likely than each other one."""
    return st.sampled_from([values[0]] * skew + values)


@st.composite
def report_answers(draw, countries: list[str], weeks: list[str], skew: int, unknown: bool) -> tuple:
    choices = {
        name: pick(values + (["agency"] if unknown and name == "employer" else []), skew)
        for name, values in CHOICES.items()
    }
    given = answers(country=draw(pick(countries, skew)), **{name: draw(s) for name, s in choices.items()})
    # Answers an older Haki may have stored: a skipped question.
    if draw(st.integers(0, 19)) == 0:
        del given[draw(st.sampled_from(["hours", "contract", "employer", "exposure"]))]
    return draw(pick(weeks, skew)), given


@st.composite
def datasets(draw) -> tuple[str, list[tuple[str, dict[str, str]]]]:
    shape = draw(st.sampled_from(["tiny", "skewed", "dominant", "rare"]))
    if shape == "tiny":  # a handful of reports: usually nothing can go out
        reports, size = report_answers(COUNTRIES, WEEKS[:3], 2, False), (0, 12)
    elif shape == "dominant":  # one country, and one answer to each question, for almost every report
        reports, size = report_answers(COUNTRIES, WEEKS[:3], 20, False), (60, 200)
    elif shape == "rare":  # many categories of one or two reports, unknown codes among them
        reports, size = report_answers([*COUNTRIES, "BR", "NG", "ZZ"], WEEKS, 0, True), (30, 200)
    else:  # a few big groups and a long tail
        reports, size = report_answers(["KE", "PH", *COUNTRIES], WEEKS[:5], 10, False), (60, 200)
    return shape, draw(st.lists(reports, min_size=size[0], max_size=size[1]))


@pytest.mark.parametrize("k", [3, 5, 10])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets(), period=st.sampled_from(["month", "quarter"]))
def test_pycanon_finds_k_anonymity_on_every_dataset(navigator, report_template, k, dataset, period):
    shape, reports = dataset
    with tempfile.TemporaryDirectory() as tmp:
        db, folder = reports_database(report_template, Path(tmp), reports), Path(tmp) / "export"
        try:
            summary = export(navigator, db, folder, k=k, period=period)
        except ExportRefused as refused:
            event(f"{shape}: refused")
            assert not (folder / "microdata.csv").exists()
            assert f"fewer than {k}" in str(refused) or not reports
            return
        event(f"{shape}: released")
        frame = read_csv(folder)
        assert list(frame.columns) == COLUMNS
        assert check_k(folder, k) == summary.achieved_k
        assert len(frame) == summary.rows_released > 0
        assert summary.rows_released + summary.rows_suppressed == len(reports)
        # Only generalized values leave: each is a code of the codebook (periods: months or quarters).
        codebook = {v["name"]: v["codes"] for v in json.loads((folder / "codebook.json").read_text())["variables"]}
        for column in COLUMNS:
            values = set(frame[column])
            if column == "period":
                assert all(PERIOD.fullmatch(v) for v in values), values
                assert all(("Q" in v) == (period == "quarter") for v in values - {"other"})
            else:
                assert values <= set(codebook[column]), (column, values - set(codebook[column]))
        with (folder / "microdata.jsonl").open(encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines]
        assert rows == frame.to_dict("records")


def test_a_broken_exporter_is_caught(navigator, report_template, tmp_path, monkeypatch):
    """The check above fails on an exporter that does not suppress: here the group sizes are
    counted, but every group is kept."""
    reports = [
        ("2026-W02", answers(task=task)) for task in ["moderation"] * 8 + ["image_video"] * 5 + ["text_chat"] * 2
    ]
    reports.append(("2026-W02", answers(task="transcription")))
    db = reports_database(report_template, tmp_path, reports)
    export(navigator, db, tmp_path / "good")
    check_k(tmp_path / "good", 5)

    monkeypatch.setattr(export_microdata, "shared_enough", lambda group, k: True)
    export(navigator, db, tmp_path / "broken")
    with pytest.raises(AssertionError, match=r"pycanon finds k = [1-4] < 5"):
        check_k(tmp_path / "broken", 5)


# --- what a row holds -------------------------------------------------------------------------


def test_rows_are_generalized_and_suppressed(navigator, report_template, tmp_path):
    reports = (
        [("2026-W02", answers(band="50")) for _ in range(3)]  # band 10-100, January
        + [("2026-W05", answers(band="10")) for _ in range(3)]  # band 10-100, still January (Thursday 29th)
        + [("2026-W06", answers(country="XX", band="100")) for _ in range(5)]  # another country: pay not comparable
        + [("2026-W06", answers(employer="direct")) for _ in range(2)]  # a rare employer: "other", then too few
        + [("2026-W06", answers(unit=None)) for _ in range(5)]  # pay skipped
        + [("2026-W06", answers(country="XX", unit=None)) for _ in range(5)]  # skipped, whatever the country
    )
    summary = export(navigator, reports_database(report_template, tmp_path, reports), tmp_path / "out")
    frame = read_csv(tmp_path / "out")
    rows = sorted(tuple(row) for row in frame[["period", "country", "employer", "pay_unit", "pay_band"]].values)
    assert rows == sorted(
        [("2026-01", "KE", "bpo", "month", "10-100")] * 6
        + [("2026-02", "other", "bpo", "month", "other")] * 5
        + [("2026-02", "KE", "bpo", "not_answered", "not_answered")] * 5
        + [("2026-02", "other", "bpo", "not_answered", "not_answered")] * 5
    )
    assert (summary.rows_released, summary.rows_suppressed, summary.achieved_k) == (21, 2, 5)
    codebook = json.loads((tmp_path / "out" / "codebook.json").read_text())
    assert codebook["rows_released"] == 21 and codebook["achieved_k"] == 5
    variables = {v["name"]: v for v in codebook["variables"]}
    assert list(variables) == COLUMNS
    assert variables["country"]["codes"]["KE"] == "Kenya"
    assert variables["employer"]["codes"]["bpo"] == "An outsourcing company (BPO)"
    assert variables["pay_band"]["codes"]["10-100"] == "10 to less than 100"
    assert variables["pay_band"]["codes"]["100000+"] == "100,000 or more"
    assert "direct" in variables["employer"]["generalization"]  # what was merged into "other"
    assert all("Quasi-identifier" in variables[c]["generalization"] for c in QUASI_IDENTIFIERS)
    assert all(variables[c]["generalization"] == "Released as given." for c in OTHER_ANSWERS)
    assert all("not_answered" in variables[c]["codes"] and "other" in variables[c]["codes"] for c in COLUMNS[1:])


def test_no_id_week_or_text_by_default(navigator, report_template, tmp_path):
    reports = [("2026-W02", answers()) for _ in range(6)]
    texts = {0: ("My shift targets are too high", 1), 1: ("Unreviewed words", 0)}
    export(navigator, reports_database(report_template, tmp_path, reports, texts), tmp_path / "out")
    frame = read_csv(tmp_path / "out")
    assert list(frame.columns) == COLUMNS
    jsonl = (tmp_path / "out" / "microdata.jsonl").read_text(encoding="utf-8")
    assert [list(json.loads(line)) for line in jsonl.splitlines()] == [COLUMNS] * 6
    files = (tmp_path / "out" / "microdata.csv").read_text(encoding="utf-8") + jsonl
    for leak in ("2026-W02", "W02", "00000000", "shift", "Unreviewed", "KES"):
        assert leak not in files


def test_text_only_when_asked_and_only_reviewed(navigator, report_template, tmp_path):
    reports = [("2026-W02", answers()) for _ in range(6)]
    texts = {
        0: ('Targets are "too high", and\nbreaks too short', 1),
        1: ("Unreviewed words", 0),
        2: ("Habari, kazi", 1),
    }
    summary = export(
        navigator, reports_database(report_template, tmp_path, reports, texts), tmp_path / "out", with_text=True
    )
    frame = read_csv(tmp_path / "out")
    assert list(frame.columns) == [*COLUMNS, "text"]
    assert sorted(frame["text"]) == ["", "", "", "", "Habari, kazi", 'Targets are "too high", and\nbreaks too short']
    with (tmp_path / "out" / "microdata.jsonl").open(encoding="utf-8") as lines:
        jsonl = sorted((json.loads(line)["text"] or "") for line in lines)
    assert jsonl == sorted(frame["text"])
    assert "Unreviewed" not in (tmp_path / "out" / "microdata.csv").read_text()
    assert any("reviewer" in note for note in summary.notes)
    assert summary.variables[-1].name == "text"


def test_k_below_3_is_refused():
    with pytest.raises(ValueError, match="at least 3"):
        ExportOptions(tier="microdata", k=2)


def test_refused_when_nothing_can_be_released(navigator, report_template, tmp_path):
    db = reports_database(report_template, tmp_path, [("2026-W02", answers()) for _ in range(4)])
    with pytest.raises(ExportRefused) as refused:
        export(navigator, db, tmp_path / "out")
    message = str(refused.value)
    assert "4 reports" in message and "fewer than 5" in message
    assert "quarter" in message and "tables tier" in message
    assert not any((tmp_path / "out").iterdir())
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExportRefused, match="no reports"):
        export(navigator, reports_database(report_template, tmp_path / "empty", []), tmp_path / "out2")


def test_row_order_is_new_each_time_and_unrelated_to_insertion(navigator, report_template, tmp_path):
    n = 400
    # Identical quasi-identifiers (all rows kept); each report's text says where it was inserted.
    texts = {i: (f"report {i}", 1) for i in range(n)}
    db = reports_database(report_template, tmp_path, [("2026-W02", answers()) for _ in range(n)], texts)
    orders = []
    for name in ("first", "second"):
        export(navigator, db, tmp_path / name, with_text=True)
        orders.append([int(text.split()[1]) for text in read_csv(tmp_path / name)["text"]])
    first, second = orders
    assert sorted(first) == sorted(second) == list(range(n))
    # Spearman's rho of a random order is about N(0, 1/sqrt(n)): 0.2 is four standard deviations.
    assert abs(pd.Series(first).corr(pd.Series(range(n)), method="spearman")) < 0.2
    assert abs(pd.Series(first).corr(pd.Series(second), method="spearman")) < 0.2
    assert sum(a == b for a, b in zip(first, second, strict=True)) < n // 20


def test_csv_is_valid_for_the_csv_module(navigator, report_template, tmp_path):
    reports = [("2026-W02", answers()) for _ in range(5)]
    export(
        navigator,
        reports_database(report_template, tmp_path, reports, {0: ('a, b\r\n"c"', 1), 1: ("=HYPERLINK(1)", 1)}),
        tmp_path / "out",
        with_text=True,
    )
    with (tmp_path / "out" / "microdata.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*COLUMNS, "text"] and len(rows) == 6
    # A text a spreadsheet would run as a formula is quoted with a leading apostrophe.
    assert sorted(row[-1] for row in rows[1:]) == ["", "", "", "'=HYPERLINK(1)", 'a, b\r\n"c"']


def test_reader_gives_answers_and_only_released_text_and_checks_its_sql_names(report_template, tmp_path):
    reports = [("2026-W02", answers(task=t)) for t in ["moderation", "other", "moderation"]]
    db = reports_database(report_template, tmp_path, reports, {0: ("kept back", 0), 2: ("released", 1)})
    with ReportReader(db) as reader:
        rows = [
            row for batch in reader.microdata_answers("month", ["task", "employer"], ["support"], True) for row in batch
        ]
        key = "2026-01" + SEPARATOR
        assert sorted(rows, key=repr) == [
            (key + '["moderation","bpo"]', '["none"]', "released"),
            (key + '["moderation","bpo"]', '["none"]', None),
            (key + '["other","bpo"]', '["none"]', None),
        ]
        quarters = reader.microdata_answers("quarter", ["task"], ["support"], with_text=False)
        assert {(row[0].split(SEPARATOR)[0], row[2]) for batch in quarters for row in batch} == {("2026-Q1", None)}
        with pytest.raises(ValueError):
            list(reader.microdata_answers("month", ["country'); DROP TABLE reports; --"], ["unpaid"], False))
