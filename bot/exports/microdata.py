"""Research exports, microdata tier: one row per report, generalized and suppressed to k-anonymity.

The quasi-identifiers are what an employer may know about a worker: when they reported (the
period, a month or a quarter), country, employer, task, pay (unit and band), hours and contract.
They are generalized, then rows are suppressed, until every combination of them in the file is
shared by at least k reports (k >= 3, default 5):
  1. period: the month (or quarter) of the report's ISO week, never the week;
     pay: the band coarsened to powers of ten of the country's currency (0-10, 10-100, ...,
     the top one open), "other" where the country is "other" (its currency is unknown), and
     "not_answered" where pay was skipped;
  2. any answer that fewer than k reports gave is merged into "other", column by column (for
     country: the countries with fewer than k reports, with "another country");
  3. a row whose combination of quasi-identifiers fewer than k reports share is left out whole.
The other answers (unpaid time, late pay, deactivation, exposure, support) go out as given.
Rows are in a new random order on every export; no report id, no week; free text only when asked
for, and only what a reviewer released (report_texts.reviewed = 1).

One pass over the reports (ReportReader.microdata_answers): each report is kept as two small
numbers, its combination of quasi-identifiers and its combination of other answers; counting,
generalizing and suppressing work on the distinct combinations; the kept rows are shuffled as
numbers and written from the combinations' precomputed text. About 8 bytes a report in memory.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import secrets
from array import array
from collections import defaultdict
from itertools import count
from operator import add
from pathlib import Path

import numpy as np
from babel import Locale
from babel.numbers import format_decimal

from bot.content.model import Content
from bot.content.schema import OTHER_COUNTRY
from bot.exports.options import ExportOptions, ExportRefused, Summary, Variable
from bot.store.research import SEPARATOR, ReportReader

CSV_FILE, JSONL_FILE = "microdata.csv", "microdata.jsonl"
OTHER, NOT_ANSWERED = "other", "not_answered"

# What an employer may know about a worker (stored answer id -> column of the export); the
# period comes first. A question not listed here or in OTHER_ANSWERS is not exported at all,
# so a new question stays out until someone decides which it is.
QUASI_IDENTIFIERS = {
    "country": "country",
    "employer": "employer",
    "task": "task",
    "pay_unit": "pay_unit",
    "pay_amount_band": "pay_band",
    "hours": "hours",
    "contract": "contract",
}
OTHER_ANSWERS = ("unpaid", "late_pay", "deactivated", "exposure", "support")
# Pay bands are in the country's currency: where the country is "other", the band is too.
FOLLOWS_COUNTRY = {"pay_amount_band": "country"}


def write_microdata(reader: ReportReader, content: Content, options: ExportOptions, folder: Path) -> Summary:
    """Write microdata.csv and microdata.jsonl into `folder`; ExportRefused if no row can go out."""
    k = options.k
    scan = _Scan(reader, options)
    if scan.total == 0:
        raise ExportRefused("there are no reports yet, so there is nothing to export.")
    columns = ("period", *QUASI_IDENTIFIERS)
    # Each combination's values, parsed once (the same value shares one string); reports per
    # value of each quasi-identifier; then what each value is released as.
    shared: dict = {}
    combos = [tuple(map(shared.setdefault, values, values)) for values in map(_values, scan.keys)]
    scan.keys.clear()
    value_counts: list[dict] = [{} for _ in columns]
    for values, n in zip(combos, scan.counts, strict=True):
        for counts, value in zip(value_counts, values, strict=True):
            counts[value] = counts.get(value, 0) + n
    merged: dict[str, list[str]] = {}
    recode: dict[str, dict] = {}
    for column, counts in zip(columns, value_counts, strict=True):
        recode[column], merged[column] = _generalize(column, counts, content, k)
    # Combinations that are released alike form one group; a group shared by fewer than k
    # reports is suppressed whole.
    group_ids: dict[tuple[str, ...], int] = {}
    sizes: list[int] = []
    group_of = array("I")
    recoders = [recode[column] for column in columns]
    for values, n in zip(combos, scan.counts, strict=True):
        released = _released(values, recoders)
        gid = group_ids.setdefault(released, len(sizes))
        if gid == len(sizes):
            sizes.append(0)
        sizes[gid] += n
        group_of.append(gid)
    del combos  # the rows refer to groups from here on
    kept_groups = [shared_enough(n, k) for n in sizes]
    kept = sum(n for n, ok in zip(sizes, kept_groups, strict=True) if ok)
    if kept == 0:
        raise ExportRefused(_refusal(scan.total, options))
    achieved = min(n for n, ok in zip(sizes, kept_groups, strict=True) if ok)

    names = {"period": "period", **QUASI_IDENTIFIERS}
    starts: list[tuple[str, str] | None] = [None] * len(sizes)
    fields = _Fields(names)
    for values, gid in group_ids.items():
        if kept_groups[gid]:
            starts[gid] = fields.line_start(values)
    del group_ids
    line_ends = _OtherFields(content, options.with_text)
    others = [line_ends[other] for other in scan.others]
    header = [*names.values(), *OTHER_ANSWERS, *(["text"] if options.with_text else [])]
    written = 0
    with (
        (folder / CSV_FILE).open("w", encoding="utf-8", newline="") as csv_out,
        (folder / JSONL_FILE).open("w", encoding="utf-8", newline="") as jsonl_out,
    ):
        csv_out.write(",".join(header) + "\r\n")
        csv_starts = [start[0] if start else "" for start in starts]
        json_starts = [start[1] if start else "" for start in starts]
        csv_ends, json_ends = [end[0] for end in others], [end[1] for end in others]
        for rows, gids, oids in scan.kept_in_random_order(group_of, kept_groups):
            if options.with_text:
                csv_lines: list[str] = []
                json_lines: list[str] = []
                for row, gid, oid in zip(rows, gids, oids, strict=True):
                    text = scan.texts.get(row)
                    csv_lines += (csv_starts[gid], csv_ends[oid], _csv_text(text), "\r\n")
                    json_lines += (json_starts[gid], json_ends[oid], ',"text":', json.dumps(text, ensure_ascii=False))
                    json_lines.append("}\n")
                csv_out.write("".join(csv_lines))
                jsonl_out.write("".join(json_lines))
            else:  # the common case, joined by C loops: a line is its group's start and its answers' end
                csv_out.write("".join(map(add, map(csv_starts.__getitem__, gids), map(csv_ends.__getitem__, oids))))
                jsonl_out.write("".join(map(add, map(json_starts.__getitem__, gids), map(json_ends.__getitem__, oids))))
            written += len(rows)
    if written != kept:  # both come from the same scan: this would be a bug
        raise RuntimeError(f"microdata: {written} rows written, {kept} expected")
    return Summary(
        files=[CSV_FILE, JSONL_FILE],
        variables=_variables(content, options, merged),
        rows_released=kept,
        rows_suppressed=scan.total - kept,
        achieved_k=achieved,
        notes=_notes(options, scan.total, kept, achieved),
    )


@contextlib.contextmanager
def _no_cyclic_gc():
    """The scan makes millions of short-lived tuples and no reference cycles: without the cyclic
    collector running over them, it is about a tenth faster. Reference counting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def shared_enough(group: int, k: int) -> bool:
    """Whether rows whose quasi-identifiers this many reports share may be released."""
    return group >= k


class _Scan:
    """One pass over the reports. Each report becomes two small numbers: its combination of
    period and quasi-identifier answers, and its combination of other answers; the distinct
    combinations (a few hundred thousand at most for a million reports) are kept once, with
    how many reports share each. Memory: 8 bytes a report, plus the combinations."""

    def __init__(self, reader: ReportReader, options: ExportOptions):
        # A missing key gets the next number: map() over a batch then numbers every report in C,
        # as this runs a million times.
        ids: defaultdict[str, int] = defaultdict(count().__next__)
        other_ids: defaultdict[str, int] = defaultdict(count().__next__)
        self.texts: dict[int, str] = {}  # row -> the text a reviewer released
        self.combo, self.other = array("I"), array("I")
        batches = reader.microdata_answers(options.period, list(QUASI_IDENTIFIERS), OTHER_ANSWERS, options.with_text)
        with _no_cyclic_gc():
            self._read(batches, ids, other_ids, options.with_text)
        self.keys: list[str] = list(ids)  # period, SEPARATOR, the quasi-identifier answers as a JSON array
        self.others: list[str] = list(other_ids)
        self.counts: list[int] = np.bincount(
            np.frombuffer(self.combo, dtype=np.uint32), minlength=len(self.keys)
        ).tolist()
        self.total = len(self.combo)

    def _read(self, batches, ids: defaultdict, other_ids: defaultdict, with_text: bool) -> None:
        for batch in batches:
            keys, others, texts = zip(*batch, strict=True)
            if with_text:
                first = len(self.combo)
                self.texts.update((first + i, text) for i, text in enumerate(texts) if text is not None)
            self.combo.extend(map(ids.__getitem__, keys))
            self.other.extend(map(other_ids.__getitem__, others))

    def kept_in_random_order(self, group_of: array, kept_groups: list[bool], batch: int = 8192):
        """The rows, groups and other answers of the reports in kept groups, as three lists per
        batch, shuffled anew on every export so that two exports never line up row by row."""
        group = np.frombuffer(group_of, dtype=np.uint32)[np.frombuffer(self.combo, dtype=np.uint32)]
        other = np.frombuffer(self.other, dtype=np.uint32)
        rows = np.flatnonzero(np.asarray(kept_groups, dtype=bool)[group])
        np.random.default_rng(secrets.randbits(128)).shuffle(rows)
        for start in range(0, len(rows), batch):
            chosen = rows[start : start + batch]
            yield chosen.tolist(), group[chosen].tolist(), other[chosen].tolist()


def _values(key: str) -> tuple:
    """A combination's period and quasi-identifier answers, from its key."""
    period, answers = key.split(SEPARATOR, 1)
    return (period, *json.loads(answers))


# Pay bands are in the country's currency: where the country is released as "other", so is the
# band (unless pay was not given). Positions in ("period", *QUASI_IDENTIFIERS).
_COLUMNS = ("period", *QUASI_IDENTIFIERS)
_FOLLOWING = [(_COLUMNS.index(column), _COLUMNS.index(leader)) for column, leader in FOLLOWS_COUNTRY.items()]


def _released(values: tuple, recoders: list[dict]) -> tuple[str, ...]:
    """A combination's released values."""
    out = [recoder[value] for recoder, value in zip(recoders, values, strict=True)]
    for i, leader in _FOLLOWING:
        if out[leader] == OTHER and out[i] != NOT_ANSWERED:
            out[i] = OTHER
    return tuple(out)


class _Fields:
    """A row's first fields, as CSV and as the start of a JSON object; each column's value is
    formatted once, as the same few values recur in every group."""

    def __init__(self, names: dict[str, str]):
        self._columns = [({}, json.dumps(name)) for name in names.values()]

    def line_start(self, values: tuple[str, ...]) -> tuple[str, str]:
        csv_fields, json_members = [], []
        for (formatted, name), value in zip(self._columns, values, strict=True):
            both = formatted.get(value)
            if both is None:
                both = formatted[value] = (_csv_field(value), f"{name}:{json.dumps(value)}")
            csv_fields.append(both[0])
            json_members.append(both[1])
        return ",".join(csv_fields), "{" + ",".join(json_members)


# --- generalization --------------------------------------------------------------------------


def _generalize(column: str, counts: dict, content: Content, k: int) -> tuple[dict, list[str]]:
    """The released value of each stored value of a quasi-identifier, and the values merged
    into "other" because fewer than k reports gave them."""
    if column == "period":
        coarse = {v: OTHER if v is None else str(v) for v in counts}
    elif column == "country":
        codes = set(content.countries) - {OTHER_COUNTRY}
        coarse = {v: _code(v, codes) for v in counts}
    elif column == "pay_amount_band":
        coarse = {v: _pay_decade(v, content.survey.pay_bands) for v in counts}
    else:
        coarse = {v: _code(v, set(_options(content, column))) for v in counts}
    reports: dict[str, int] = {}
    for value, n in counts.items():
        reports[coarse[value]] = reports.get(coarse[value], 0) + n
    rare = sorted(value for value, n in reports.items() if n < k and value != OTHER)
    return {value: OTHER if released in rare else released for value, released in coarse.items()}, rare


class _OtherFields(dict):
    """The rest of a row after the quasi-identifiers, for each combination of the answers released
    as given (a few hundred at most), worked out the first time it is seen: (CSV fields, JSON
    object members), each ending the line unless the text follows."""

    def __init__(self, content: Content, with_text: bool):
        super().__init__()
        self._with_text = with_text
        self._codes = [set(_options(content, column)) for column in OTHER_ANSWERS]

    def __missing__(self, key: str) -> tuple[str, str]:
        values = [None if v is None else str(v) for v in json.loads(key)]
        released = [_code(v, c) for v, c in zip(values, self._codes, strict=True)]
        csv_rest = "".join("," + _csv_field(v) for v in released)
        json_rest = "".join(
            f",{json.dumps(c)}:{json.dumps(v, ensure_ascii=False)}"
            for c, v in zip(OTHER_ANSWERS, released, strict=True)
        )
        fields = (csv_rest, json_rest) if self._with_text else (csv_rest + "\r\n", json_rest + "}\n")
        self[key] = fields
        return fields


def _csv_field(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_text(text: str | None) -> str:
    if text is None:
        return ","
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text  # a spreadsheet would run it as a formula (CSV injection); JSON Lines keep it as is
    return ',"' + text.replace('"', '""') + '"'


def _code(value: object, codes: set[str]) -> str:
    """A stored answer as released: its code if Haki knows it, "not_answered" if there is none."""
    if value is None:
        return NOT_ANSWERED
    return str(value) if str(value) in codes else OTHER


def _options(content: Content, question: str) -> tuple[str, ...]:
    return next((q.options for q in content.survey.questions if q.id == question), ())


def _decades(pay_bands: tuple[float, ...]) -> list[float]:
    """Lower bounds of the released pay bands: 0 and every power of ten that is a stored band's
    lower bound, so that each stored band falls inside one released band."""
    powers = {b for b in pay_bands if b > 0 and math.isclose(10 ** round(math.log10(b)), b)}
    return [0.0, *sorted(b for b in powers if b >= 1)]


def _pay_decade(band: object, pay_bands: tuple[float, ...]) -> str:
    if band is None:
        return NOT_ANSWERED
    try:
        low = float(str(band))
    except ValueError:
        return OTHER
    if not math.isfinite(low) or low < 0:
        return OTHER
    bounds = _decades(pay_bands)
    i = max(i for i, b in enumerate(bounds) if b <= low)
    return _decade_code(bounds, i)


def _decade_code(bounds: list[float], i: int) -> str:
    if i + 1 < len(bounds):
        return f"{bounds[i]:.0f}-{bounds[i + 1]:.0f}"
    return f"{bounds[i]:.0f}+"


def _refusal(total: int, options: ExportOptions) -> str:
    reports = "1 report" if total == 1 else f"{total} reports"
    tries = ["the tables tier, which releases counts instead of rows"]
    if options.period == "month":
        tries.insert(0, "quarters instead of months")
    if options.k > 3:
        tries.append("a smaller k (at least 3), if the data-use agreement allows it")
    return (
        f"no row of the {reports} can be released safely: even after generalizing, every combination of "
        f"period, country, employer, task, pay, hours and contract is shared by fewer than {options.k} reports. "
        f"Try {', or '.join(tries)}."
    )


# --- codebook --------------------------------------------------------------------------------


def _variables(content: Content, options: ExportOptions, merged: dict[str, list[str]]) -> list[Variable]:
    en = content.languages["en"].survey if "en" in content.languages else {}
    k = options.k
    other_qi = f"other: an answer fewer than {k} reports gave, merged (see generalization)"
    not_answered = "not answered: the question was skipped, or did not exist when the report was made"

    def merged_note(column: str) -> str:
        values = merged.get(column) or []
        return f" Merged into 'other' here (fewer than {k} reports): {', '.join(values)}." if values else ""

    period_format = "YYYY-MM" if options.period == "month" else "YYYY-Qn"
    variables = [
        Variable(
            "period",
            f"The {options.period} of the report ({period_format}): that of the Thursday of its ISO week.",
            {OTHER: f"a {options.period} with fewer than {k} reports"},
            f"Quasi-identifier. The stored ISO week is coarsened to a {options.period}; "
            f"a {options.period} with fewer than {k} reports is 'other'.{merged_note('period')}",
        )
    ]
    territories = Locale.parse("en").territories
    countries = {c: territories.get(c, c) for c in content.countries if c != OTHER_COUNTRY}
    variables.append(
        Variable(
            "country",
            en.get("country", "country"),
            {
                **countries,
                OTHER: f"another country, or a country with fewer than {k} reports",
                NOT_ANSWERED: not_answered,
            },
            f"Quasi-identifier. 'Another country' and every country with fewer than {k} reports are "
            f"'other'.{merged_note('country')}",
        )
    )

    def choice(column: str) -> Variable:
        codes = {code: en.get(f"{column}_{code}", code) for code in _options(content, column)}
        codes[OTHER] = f"{codes[OTHER]}; or {other_qi}" if OTHER in codes else other_qi
        codes[NOT_ANSWERED] = not_answered
        note = f"Quasi-identifier. An answer fewer than {k} reports gave is 'other'.{merged_note(column)}"
        return Variable(column, en.get(column, column), codes, note)

    variables += [choice(column) for column in ("employer", "task", "pay_unit")]
    bounds = _decades(content.survey.pay_bands)
    bands = {}
    for i, low in enumerate(bounds):
        if i + 1 < len(bounds):
            bands[_decade_code(bounds, i)] = f"{_number(low)} to less than {_number(bounds[i + 1])}"
        else:
            bands[_decade_code(bounds, i)] = f"{_number(low)} or more"
    bands[OTHER] = f"the country is 'other' (its currency is unknown), or a band fewer than {k} reports gave"
    bands[NOT_ANSWERED] = "pay was not given (the pay question was skipped)"
    variables.append(
        Variable(
            "pay_band",
            "Pay per pay_unit, in the currency of the country (for example KES in Kenya): a range.",
            bands,
            "Quasi-identifier. Workers typed an amount; only a band of "
            f"{', '.join(_number(b) for b in content.survey.pay_bands)} was stored; it is coarsened here to "
            "powers of ten. Where the country is 'other', the band is 'other' too (currencies differ); "
            f"a band fewer than {k} reports gave is 'other'.{merged_note('pay_amount_band')}",
        )
    )
    variables += [choice(column) for column in ("hours", "contract")]
    for column in OTHER_ANSWERS:
        codes = {code: en.get(f"{column}_{code}", code) for code in _options(content, column)}
        codes.setdefault(OTHER, "an answer code this version of Haki does not know")
        codes[NOT_ANSWERED] = not_answered
        variables.append(Variable(column, en.get(column, column), codes, "Released as given."))
    if options.with_text:
        variables.append(
            Variable(
                "text",
                "The report's free text, only if a reviewer released it; empty (JSON null) otherwise.",
                {},
                "Scrubbed of phone numbers, emails, links, ids and names when stored, then read and released "
                "by a reviewer. Not a quasi-identifier in the k-anonymity check: it is released only after review.",
            )
        )
    return variables


def _number(value: float) -> str:
    return format_decimal(value, locale="en")


def _notes(options: ExportOptions, total: int, kept: int, achieved: int | None) -> list[str]:
    k = options.k
    text = (
        "Free text: only texts a reviewer released, in the column 'text' (empty for the other reports). "
        "In the CSV, a text that starts with =, +, -, @ or a tab gets a leading apostrophe, so that a "
        "spreadsheet shows it rather than running it as a formula; the JSON Lines have it unchanged."
        if options.with_text
        else "Free text: not included."
    )
    return [
        "One row per report, in a random order that changes with every export; no report id, no week, "
        f"nothing finer than a {options.period}.",
        "Quasi-identifiers (what an employer may know about a worker): period, country, employer, task, "
        "pay_unit, pay_band, hours, contract. The other answers (unpaid, late_pay, deactivated, exposure, "
        "support) are released as given.",
        f"Generalized: the ISO week to its {options.period}; pay to bands of powers of ten in the country's "
        "currency ('other' where the country is 'other'); 'another country' to 'other'.",
        f"Then, in each quasi-identifier, any answer fewer than {k} reports gave was merged into 'other'.",
        f"Then every row whose combination of quasi-identifiers fewer than {k} reports share was left out: "
        f"{total - kept} of {total} rows suppressed, {kept} released.",
        f"k-anonymity: every combination of quasi-identifiers in the file is shared by at least {achieved} "
        f"rows (asked for k = {k}).",
        text,
        "Sensitive answers are not checked for diversity within a group (l-diversity): a group whose rows "
        "all give the same answer reveals that answer for everyone in it.",
    ]
