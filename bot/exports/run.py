"""Research exports: what a researcher asked for, what went out, and the papers that go with it.

Everything in an export is post-processing of the stored releases (bot/releases): each closed
month's reports measured once, with noise, under differential privacy. No export reads a report.
Two tiers:
  tables     counts by the dimensions asked for, every margin, each with its noise's standard
             error; pay medians; a chart (bot/exports/tables.py)
  microdata  synthetic records drawn from each month's release (bot/exports/microdata.py)

Every export is a folder: the data as CSV and JSON Lines, codebook.json and codebook.csv
(variables, codes, labels, the privacy guarantee and the noise, date, Haki version) and
DATA-USE.txt; and, where reviewers released any for its months, workers' own words in texts.csv
and texts.jsonl: a file apart, shuffled, never joined to a row of the data (bot/reviews/published.py).
`python bot.py export` writes it; /export sends it zipped. Each export is logged
in the database without who asked (bot/store/research.py, record_export).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot import __version__
from bot.content.model import Content
from bot.exports.codebook import release_facts
from bot.exports.options import ExportOptions, ExportRefused, Summary
from bot.exports.periods import date_label, month_label
from bot.privacy.disclosure import THRESHOLD
from bot.releases.periods import release_day
from bot.releases.publish import Publisher
from bot.releases.release import Release
from bot.reviews.published import MIN_TEXTS, publishable
from bot.store.research import record_export
from bot.store.texts import Released, TextStore

log = logging.getLogger(__name__)


async def released(publisher: Publisher) -> list[Release]:
    """Every released month (releasing any that closed since); ExportRefused, saying when the
    first month will be released, while there is none."""
    releases = await publisher.releases()
    if not releases:
        first = await publisher.first_month()
        raise ExportRefused(
            f"No month has been released yet, so there is nothing to export. Each month's reports are published "
            f"once, as a whole, after the month is over: the first, {month_label(first)}, will be released on "
            f"{date_label(release_day(first))}."
        )
    return releases


def run_export(
    releases: list[Release],
    content: Content,
    options: ExportOptions,
    folder: Path,
    log_to: Path | None = None,
    today: dt.date | None = None,
    texts: Sequence[Released] = (),
) -> Summary:
    """Write one export of these releases (and of the released `texts` of its months) into
    `folder` (created; must be empty), and log it in the database at `log_to`; ExportRefused if
    it cannot be made from them."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: choose a new folder for each export")
    if not releases:
        raise ExportRefused("No month has been released yet, so there is nothing to export.")
    # The tiers are imported here, not at the top: they load numpy (about 80 ms), which the bot's
    # start-up and its other updates can do without.
    from bot.exports.microdata import write_microdata
    from bot.exports.tables import write_tables

    write = write_tables if options.tier == "tables" else write_microdata
    summary = write(releases, content, options, folder)
    chosen = [r for r in releases if r.month in summary.months]
    _write_texts(folder, summary, [text for text in texts if text.month in summary.months])
    _write_codebook(folder, options, summary, chosen, today or dt.date.today())
    (folder / NOTICE_FILE).write_text(DATA_USE_NOTICE, encoding="utf-8")
    summary.files += [CODEBOOK_JSON, CODEBOOK_CSV, NOTICE_FILE]
    if log_to is not None:
        record_export(log_to, options.tier, summary.rows_released, 0, None)
    log.info("%s export: %d rows from %d months", options.tier, summary.rows_released, len(summary.months))
    return summary


@dataclass(frozen=True)
class Document:
    """An export as the researcher receives it: one zip, with what went out as its caption."""

    name: str
    data: bytes
    caption: str


async def released_texts(texts: TextStore, releases: list[Release]) -> list[Released]:
    """The texts reviewers released for these (closed) months."""
    return await texts.released([release.month for release in releases])


def document(
    releases: list[Release],
    content: Content,
    options: ExportOptions,
    log_to: Path | None,
    texts: Sequence[Released] = (),
) -> Document:
    """Run the export of these releases and zip it; ExportRefused if it cannot be made. It takes
    a while: call it in a thread. Its files go to a temporary folder, deleted once zipped."""
    with tempfile.TemporaryDirectory(prefix="haki-export-") as folder:
        summary = run_export(releases, content, options, Path(folder) / "export", log_to, texts=texts)
        data = zipped(Path(folder) / "export", summary)
    name = f"haki-{options.tier}-{options.period}-{dt.date.today().isoformat()}.zip"
    return Document(name, data, report(options, summary))


def report(options: ExportOptions, summary: Summary) -> str:
    """What an export released, in a few lines for the person who asked."""
    months = summary.months[0] if len(summary.months) == 1 else f"{summary.months[0]} to {summary.months[-1]}"
    if options.tier == "microdata":
        lines = [f"synthetic records: {summary.rows_released} (no row is a real report)"]
    else:
        lines = [f"reports counted (with noise): {summary.rows_released}"]
    files = ", ".join(summary.files)
    return "\n".join([f"Haki {options.tier} export, by {options.period}, {months}", *lines, f"files: {files}"])


def zipped(folder: Path, summary: Summary) -> bytes:
    """The export's files in one zip, for sending as a single document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in summary.files:
            archive.write(folder / name, name)
    return buffer.getvalue()


CODEBOOK_JSON, CODEBOOK_CSV, NOTICE_FILE = "codebook.json", "codebook.csv", "DATA-USE.txt"

DATA_USE_NOTICE = f"""\
Haki research export: conditions of use

These data come from workers who reported their working conditions anonymously, often at
risk of losing their job if they are identified. By using them you agree:

1. Not to try to re-identify any person, or any small group, by any means: linking with
   other data, knowledge of a workplace, or comparing exports.
2. Not to use them to track, monitor, rate or take action against any worker, team or
   workplace, and not to pass them to anyone who would (employers, platforms, vendors).
3. To publish only aggregate results, keeping the same rules: no count from 1 to {THRESHOLD - 1}, no
   median or share over fewer than {THRESHOLD} reports.
4. To keep the files secure, share them only with people bound by these conditions, and
   delete them when the research is done.
5. To tell the Haki maintainers at once if you believe a person could be identified.

Texts (texts.csv) are workers' own words: quote them without anything that could point at a
person or a workplace, and never try to tie a text to a row of the data.

Every count carries random noise on purpose (differential privacy: see the codebook); do
not try to remove it, and do not read a small count as a fact about anyone. Microdata
rows are synthetic: none of them is a real report.
"""


TEXTS_CSV, TEXTS_JSONL = "texts.csv", "texts.jsonl"


def _write_texts(folder: Path, summary: Summary, texts: list[Released]) -> None:
    """Workers' own words, released by reviewers, in files of their own: month, country and text,
    of groups of MIN_TEXTS or more, in random order; nothing ties one to a data row."""
    found = publishable(texts)
    if found.withheld:
        summary.notes.append(
            f"texts: {found.withheld} released texts are left out, fewer than {MIN_TEXTS} of their month and country"
        )
    if not found.texts:
        return
    rows = [{"month": t.month, "country": t.country or "", "text": t.text} for t in found.texts]
    with (folder / TEXTS_CSV).open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=["month", "country", "text"])
        writer.writeheader()
        writer.writerows(rows)
    with (folder / TEXTS_JSONL).open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    summary.files += [TEXTS_CSV, TEXTS_JSONL]
    summary.notes.append(
        f"{TEXTS_CSV}: {len(rows)} workers' own words, each read and released by a reviewer after names and numbers "
        f"were taken out; shuffled, not linked to any row of the data; only from a month and country with {MIN_TEXTS} "
        "or more released texts (country empty: not answered)"
    )


def _write_codebook(
    folder: Path, options: ExportOptions, summary: Summary, releases: list[Release], today: dt.date
) -> None:
    meta = {
        "haki_version": __version__,
        "export_date": today.isoformat(),
        "tier": options.tier,
        "options": asdict(options),
        "months": summary.months,
        "rows_released": summary.rows_released,
        "releases": release_facts(releases),
        "rules": summary.notes,
        "files": summary.files,
        "variables": [asdict(v) for v in summary.variables],
    }
    (folder / CODEBOOK_JSON).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (folder / CODEBOOK_CSV).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["variable", "code", "label", "description"])
        for v in summary.variables:
            writer.writerow([v.name, "", "", v.description])
            for code, label in v.codes.items():
                writer.writerow([v.name, code, label, ""])
