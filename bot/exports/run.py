"""Research exports: what a researcher asked for, what went out, and the papers that go with it.

Two tiers (see ../shared/research/privacy-and-safety.md, "Exports come in two tiers"):
  tables     counts and medians by the dimensions asked for, small cells suppressed so that no
             suppressed cell can be worked out from the totals (bot/exports/tables.py)
  microdata  one row per report, generalized and suppressed to k-anonymity (bot/exports/microdata.py)

Every export is a folder: the data as CSV and JSON Lines, codebook.json and codebook.csv
(variables, codes, labels, what was generalized, k, suppression counts, date, Haki version)
and DATA-USE.txt. `python bot.py export` writes it; /export sends it zipped. Each export is
logged in the database without who asked (bot/store/research.py, record_export).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from bot import __version__
from bot.content.model import Content
from bot.exports.options import ExportOptions, Summary
from bot.privacy.disclosure import THRESHOLD
from bot.store.research import ReportReader, record_export

log = logging.getLogger(__name__)


def run_export(
    database: Path, content: Content, options: ExportOptions, folder: Path, today: dt.date | None = None
) -> Summary:
    """Write one export into `folder` (created; must be empty); ExportRefused if nothing can go out."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: choose a new folder for each export")
    # The tiers are imported here, not at the top: they load numpy (about 80 ms), which the bot's
    # start-up and its other updates can do without.
    from bot.exports.microdata import write_microdata
    from bot.exports.tables import write_tables

    with ReportReader(database) as reader:
        if options.tier == "tables":
            summary = write_tables(reader, content, options, folder)
        else:
            summary = write_microdata(reader, content, options, folder)
    _write_codebook(folder, options, summary, today or dt.date.today())
    (folder / NOTICE_FILE).write_text(DATA_USE_NOTICE, encoding="utf-8")
    summary.files += [CODEBOOK_JSON, CODEBOOK_CSV, NOTICE_FILE]
    record_export(database, options.tier, summary.rows_released, summary.rows_suppressed, summary.achieved_k)
    log.info(
        "%s export: %d released, %d suppressed, k=%s",
        options.tier,
        summary.rows_released,
        summary.rows_suppressed,
        summary.achieved_k,
    )
    return summary


@dataclass(frozen=True)
class Document:
    """An export as the researcher receives it: one zip, with what went out as its caption."""

    name: str
    data: bytes
    caption: str


def document(database: Path, content: Content, options: ExportOptions) -> Document:
    """Run the export and zip it; ExportRefused if nothing can go out. It takes a while: call it
    in a thread. It reads from its own read-only connection, and writes its files to a temporary
    folder, deleted once they are zipped."""
    with tempfile.TemporaryDirectory(prefix="haki-export-") as folder:
        summary = run_export(database, content, options, Path(folder) / "export")
        data = zipped(Path(folder) / "export", summary)
    name = f"haki-{options.tier}-{options.period}-{dt.date.today().isoformat()}.zip"
    return Document(name, data, report(options, summary))


def report(options: ExportOptions, summary: Summary) -> str:
    """What an export released, in a few lines for the person who asked."""
    if options.tier == "microdata":
        lines = [
            f"rows released: {summary.rows_released}",
            f"rows suppressed: {summary.rows_suppressed}",
            f"achieved k: {summary.achieved_k} (asked for {options.k})",
        ]
    else:
        lines = [f"reports counted: {summary.rows_released}", f"cells suppressed: {summary.rows_suppressed}"]
    files = ", ".join(summary.files)
    return "\n".join([f"Haki {options.tier} export, by {options.period}", *lines, f"files: {files}"])


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

Suppressed cells and rows were removed on purpose; do not try to recover them.
"""


def _write_codebook(folder: Path, options: ExportOptions, summary: Summary, today: dt.date) -> None:
    meta = {
        "haki_version": __version__,
        "export_date": today.isoformat(),
        "tier": options.tier,
        "options": asdict(options),
        "rows_released": summary.rows_released,
        "rows_suppressed": summary.rows_suppressed,
        "achieved_k": summary.achieved_k,
        "rules": summary.notes,
        "files": summary.files,
        "variables": [asdict(v) for v in summary.variables],
    }
    (folder / CODEBOOK_JSON).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (folder / CODEBOOK_CSV).open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["variable", "code", "label", "description", "generalization"])
        for v in summary.variables:
            writer.writerow([v.name, "", "", v.description, v.generalization])
            for code, label in v.codes.items():
                writer.writerow([v.name, code, label, "", ""])
