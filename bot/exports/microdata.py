"""Research exports, tier 2: microdata as synthetic records, drawn from each released month's
noisy tables (bot/releases/synthesize.py). No row is a real report: the records are
post-processing of the release, so they cost no privacy beyond it, and a re-export gives the very
same file (each release draws from its own seed).

Written in chunks from code numbers, each code's text made once: a million records take a few
seconds and little memory.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from bot.content.model import Content
from bot.exports.codebook import attribute_variable, labels, privacy_notes
from bot.exports.options import PERIOD, ExportOptions, Summary, Variable
from bot.exports.periods import in_range
from bot.releases.design import CENTER, EXTRA, NOT_ANSWERED, PAY_BAND, PAY_CHECK
from bot.releases.release import Release
from bot.releases.synthesize import columns_of, extra_pairs, synthesize

CSV_FILE, JSONL_FILE = "microdata.csv", "microdata.jsonl"
CHUNK = 65_536  # records turned into text at a time


def column_order(releases: list[Release]) -> list[str]:
    """The records' columns over these releases: the newest release's order (content order), with
    the pay band beside the pay unit, then any column only older releases have."""
    names: list[str] = []
    for release in reversed(releases):
        names += [n for n in columns_of(release) if n not in names]
    if PAY_BAND in names and "pay_unit" in names:
        names.remove(PAY_BAND)
        names.insert(names.index("pay_unit") + 1, PAY_BAND)
    return names


def write_microdata(releases: list[Release], content: Content, options: ExportOptions, folder: Path) -> Summary:
    """Write microdata.csv and microdata.jsonl into `folder`, a month's records after another."""
    chosen = in_range(releases, options)
    names = column_order(chosen)
    rows = 0
    with (
        (folder / CSV_FILE).open("w", newline="", encoding="utf-8") as out_csv,
        (folder / JSONL_FILE).open("w", encoding="utf-8") as out_json,
    ):
        out_csv.write(_csv_text([PERIOD, *names]) + "\r\n")
        for release in chosen:
            records = synthesize(release)
            period = {PERIOD: np.full(len(records), 0, dtype=np.uint8)}
            columns = {**period, **records.columns}
            codes = {PERIOD: (release.month,), **records.codes}
            csv_parts = {n: np.array([_csv_text([c]) for c in codes[n]], dtype=object) for n in codes}
            json_parts = {
                n: np.array([f"{json.dumps(n)}: {json.dumps(c)}" for c in codes[n]], dtype=object) for n in codes
            }
            missing_csv = np.array([""], dtype=object)
            missing_json = {n: np.array([f"{json.dumps(n)}: null"], dtype=object) for n in names}
            for start in range(0, len(records), CHUNK):
                stop = min(start + CHUNK, len(records))
                texts, fragments = [], []
                for name in [PERIOD, *names]:
                    if name in columns:
                        values = columns[name][start:stop]
                        texts.append(csv_parts[name][values])
                        fragments.append(json_parts[name][values])
                    else:  # a question this month's release did not have
                        texts.append(np.repeat(missing_csv, stop - start))
                        fragments.append(np.repeat(missing_json[name], stop - start))
                out_csv.write("".join(line + "\r\n" for line in map(",".join, zip(*texts, strict=True))))
                out_json.write("".join("{" + line + "}\n" for line in map(", ".join, zip(*fragments, strict=True))))
            rows += len(records)
    return Summary(
        files=[CSV_FILE, JSONL_FILE],
        variables=_variables(content, chosen, names),
        rows_released=rows,
        months=[r.month for r in chosen],
        notes=[*_notes(chosen), *privacy_notes(chosen)],
    )


def _csv_text(values: list[str]) -> str:
    """Values as one CSV line (without its end), quoted as csv.writer quotes them."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def _variables(content: Content, releases: list[Release], names: list[str]) -> list[Variable]:
    months = [r.month for r in releases]
    found = [
        Variable(
            PERIOD,
            "The month (YYYY-MM) whose release the record was drawn from: the month in which the Thursday of a "
            "report's ISO week falls.",
            labels(content, PERIOD, months),
        )
    ]
    for name in names:
        codes: list[str] = []
        for release in reversed(releases):
            codes += [c for c in release.attributes.get(name, ()) if c not in codes]
        found.append(attribute_variable(content, name, codes))
    return found


def _notes(releases: list[Release]) -> list[str]:
    pairs = sorted({pair for r in releases for pair in extra_pairs(r)}) or list(EXTRA)
    star = [n for n in column_order(releases) if n != CENTER]
    extra = "; ".join(" × ".join(p) for p in pairs)
    return [
        "SYNTHETIC RECORDS: no row is a real report. Each month's records were drawn at random from that month's "
        "noisy release tables (the same tables the tables tier is made from), as post-processing: they cost no "
        "privacy beyond the release, and tell nothing the release does not. The number of records of a month is "
        "the release's (noisy) count of reports.",
        "What the records preserve: for every answer X, the released table of country × X, exactly (counting the "
        f"records by country and any one of {', '.join(star)} gives the released counts); pay unit and pay band "
        f"together with the country, exactly; and {extra}, to within rounding (drawn given the country from a "
        "three-way table fitted by iterative proportional fitting to the three released two-way tables, which "
        "keeps the two country tables exact).",
        "What they do not preserve: every other combination (such as task × hours, employer × pay band, or support "
        "× late pay) is modelled as independent given the country. Any relation the records show between two such "
        "answers beyond what goes through the country is an artefact of the model, not a finding: it was never "
        "measured.",
        f"{PAY_CHECK} (pay against the minimum wage) is not a column: pay and hours are drawn independently given "
        "the country, so working it out from the records would be wrong; the tables tier has its released counts.",
        f"{NOT_ANSWERED} marks a question the report skipped (or an answer since removed). An empty value (null) "
        "marks a question that month's release did not have.",
        "The same release always gives the same records (they are drawn from a seed stored with it): exporting "
        "again gives the same file, not a new draw.",
    ]
