"""Reads content/ into a Content, collecting every problem with its file and line.

Layout (a folder may hold any number of .yaml files, e.g. one per topic):
  content/pages/*.yaml        pages and the buttons between them (language-neutral)
  content/facts/*.yaml        amounts, phones, URLs with source and as-of date (language-neutral)
  content/countries.yaml      the countries offered, in menu order
  content/<lang>/ui.yaml      interface strings
  content/<lang>/pages/*.yaml page wording: title, body, optional button label
  content/crisis/<code>.yaml  phrases that signal suicide or self-harm, and look-alikes that do not,
                              one file per language, whether or not the interface exists in it
  content/survey.yaml         the working-conditions report: questions and answer codes
  content/topics.yaml         topics of updates workers can subscribe to (names: ui topic_<id>)
  content/<lang>/survey.yaml  the report's wording
  content/glossary.yaml       one term per concept per language, and the variants that are drift
Any folder with a ui.yaml is a language; English is the reference.

This module loads the language-neutral content (facts, countries, pages, survey, topics) and
puts everything together; bot/content/wording.py checks one language's wording against it, and
bot/content/problems.py holds Problem, the Collector that gathers them, and the helpers both use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.numbers import get_currency_name

from bot.content import schema
from bot.content.glossary import check_glossary
from bot.content.model import (
    ButtonSpec,
    Content,
    Country,
    CrisisList,
    Fact,
    LanguagePack,
    PageSpec,
    Platform,
    Survey,
    SurveyQuestion,
    Topic,
    WageReference,
)
from bot.content.problems import Collector, Problem, items, unknown_keys
from bot.content.status import not_yet_offered
from bot.content.wording import crisis_list, load_language
from bot.content.yamlfile import YamlFile

# (page id, countries, the longest page id) -> the longest button data that can point at the page
ButtonData = Callable[[str, Mapping[str, object], str], list[str]]


def load_content(
    root: Path, only: list[str] | None = None, button_data: ButtonData | None = None
) -> tuple[Content | None, list[Problem]]:
    """Load and cross-check the content; Content is None when anything is wrong.
    `only` limits the languages checked (English is always loaded: it is the reference).
    `button_data(page, countries, longest page id)` gives the longest button data that can point
    at a page: the screens' encoding (bot/ui/callbacks.py) decides how long a page id may be."""
    c = Collector(root)
    facts = _facts(c, c.read_folder(root / "facts"))
    countries = _countries(c, c.read(root / "countries.yaml"), facts)
    platforms = _platforms(c, c.read(root / "platforms.yaml")) if (root / "platforms.yaml").exists() else {}
    pages = _pages(c, c.read_folder(root / "pages"), countries, platforms, button_data)
    _country_pages(c, root / "countries.yaml", countries, pages)
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
    reference = load_language(c, root, schema.REFERENCE_LANGUAGE, pages, facts, survey, topics, None)
    languages = {schema.REFERENCE_LANGUAGE: reference}
    fallbacks = {code: _fallback(c, root, code) for code in codes}
    # Complete languages first: a partial one takes what it lacks from one of them.
    for code in sorted(codes, key=lambda code: fallbacks[code] is not None):
        fallback = fallbacks[code]
        if fallback is not None and (fallback not in languages or languages[fallback].fallback is not None):
            c.add(root / code / "language.yaml", 1, f"fallback {fallback!r} is not a complete language of content/")
            continue
        languages[code] = load_language(
            c, root, code, pages, facts, survey, topics, reference, languages[fallback] if fallback else None
        )
    crisis = _crisis_lists(c, root / "crisis", languages)
    check_glossary(c, root, languages)
    if c.problems:
        return None, c.problems
    content = Content(pages, facts, countries, survey, languages, topics, crisis=crisis, platforms=platforms)
    offered = tuple(code for code in languages if not not_yet_offered(content, code))
    return dataclasses.replace(content, offered=offered), []


def _crisis_lists(c: Collector, folder: Path, languages: Mapping[str, LanguagePack]) -> dict[str, CrisisList]:
    """Every list is read, whichever languages the interface has (or `only` checks): a worker
    writes in their own language whatever the bot's menus are in. A complete interface language
    needs its list; a partial one is not offered until it has one (bot/content/status.py)."""
    lists = {yf.path.stem: crisis_list(c, yf) for yf in c.read_folder(folder)}
    for code, pack in languages.items():
        if code not in lists and pack.fallback is None:
            c.add(folder / f"{code}.yaml", 1, f"the interface speaks {code!r} but has no crisis phrases in it")
    return lists


def _fallback(c: Collector, root: Path, code: str) -> str | None:
    """The language a partial language borrows from (content/<lang>/language.yaml), or None."""
    if not (root / code / "language.yaml").exists():
        return None
    yf = c.read(root / code / "language.yaml")
    if yf is None or not isinstance(yf.data, dict):
        return None
    unknown_keys(c, yf, (), yf.data, schema.LANGUAGE_KEYS, "language.yaml")
    fallback = yf.data.get("fallback")
    if not isinstance(fallback, str):
        c.add(yf, 1, "language.yaml needs fallback: the code of a complete language, such as fr")
        return None
    return fallback


def _entries(c: Collector, yf: YamlFile, what: str, valid_id, id_hint: str, example: str):
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


def _topics(c: Collector, yf: YamlFile | None) -> dict[str, Topic]:
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
        unknown_keys(c, yf, (topic_id,), raw, schema.TOPIC_KEYS, f"topic {topic_id!r}")
        topics[topic_id] = Topic(topic_id, bool(raw.get("invite_only", False)))
    return topics


def _survey(c: Collector, yf: YamlFile | None) -> Survey:
    questions: list[SurveyQuestion] = []
    if yf is None:
        return Survey((), ())
    unknown_keys(c, yf, (), yf.data, frozenset({"questions", "pay_bands"}), "survey.yaml")
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
        unknown_keys(c, yf, at, raw, schema.SURVEY_QUESTION_KEYS, f"question {raw['id']!r}")
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


def _facts(c: Collector, files: list[YamlFile]) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    where: dict[str, YamlFile] = {}
    for yf, fid, raw in items(c, files, "fact"):
        line = yf.line(fid)
        if not isinstance(raw, dict):
            c.add(yf, line, f"fact {fid!r} must be a mapping with kind, value, source and checked")
            continue
        unknown_keys(c, yf, (fid,), raw, schema.FACT_KEYS, f"fact {fid!r}")
        missing = schema.REQUIRED_FACT_KEYS - raw.keys()
        if missing:
            c.add(yf, line, f"fact {fid!r} has no {', '.join(sorted(missing))}: every fact needs its source and date")
            continue
        kind, source, checked = raw["kind"], raw["source"], raw["checked"]
        if kind not in schema.FACT_KINDS:
            c.add(yf, yf.line(fid, "kind"), f"fact {fid!r}: kind must be one of {', '.join(sorted(schema.FACT_KINDS))}")
            continue
        if not isinstance(source, str) or not source.startswith(("https://", "http://")):
            c.add(yf, yf.line(fid, "source"), f"fact {fid!r}: source must be the URL it comes from")
        if not isinstance(checked, dt.date):
            c.add(
                yf, yf.line(fid, "checked"), f"fact {fid!r}: checked must be the date it was verified, like 2026-11-29"
            )
            checked = dt.date.min
        published = _published(c, yf, fid, raw.get("published"), checked)
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
        source_name = raw.get("source_name")
        if source_name is not None and (not isinstance(source_name, str) or not source_name.strip()):
            c.add(yf, yf.line(fid, "source_name"), f"fact {fid!r}: source_name is the source's short name, as text")
            source_name = None
        facts[fid] = Fact(
            fid,
            kind,
            value,
            str(source),
            checked,
            currency,
            per,
            confirmed is not False,
            source_name.strip() if source_name else None,
            published,
        )
        where[fid] = yf
    _duplicate_facts(c, facts, where)
    return facts


def _duplicate_facts(c: Collector, facts: dict[str, Fact], where: dict[str, YamlFile]) -> None:
    """Two ids for one fact drift apart (one gets re-checked, the other keeps an old date), so
    the same kind, value and source twice is a problem, unless one says `differs_from` the other:
    3 years and 3 months from one source are two facts that share a number."""
    differs = set()
    for fid, yf in where.items():
        other = yf.data[fid].get("differs_from")
        if other is None:
            continue
        if other not in facts:
            c.add(yf, yf.line(fid, "differs_from"), f"fact {fid!r}: differs_from names {other!r}, which is not a fact")
        differs |= {(fid, other), (other, fid)}
    first: dict[tuple, str] = {}
    for fid, fact in facts.items():
        value = fact.value.strip().casefold() if isinstance(fact.value, str) else fact.value
        source = re.sub(r"^https?://(www\.)?", "", fact.source.strip().casefold()).rstrip("/")
        key = (fact.kind, str(value), fact.currency, fact.per, source)
        other = first.setdefault(key, fid)
        if other != fid and (fid, other) not in differs:
            c.add(
                where[fid],
                where[fid].line(fid),
                f"fact {fid!r} duplicates fact {other!r} in {where[other].path.name} (same kind, value and source): "
                f"keep one id and use it in every page, or say `differs_from: {other}` if they mean different things",
            )


_PUBLISHED = re.compile(r"\d{4}(-\d{2})?")


def _published(c: Collector, yf: YamlFile, fid: str, value: object, checked: dt.date) -> str | None:
    """The source's own date as "YYYY-MM-DD", "YYYY-MM" or "YYYY": only as precise as the source
    is, and never after the day the fact was checked (a date after it is a mix-up of the two)."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    month = int(text[5:7]) if _PUBLISHED.fullmatch(text) and len(text) == 7 else 1
    if not (isinstance(value, dt.date) or (_PUBLISHED.fullmatch(text) and 1 <= month <= 12)):
        c.add(yf, yf.line(fid, "published"), f'fact {fid!r}: published is a date, or "YYYY-MM" or "YYYY"')
        return None
    first = value if isinstance(value, dt.date) else dt.date(int(text[:4]), month, 1)
    if first > checked:
        c.add(yf, yf.line(fid, "published"), f"fact {fid!r}: published {text} is after checked {checked}")
    return text


def _known_currency(code: object) -> bool:
    return isinstance(code, str) and len(code) == 3 and get_currency_name(code, locale="en") != code


def _known_zone(name: object) -> bool:
    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _countries(c: Collector, yf: YamlFile | None, facts: dict[str, Fact]) -> dict[str, Country]:
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
        unknown_keys(c, yf, (code,), raw, schema.COUNTRY_KEYS, f"country {code!r}")
        currency = raw.get("currency")
        if currency is not None and not _known_currency(currency):
            c.add(yf, yf.line(code, "currency"), f"country {code!r}: unknown currency {currency!r}")
        zone = raw.get("timezone")
        if zone is not None and not _known_zone(zone):
            c.add(yf, yf.line(code, "timezone"), f"country {code!r}: unknown time zone {zone!r} (e.g. Africa/Nairobi)")
            zone = None
        phones = {}
        for key in ("emergency", "crisis_line"):
            if key in raw:
                phones[key] = facts.get(raw[key])
                if phones[key] is None or phones[key].kind != "phone":
                    c.add(yf, yf.line(code, key), f"country {code!r}: {key} must name a phone fact")
        checklist = raw.get("checklist")
        if checklist is not None and not isinstance(checklist, str):
            c.add(yf, yf.line(code, "checklist"), f"country {code!r}: checklist must name a page")
            checklist = None
        countries[code] = Country(
            code,
            currency,
            _wage_references(c, yf, code, raw.get("minimum_wages"), facts),
            zone,
            phones.get("emergency"),
            phones.get("crisis_line"),
            checklist,
        )
    return countries


def _platforms(c: Collector, yf: YamlFile | None) -> dict[str, Platform]:
    platforms: dict[str, Platform] = {}
    for _, pid, raw in items(c, [yf] if yf else [], "platform"):
        if not (isinstance(raw, dict) and isinstance(raw.get("name"), str) and raw["name"].strip()):
            c.add(yf, yf.line(pid), f"platform {pid!r} needs a name, as the platform writes it")
            continue
        unknown_keys(c, yf, (pid,), raw, schema.PLATFORM_KEYS, f"platform {pid!r}")
        if not schema.PLATFORM_ID.fullmatch(str(pid)) or pid == schema.OTHER_PLATFORM:
            c.add(yf, yf.line(pid), f"platform id {pid!r}: a short lower-case word (it travels in button data)")
            continue
        platforms[pid] = Platform(pid, raw["name"].strip())
    return platforms


def _wage_references(
    c: Collector, yf: YamlFile, code: str, raw: object, facts: dict[str, Fact]
) -> tuple[WageReference, ...]:
    """A country's `minimum_wages`: each {page, wage, hours}; wage and hours both or neither."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add(yf, yf.line(code, "minimum_wages"), f"country {code!r}: minimum_wages must be a list of {{page, …}}")
        return ()
    references = []
    for i, item in enumerate(raw):
        line = yf.line(code, "minimum_wages", i)
        where = f"country {code!r}, minimum_wages item {i + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("page"), str):
            c.add(yf, line, f"{where}: needs page: <id> (the page that names this minimum)")
            continue
        unknown_keys(c, yf, (code, "minimum_wages", i), item, schema.WAGE_REFERENCE_KEYS, where)
        wage, hours = facts.get(item.get("wage", "")), facts.get(item.get("hours", ""))
        if "wage" in item and (wage is None or wage.kind != "money" or wage.per is None):
            c.add(yf, line, f"{where}: wage must name a money fact with `per`")
        if "hours" in item and (hours is None or hours.kind != "number"):
            c.add(yf, line, f"{where}: hours must name a number fact")
        if ("wage" in item) != ("hours" in item):
            c.add(yf, line, f"{where}: wage and hours go together (neither: Haki knows no figure)")
        references.append(WageReference(item["page"], wage, hours, line))
    return tuple(references)


def _country_pages(c: Collector, path: Path, countries: dict[str, Country], pages: dict[str, PageSpec]) -> None:
    """The pages countries.yaml names exist: each minimum's page, each checklist and the default checklist."""
    for country in countries.values():
        for ref in country.minimum_wages:
            if ref.page not in pages:
                c.add(path, ref.line, f"country {country.code!r}: minimum_wages names no page {ref.page!r}")
        if country.checklist is not None and country.checklist not in pages:
            c.add(path, 1, f"country {country.code!r}: checklist names no page {country.checklist!r}")
    if any(country.checklist for country in countries.values()) and schema.DEFAULT_CHECKLIST not in pages:
        c.add(path, 1, f"countries name checklists, but the default checklist {schema.DEFAULT_CHECKLIST!r} is missing")


def _pages(
    c: Collector,
    files: list[YamlFile],
    countries: dict[str, Country],
    platforms: dict[str, Platform],
    button_data: ButtonData | None,
) -> dict[str, PageSpec]:
    pages: dict[str, PageSpec] = {}
    where_defined: dict[str, YamlFile] = {}
    for yf, pid, raw in items(c, files, "page"):
        where_defined[pid] = yf
        raw = raw or {}
        line = yf.line(pid)
        if not isinstance(raw, dict):
            c.add(yf, line, f"page {pid!r} must be a mapping")
            continue
        unknown_keys(c, yf, (pid,), raw, schema.PAGE_KEYS, f"page {pid!r}")
        buttons = []
        for i, b in enumerate(raw.get("buttons") or []):
            if not (isinstance(b, dict) and len(b) == 1 and next(iter(b)) in ("page", "action")):
                c.add(yf, yf.line(pid, "buttons", i), f"page {pid!r}: a button is `page: <id>` or `action: <name>`")
                continue
            kind, target = next(iter(b.items()))
            buttons.append(ButtonSpec(kind, str(target)))
        switches = {}
        for key, what in (("by_country", "country codes"), ("by_platform", "platform ids")):
            switches[key] = raw.get(key)
            if switches[key] is not None and not isinstance(switches[key], dict):
                c.add(yf, yf.line(pid, key), f"page {pid!r}: {key} maps {what} to pages")
                switches[key] = None
        if switches["by_country"] is not None and switches["by_platform"] is not None:
            c.add(yf, line, f"page {pid!r}: a page depends on the country or on the platform, not both")
        pages[pid] = PageSpec(pid, tuple(buttons), switches["by_country"], line, switches["by_platform"])

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
        for key, known, what in (
            ("by_country", countries, "content/countries.yaml"),
            ("by_platform", platforms, "content/platforms.yaml"),
        ):
            switch = getattr(page, key)
            for code, target in (switch or {}).items():
                where = yf.line(page.id, key, code)
                if code != schema.DEFAULT_COUNTRY_KEY and code not in known:
                    c.add(yf, where, f"page {page.id!r}: {code!r} is not in {what}")
                if target not in pages:
                    c.add(yf, where, f"page {page.id!r} sends {code} to page {target!r}, which does not exist")
                elif pages[target].switch is not None:
                    c.add(yf, where, f"page {page.id!r} sends {code} to {target!r}, which itself depends on a choice")
            if switch is not None and schema.DEFAULT_COUNTRY_KEY not in switch:
                c.add(yf, yf.line(page.id, key), f"page {page.id!r}: {key} needs a `default` page for other choices")
    return pages
