"""Reads content/ into a Content, collecting every problem with its file and line.

Layout (a folder may hold any number of .yaml files, e.g. one per topic):
  content/pages/*.yaml        pages and the buttons between them (language-neutral)
  content/facts/*.yaml        amounts, phones, URLs with source and as-of date (language-neutral)
  content/countries.yaml      the countries offered, in menu order
  content/<lang>/ui.yaml      interface strings
  content/<lang>/pages/*.yaml page wording: title, body, optional button label
  content/<lang>/crisis.yaml  phrases that signal suicide or self-harm, and look-alikes that do not
  content/survey.yaml         the working-conditions report: questions and answer codes
  content/topics.yaml         topics of updates workers can subscribe to (names: ui topic_<id>)
  content/<lang>/survey.yaml  the report's wording
Any folder with a ui.yaml is a language; English is the reference.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name

from bot.content import schema
from bot.content.model import (
    ButtonSpec,
    Content,
    Country,
    Fact,
    LanguagePack,
    PageSpec,
    PageText,
    Survey,
    SurveyQuestion,
    Topic,
)
from bot.content.yamlfile import YamlError, YamlFile, load_yaml

# (page id, countries, the longest page id) -> the longest button data that can point at the page
ButtonData = Callable[[str, Mapping[str, object], str], list[str]]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class _Collector:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def add(self, file: YamlFile | Path, line: int, message: str) -> None:
        path = file.path if isinstance(file, YamlFile) else file
        try:
            shown = str(path.relative_to(self.root.parent))
        except ValueError:
            shown = str(path)
        self.problems.append(Problem(shown, line, message))

    def read(self, path: Path, kind: type = dict) -> YamlFile | None:
        if not path.exists():
            self.add(path, 1, "file is missing")
            return None
        try:
            yf = load_yaml(path)
        except YamlError as exc:
            self.add(path, exc.line, exc.message)
            return None
        if yf.data is None:
            yf.data = kind()
        if not isinstance(yf.data, kind):
            self.add(yf, 1, f"expected a {'mapping' if kind is dict else 'list'} at the top level")
            return None
        return yf

    def read_folder(self, folder: Path) -> list[YamlFile]:
        if not folder.is_dir():
            self.add(folder, 1, "folder is missing")
            return []
        files = [self.read(path) for path in sorted(folder.glob("*.yaml"))]
        return [f for f in files if f is not None]


def _items(c: _Collector, files: list[YamlFile], what: str):
    """(file, key, value) over several files; a key defined twice is reported."""
    seen: dict[str, YamlFile] = {}
    for yf in files:
        for key, value in yf.data.items():
            if key in seen:
                c.add(yf, yf.line(key), f"{what} {key!r} is already defined in {seen[key].path.name}")
                continue
            seen[key] = yf
            yield yf, key, value


def placeholders(text: str) -> set[str]:
    """Names used as {name} in text ({{ and }} are literal braces)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def load_content(
    root: Path, only: list[str] | None = None, button_data: ButtonData | None = None
) -> tuple[Content | None, list[Problem]]:
    """Load and cross-check the content; Content is None when anything is wrong.
    `only` limits the languages checked (English is always loaded: it is the reference).
    `button_data(page, countries, longest page id)` gives the longest button data that can point
    at a page: the screens' encoding (bot/ui/callbacks.py) decides how long a page id may be."""
    c = _Collector(root)
    facts = _facts(c, c.read_folder(root / "facts"))
    countries = _countries(c, c.read(root / "countries.yaml"), facts)
    pages = _pages(c, c.read_folder(root / "pages"), countries, button_data)
    # The report's survey is optional content, but a menu that offers the report needs it.
    survey = _survey(c, c.read(root / "survey.yaml")) if (root / "survey.yaml").exists() else Survey((), ())
    if not survey.questions and any(b.target == "report" for p in pages.values() for b in p.buttons):
        c.add(root / "survey.yaml", 1, "a page offers the report (action: report) but there is no survey")

    topics = _topics(c, c.read(root / "topics.yaml")) if (root / "topics.yaml").exists() else {}
    if not topics and any(b.target == "updates" for p in pages.values() for b in p.buttons):
        c.add(root / "topics.yaml", 1, "a page offers updates (action: updates) but there are no topics")

    codes = sorted(p.name for p in root.iterdir() if (p / "ui.yaml").exists()) if root.is_dir() else []
    if schema.REFERENCE_LANGUAGE not in codes:
        c.add(root / schema.REFERENCE_LANGUAGE / "ui.yaml", 1, "the reference language (English) is missing")
        return None, c.problems
    codes.remove(schema.REFERENCE_LANGUAGE)
    if only is not None:
        codes = [code for code in codes if code in only]
    reference = _language(c, root, schema.REFERENCE_LANGUAGE, pages, facts, survey, topics, None)
    languages = {schema.REFERENCE_LANGUAGE: reference}
    for code in codes:
        languages[code] = _language(c, root, code, pages, facts, survey, topics, reference)
    if c.problems:
        return None, c.problems
    return Content(pages, facts, countries, survey, languages, topics), []


def _entries(c: _Collector, yf: YamlFile, what: str, valid_id, id_hint: str, example: str):
    """The (id, mapping) entries of a file of named mappings; a bad id or a value that is not a
    mapping is reported with its line and skipped."""
    for key, raw in yf.data.items():
        raw = raw or {}
        if not valid_id(key):
            c.add(yf, yf.line(key), f"{what} {key!r}: {id_hint}")
        elif not isinstance(raw, dict):
            c.add(yf, yf.line(key), f"{what} {key!r} must be a mapping (for example {example})")
        else:
            yield key, raw


def _topics(c: _Collector, yf: YamlFile | None) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    if yf is None:
        return topics
    valid = re.compile(r"[a-z][a-z0-9_]{0,15}")
    for topic_id, raw in _entries(
        c,
        yf,
        "topic",
        lambda key: isinstance(key, str) and bool(valid.fullmatch(key)),
        "use up to 16 lowercase letters, digits or _",
        "invite_only: true",
    ):
        _unknown_keys(c, yf, (topic_id,), raw, schema.TOPIC_KEYS, f"topic {topic_id!r}")
        topics[topic_id] = Topic(topic_id, bool(raw.get("invite_only", False)))
    return topics


def _survey(c: _Collector, yf: YamlFile | None) -> Survey:
    questions: list[SurveyQuestion] = []
    if yf is None:
        return Survey((), ())
    _unknown_keys(c, yf, (), yf.data, frozenset({"questions", "pay_bands"}), "survey.yaml")
    seen: set[str] = set()
    for i, raw in enumerate(yf.data.get("questions") or []):
        at = ("questions", i)
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("id"), str)
            or raw.get("kind") not in schema.SURVEY_KINDS
        ):
            c.add(yf, yf.line(*at), f"a question needs an id and a kind ({', '.join(sorted(schema.SURVEY_KINDS))})")
            continue
        _unknown_keys(c, yf, at, raw, schema.SURVEY_QUESTION_KEYS, f"question {raw['id']!r}")
        qid, kind = raw["id"], raw["kind"]
        if qid in seen:
            c.add(yf, yf.line(*at), f"question {qid!r} is defined twice")
        options = raw.get("options") or []
        if kind == "choice" and not (options and all(isinstance(o, str) and o for o in options)):
            c.add(yf, yf.line(*at, "options"), f"question {qid!r}: options must be answer codes (quote yes/no)")
            options = []
        after = raw.get("after")
        if after is not None and after not in seen:
            c.add(yf, yf.line(*at, "after"), f"question {qid!r}: `after` must name an earlier question")
        bounds = None
        if kind == "number":
            low, high = raw.get("min"), raw.get("max")
            if not (isinstance(low, (int, float)) and isinstance(high, (int, float)) and low < high):
                c.add(yf, yf.line(*at), f"question {qid!r}: a number needs min < max")
            else:
                bounds = (float(low), float(high))
        max_length = raw.get("max_length", 0)
        if kind == "text" and not (isinstance(max_length, int) and 0 < max_length <= schema.MAX_MESSAGE_CHARS):
            c.add(yf, yf.line(*at), f"question {qid!r}: text needs max_length (1 to {schema.MAX_MESSAGE_CHARS})")
        seen.add(qid)
        questions.append(
            SurveyQuestion(qid, kind, tuple(options), bool(raw.get("optional")), bounds, int(max_length or 0), after)
        )
    bands = yf.data.get("pay_bands") or []
    if not (bands and all(isinstance(b, (int, float)) for b in bands) and list(bands) == sorted(set(bands))):
        c.add(yf, yf.line("pay_bands"), "pay_bands must be increasing numbers")
        bands = []
    return Survey(tuple(questions), tuple(float(b) for b in bands))


def _survey_texts(c: _Collector, yf: YamlFile, survey: Survey, reference: LanguagePack | None) -> dict[str, str]:
    texts: dict[str, str] = {}
    raw_questions = yf.data.get("questions") or {}
    _unknown_keys(c, yf, (), yf.data, frozenset({"questions"}), "survey.yaml")
    known = {q.id: q for q in survey.questions}
    for qid in raw_questions:
        if qid not in known:
            c.add(yf, yf.line("questions", qid), f"wording for question {qid!r}, which is not in content/survey.yaml")
    for q in survey.questions:
        raw = raw_questions.get(q.id)
        if not isinstance(raw, dict):
            c.add(yf, yf.line("questions"), f"{'translation missing' if reference else 'missing'}: question {q.id!r}")
            continue
        text = _string(c, yf, ("questions", q.id, "text"), raw.get("text"))
        if text is not None:
            english = reference.survey.get(q.id) if reference else None
            allowed = set(schema.SURVEY_PLACEHOLDERS.get(q.kind, ()))
            _compare_placeholders(c, yf, ("questions", q.id, "text"), text, allowed, english)
            texts[q.id] = text
        labels = raw.get("options") or {}
        for option in q.options:
            label = _string(c, yf, ("questions", q.id, "options", option), labels.get(option))
            if label is not None:
                texts[f"{q.id}_{option}"] = label
        for option in labels:
            if option not in q.options:
                c.add(yf, yf.line("questions", q.id, "options", option), f"{q.id}: unknown answer code {option!r}")
    return texts


def _unknown_keys(c: _Collector, yf: YamlFile, at: tuple, data: dict, allowed: frozenset, what: str) -> None:
    for key in data:
        if key not in allowed:
            c.add(yf, yf.line(*at, key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")


def _facts(c: _Collector, files: list[YamlFile]) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    for yf, fid, raw in _items(c, files, "fact"):
        line = yf.line(fid)
        if not isinstance(raw, dict):
            c.add(yf, line, f"fact {fid!r} must be a mapping with kind, value, source and as_of")
            continue
        _unknown_keys(c, yf, (fid,), raw, schema.FACT_KEYS, f"fact {fid!r}")
        missing = schema.REQUIRED_FACT_KEYS - raw.keys()
        if missing:
            c.add(yf, line, f"fact {fid!r} has no {', '.join(sorted(missing))}: every fact needs its source and date")
            continue
        kind, source, as_of = raw["kind"], raw["source"], raw["as_of"]
        if kind not in schema.FACT_KINDS:
            c.add(yf, yf.line(fid, "kind"), f"fact {fid!r}: kind must be one of {', '.join(sorted(schema.FACT_KINDS))}")
            continue
        if not isinstance(source, str) or not source.startswith(("https://", "http://")):
            c.add(yf, yf.line(fid, "source"), f"fact {fid!r}: source must be the URL it comes from")
        if not isinstance(as_of, dt.date):
            c.add(yf, yf.line(fid, "as_of"), f"fact {fid!r}: as_of must be a date like 2026-11-29")
        value = raw["value"]
        if kind in ("number", "money") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            c.add(yf, yf.line(fid, "value"), f"fact {fid!r}: a {kind} needs a numeric value")
        if kind == "date" and not isinstance(value, dt.date):
            c.add(yf, yf.line(fid, "value"), f"fact {fid!r}: a date needs a value like 2026-11-29")
        currency = raw.get("currency")
        if kind == "money" and not _known_currency(currency):
            c.add(yf, yf.line(fid, "currency"), f"fact {fid!r}: money needs an ISO 4217 currency such as KES")
        per = raw.get("per")
        if per is not None and (kind != "money" or per not in schema.WAGE_PERIODS):
            c.add(yf, yf.line(fid, "per"), f"fact {fid!r}: per is for money: {', '.join(sorted(schema.WAGE_PERIODS))}")
        confirmed = raw.get("confirmed", True)
        if not isinstance(confirmed, bool):
            c.add(yf, yf.line(fid, "confirmed"), f"fact {fid!r}: confirmed is true or false")
        facts[fid] = Fact(
            fid,
            kind,
            value,
            str(source),
            as_of if isinstance(as_of, dt.date) else dt.date.min,
            currency,
            per,
            confirmed is not False,
        )
    return facts


def _known_currency(code: object) -> bool:
    return isinstance(code, str) and len(code) == 3 and get_currency_name(code, locale="en") != code


def _known_zone(name: object) -> bool:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _countries(c: _Collector, yf: YamlFile | None, facts: dict[str, Fact]) -> dict[str, Country]:
    countries: dict[str, Country] = {}
    if yf is None:
        return countries
    territories = Locale.parse("en").territories
    for code, raw in _entries(
        c,
        yf,
        "country",
        lambda key: key in territories and len(key) == 2 and key.isupper(),
        "not an ISO 3166 country code such as KE",
        "currency: KES",
    ):
        _unknown_keys(c, yf, (code,), raw, schema.COUNTRY_KEYS, f"country {code!r}")
        currency = raw.get("currency")
        if currency is not None and not _known_currency(currency):
            c.add(yf, yf.line(code, "currency"), f"country {code!r}: unknown currency {currency!r}")
        wage, hours = facts.get(raw.get("minimum_wage", "")), facts.get(raw.get("wage_hours", ""))
        if "minimum_wage" in raw and (wage is None or wage.kind != "money" or wage.per is None):
            c.add(
                yf, yf.line(code, "minimum_wage"), f"country {code!r}: minimum_wage must name a money fact with `per`"
            )
        if "wage_hours" in raw and (hours is None or hours.kind != "number"):
            c.add(yf, yf.line(code, "wage_hours"), f"country {code!r}: wage_hours must name a number fact")
        if ("minimum_wage" in raw) != ("wage_hours" in raw):
            c.add(yf, yf.line(code), f"country {code!r}: minimum_wage and wage_hours go together")
        zone = raw.get("timezone")
        if zone is not None and not _known_zone(zone):
            c.add(yf, yf.line(code, "timezone"), f"country {code!r}: unknown time zone {zone!r} (e.g. Africa/Nairobi)")
            zone = None
        countries[code] = Country(code, currency, wage, hours, zone)
    return countries


def _pages(
    c: _Collector, files: list[YamlFile], countries: dict[str, Country], button_data: ButtonData | None
) -> dict[str, PageSpec]:
    pages: dict[str, PageSpec] = {}
    where_defined: dict[str, YamlFile] = {}
    for yf, pid, raw in _items(c, files, "page"):
        where_defined[pid] = yf
        raw = raw or {}
        line = yf.line(pid)
        if not isinstance(raw, dict):
            c.add(yf, line, f"page {pid!r} must be a mapping")
            continue
        _unknown_keys(c, yf, (pid,), raw, schema.PAGE_KEYS, f"page {pid!r}")
        buttons = []
        for i, b in enumerate(raw.get("buttons") or []):
            if not (isinstance(b, dict) and len(b) == 1 and next(iter(b)) in ("page", "action")):
                c.add(yf, yf.line(pid, "buttons", i), f"page {pid!r}: a button is `page: <id>` or `action: <name>`")
                continue
            kind, target = next(iter(b.items()))
            buttons.append(ButtonSpec(kind, str(target)))
        by_country = raw.get("by_country")
        if by_country is not None and not isinstance(by_country, dict):
            c.add(yf, yf.line(pid, "by_country"), f"page {pid!r}: by_country maps country codes to pages")
            by_country = None
        pages[pid] = PageSpec(pid, tuple(buttons), by_country, line)

    longest_id = max(pages, key=len, default="")
    for pid, spec in pages.items() if button_data else ():
        too_long = [d for d in button_data(pid, countries, longest_id) if len(d.encode()) > schema.MAX_CALLBACK_BYTES]
        if too_long:
            c.add(
                where_defined[pid],
                spec.line,
                f"page id {pid!r} is too long: its button data {too_long[0]!r} "
                f"exceeds {schema.MAX_CALLBACK_BYTES} bytes",
            )
    for required in (schema.HOME_PAGE, schema.CRISIS_PAGE):
        if files and required not in pages:
            c.add(files[0], 1, f"there is no {required!r} page (the code shows it)")
    for page in pages.values():
        yf = where_defined[page.id]
        for i, b in enumerate(page.buttons):
            where = yf.line(page.id, "buttons", i)
            if b.kind == "page" and b.target not in pages:
                c.add(yf, where, f"page {page.id!r} links to page {b.target!r}, which does not exist")
            if b.kind == "action" and b.target not in schema.ACTIONS:
                c.add(
                    yf,
                    where,
                    f"page {page.id!r}: unknown action {b.target!r} (known: {', '.join(sorted(schema.ACTIONS))})",
                )
        for code, target in (page.by_country or {}).items():
            where = yf.line(page.id, "by_country", code)
            if code != schema.DEFAULT_COUNTRY_KEY and code not in countries:
                c.add(yf, where, f"page {page.id!r}: {code!r} is not in content/countries.yaml")
            if target not in pages:
                c.add(yf, where, f"page {page.id!r} sends {code} to page {target!r}, which does not exist")
            elif pages[target].by_country is not None:
                c.add(yf, where, f"page {page.id!r} sends {code} to {target!r}, which itself depends on the country")
        if page.by_country is not None and schema.DEFAULT_COUNTRY_KEY not in page.by_country:
            c.add(
                yf,
                yf.line(page.id, "by_country"),
                f"page {page.id!r}: by_country needs a `default` page for other countries",
            )
    return pages


def _language(
    c: _Collector,
    root: Path,
    code: str,
    pages: dict[str, PageSpec],
    facts: dict[str, Fact],
    survey: Survey,
    topics: dict[str, Topic],
    reference: LanguagePack | None,
) -> LanguagePack:
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        c.add(root / code / "ui.yaml", 1, f"{code!r} is not a language babel knows (use a code such as fr or sw)")
    ui_file = c.read(root / code / "ui.yaml")
    keys = schema.UI_KEYS | {schema.TOPIC_UI_PREFIX + topic: frozenset() for topic in topics}
    ui = _ui(c, ui_file, reference, keys) if ui_file else {}
    texts = _page_texts(c, root / code / "pages", c.read_folder(root / code / "pages"), pages, facts, reference)
    crisis, not_crisis = _crisis(c, c.read(root / code / "crisis.yaml"))
    survey_file = c.read(root / code / "survey.yaml") if survey.questions else None
    survey_texts = _survey_texts(c, survey_file, survey, reference) if survey_file else {}
    return LanguagePack(code, ui, texts, survey_texts, crisis, not_crisis)


def _crisis(c: _Collector, yf: YamlFile | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if yf is None:
        return (), ()
    _unknown_keys(c, yf, (), yf.data, frozenset({"phrases", "not_crisis"}), "crisis.yaml")
    lists = []
    for key in ("phrases", "not_crisis"):
        value = yf.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            c.add(yf, yf.line(key), f"{key} must be a list of phrases")
            value = []
        lists.append(tuple(value))
    if not lists[0]:
        c.add(yf, 1, "crisis.yaml needs phrases: without them a message about suicide goes unnoticed")
    return lists[0], lists[1]


def _string(c: _Collector, yf: YamlFile, at: tuple, value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        c.add(yf, yf.line(*at), f"{'.'.join(map(str, at))} must be non-empty text")
        return None
    if len(value) > schema.MAX_MESSAGE_CHARS:
        c.add(
            yf,
            yf.line(*at),
            f"{'.'.join(map(str, at))} is {len(value)} characters; Telegram allows {schema.MAX_MESSAGE_CHARS}",
        )
    return value


def _compare_placeholders(
    c: _Collector, yf: YamlFile, at: tuple, text: str, allowed: set[str], english: str | None
) -> None:
    used = placeholders(text)
    name = ".".join(map(str, at))
    for unknown in sorted(used - allowed):
        c.add(yf, yf.line(*at), f"{name}: unknown placeholder {{{unknown}}}")
    if english is not None:
        expected = placeholders(english)
        if used != expected:
            c.add(
                yf,
                yf.line(*at),
                f"{name}: placeholders {sorted(used)} differ from English {sorted(expected)}",
            )


def _ui(c: _Collector, yf: YamlFile, reference: LanguagePack | None, keys: dict[str, frozenset[str]]) -> dict[str, str]:
    ui: dict[str, str] = {}
    for key, value in yf.data.items():
        if key not in keys:
            c.add(yf, yf.line(key), f"unknown key {key!r}: the code does not use it")
            continue
        text = _string(c, yf, (key,), value)
        if text is None:
            continue
        english = reference.ui.get(key) if reference else None
        _compare_placeholders(c, yf, (key,), text, set(keys[key]), english)
        ui[key] = text
    for key in keys:
        if key not in yf.data:
            what = "translation missing" if reference else "missing"
            c.add(yf, 1, f"{what}: {key!r}")
    return ui


def _page_texts(
    c: _Collector,
    folder: Path,
    files: list[YamlFile],
    pages: dict[str, PageSpec],
    facts: dict[str, Fact],
    reference: LanguagePack | None,
) -> dict[str, PageText]:
    texts: dict[str, PageText] = {}
    for yf, pid, raw in _items(c, files, "page text"):
        if pid not in pages:
            c.add(yf, yf.line(pid), f"text for page {pid!r}, which is not in content/pages/")
            continue
        if not isinstance(raw, dict):
            c.add(yf, yf.line(pid), f"page {pid!r} must be a mapping with title and body")
            continue
        _unknown_keys(c, yf, (pid,), raw, schema.PAGE_TEXT_KEYS, f"page {pid!r}")
        # A page that only picks the country's page shows no body of its own.
        required = {"title"} if pages[pid].by_country is not None else schema.REQUIRED_PAGE_TEXT_KEYS
        missing = required - raw.keys()
        if missing:
            c.add(yf, yf.line(pid), f"page {pid!r} has no {', '.join(sorted(missing))}")
            continue
        fields: dict[str, str] = {}
        for key in schema.PAGE_TEXT_KEYS & raw.keys():
            text = _string(c, yf, (pid, key), raw[key])
            if text is None:
                continue
            english = None
            if reference and pid in reference.pages:
                english = getattr(reference.pages[pid], key)
            _compare_placeholders(c, yf, (pid, key), text, set(facts), english)
            fields[key] = text
        if required <= fields.keys():
            texts[pid] = PageText(fields["title"], fields.get("body", ""), fields.get("button", fields["title"]))
    for pid in pages:
        if not _defined(files, pid):
            c.add(folder, 1, f"{'translation missing' if reference else 'missing'}: text for page {pid!r}")
    return texts


def _defined(files: list[YamlFile], key: str) -> bool:
    return any(key in yf.data for yf in files)
