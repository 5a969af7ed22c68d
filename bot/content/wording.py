"""One language's wording, checked against the pages, facts and survey and against English.

content/<lang>/ui.yaml, pages/*.yaml and survey.yaml become a LanguagePack; the
language-neutral content they refer to is loaded first, by bot/content/loader.py. The words
about suicide or self-harm are not here: they are read for every language, interface or not,
from content/crisis/<code>.yaml (`crisis_list`).
"""

from __future__ import annotations

import string
from pathlib import Path

from babel import Locale, UnknownLocaleError

from bot.content import schema
from bot.content.model import CrisisList, Fact, LanguagePack, PageSpec, PageText, Survey, Topic
from bot.content.problems import Collector, items, unknown_keys
from bot.content.yamlfile import YamlFile


def placeholders(text: str) -> set[str]:
    """Names used as {name} in text ({{ and }} are literal braces)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def load_language(
    c: Collector,
    root: Path,
    code: str,
    pages: dict[str, PageSpec],
    facts: dict[str, Fact],
    survey: Survey,
    topics: dict[str, Topic],
    reference: LanguagePack | None,
    fallback: LanguagePack | None = None,
) -> LanguagePack:
    """One language's pack. With a `fallback` (a partial language), what is missing is not a
    problem: it is taken from the fallback, and recorded in `borrowed`."""
    partial = fallback is not None
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        c.add(root / code / "ui.yaml", 1, f"{code!r} is not a language babel knows (use a code such as fr or sw)")
    ui_file = c.read(root / code / "ui.yaml")
    keys = schema.UI_KEYS | {schema.TOPIC_UI_PREFIX + topic: frozenset() for topic in topics}
    ui = _ui(c, ui_file, reference, keys, partial) if ui_file else {}
    texts = _page_texts(
        c, root / code / "pages", c.read_folder(root / code / "pages"), pages, facts, reference, partial
    )
    wanted = survey.questions and (not partial or (root / code / "survey.yaml").exists())
    survey_file = c.read(root / code / "survey.yaml") if wanted else None
    survey_texts = _survey_texts(c, survey_file, survey, reference, partial) if survey_file else {}
    if fallback is None:
        return LanguagePack(code, ui, texts, survey_texts)
    borrowed = (
        {pid for pid in fallback.pages if pid not in texts}
        | {f"ui.{key}" for key in fallback.ui if key not in ui}
        | {f"survey.{key}" for key in fallback.survey if key not in survey_texts}
    )
    return LanguagePack(
        code,
        {**fallback.ui, **ui},
        {**fallback.pages, **texts},
        {**fallback.survey, **survey_texts},
        fallback.code,
        frozenset(borrowed),
    )


def crisis_list(c: Collector, yf: YamlFile) -> CrisisList:
    """content/crisis/<code>.yaml: its file name is a language code babel knows."""
    code = yf.path.stem
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        c.add(yf, 1, f"{code!r} is not a language babel knows (name the file after a code such as es or hi)")
    unknown_keys(c, yf, (), yf.data, frozenset({"phrases", "not_crisis"}), yf.path.name)
    lists = []
    for key in ("phrases", "not_crisis"):
        value = yf.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            c.add(yf, yf.line(key), f"{key} must be a list of phrases")
            value = []
        lists.append(tuple(value))
    if not lists[0]:
        c.add(yf, 1, f"{yf.path.name} needs phrases: without them a message about suicide goes unnoticed")
    return CrisisList(code, lists[0], lists[1])


def _string(c: Collector, yf: YamlFile, at: tuple, value: object) -> str | None:
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
    c: Collector, yf: YamlFile, at: tuple, text: str, allowed: set[str], english: str | None
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


def _ui(
    c: Collector, yf: YamlFile, reference: LanguagePack | None, keys: dict[str, frozenset[str]], partial: bool = False
) -> dict[str, str]:
    ui: dict[str, str] = {}
    for key, value in yf.data.items():
        if key not in keys:
            c.add(yf, yf.line(key), f"unknown key {key!r}: the code does not use it")
            continue
        text = _string(c, yf, (key,), value)
        if text is None:
            continue
        limit = schema.UI_MAX_CHARS.get(key)
        if limit is not None and len(text) > limit:
            c.add(yf, yf.line(key), f"{key} is {len(text)} characters; Telegram allows {limit}")
        english = reference.ui.get(key) if reference else None
        _compare_placeholders(c, yf, (key,), text, set(keys[key]), english)
        ui[key] = text
    for key in keys:
        if key not in yf.data and (not partial or key in schema.OWN_BEFORE_OFFERED):
            what = "translation missing" if reference else "missing"
            c.add(yf, 1, f"{what}: {key!r}")
    return ui


def _page_texts(
    c: Collector,
    folder: Path,
    files: list[YamlFile],
    pages: dict[str, PageSpec],
    facts: dict[str, Fact],
    reference: LanguagePack | None,
    partial: bool = False,
) -> dict[str, PageText]:
    texts: dict[str, PageText] = {}
    for yf, pid, raw in items(c, files, "page text"):
        if pid not in pages:
            c.add(yf, yf.line(pid), f"text for page {pid!r}, which is not in content/pages/")
            continue
        if not isinstance(raw, dict):
            c.add(yf, yf.line(pid), f"page {pid!r} must be a mapping with title and body")
            continue
        unknown_keys(c, yf, (pid,), raw, schema.PAGE_TEXT_KEYS, f"page {pid!r}")
        # A page that only picks the country's page shows no body of its own.
        required = {"title"} if pages[pid].switch is not None else schema.REQUIRED_PAGE_TEXT_KEYS
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
        if not partial and not _defined(files, pid):
            c.add(folder, 1, f"{'translation missing' if reference else 'missing'}: text for page {pid!r}")
    return texts


def _defined(files: list[YamlFile], key: str) -> bool:
    return any(key in yf.data for yf in files)


def _survey_texts(
    c: Collector, yf: YamlFile, survey: Survey, reference: LanguagePack | None, partial: bool = False
) -> dict[str, str]:
    texts: dict[str, str] = {}
    raw_questions = yf.data.get("questions") or {}
    unknown_keys(c, yf, (), yf.data, frozenset({"questions"}), "survey.yaml")
    known = {q.id: q for q in survey.questions}
    for qid in raw_questions:
        if qid not in known:
            c.add(yf, yf.line("questions", qid), f"wording for question {qid!r}, which is not in content/survey.yaml")
    for q in survey.questions:
        raw = raw_questions.get(q.id)
        if not isinstance(raw, dict) and partial:
            continue
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
