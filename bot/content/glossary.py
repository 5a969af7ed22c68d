"""One term per concept in each language: content/glossary.yaml names, per concept and
language, the term to `use` and the variants to `avoid`. A worker who reads "pay slip" on one
screen and "wage slip" on the next wonders whether they are two documents.

The check reads each language's own wording (pages, ui.yaml, survey.yaml) as written, before
the {facts} are filled in: a fact's value, such as an English law name in a French page, is
not wording, and a {fact_id} is a single word that no term matches.
Matching is case-insensitive on whole words, with an optional plural -s or -es. An entry whose
`use` term appears nowhere in its language is stale. A language without an entry is fine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.content.problems import Collector
from bot.content.yamlfile import YamlFile

GLOSSARY_FILE = "glossary.yaml"


@dataclass(frozen=True)
class Term:
    concept: str
    use: str
    avoid: tuple[str, ...]
    line: int


def check_glossary(c: Collector, root: Path, codes: Iterable[str]) -> None:
    """Report every `avoid` variant in the wording of the languages `codes`, and every stale entry."""
    path = root / GLOSSARY_FILE
    if not path.exists():
        return
    yf = c.read(path)
    if yf is None:
        return
    terms = _terms(c, yf, {p.name for p in root.iterdir() if (p / "ui.yaml").exists()})
    for code in codes:
        if code not in terms:
            continue
        texts = list(_wording(c, root / code))
        for term in terms[code]:
            for variant in term.avoid:
                pattern = _words(variant)
                for text_file, at, text in texts:
                    for found in pattern.finditer(text):
                        c.add(
                            text_file,
                            text_file.line(*at),
                            f"{_where(text_file, at)}: {found.group(0)!r} is drift for {term.concept!r}, "
                            f"say {term.use!r} (content/{GLOSSARY_FILE})",
                        )
            use = _words(term.use)
            if not any(use.search(text) for _, _, text in texts):
                c.add(
                    yf,
                    term.line,
                    f"glossary {term.concept!r}: {term.use!r} appears nowhere in content/{code}/: "
                    "a stale entry, fix the term or remove it",
                )


def _terms(c: Collector, yf: YamlFile, languages: set[str]) -> dict[str, list[Term]]:
    terms: dict[str, list[Term]] = {}
    for concept, per_language in yf.data.items():
        if not isinstance(per_language, dict):
            c.add(yf, yf.line(concept), f"glossary {concept!r}: map each language to {{use: ..., avoid: [...]}}")
            continue
        for code, raw in per_language.items():
            line = yf.line(concept, code)
            avoid = raw.get("avoid", []) if isinstance(raw, dict) else None
            if code not in languages:
                c.add(yf, line, f"glossary {concept!r}: {code!r} is not a language of content/")
            elif not (
                isinstance(raw, dict)
                and set(raw) <= {"use", "avoid"}
                and isinstance(raw.get("use"), str)
                and raw["use"].strip()
                and isinstance(avoid, list)
                and all(isinstance(a, str) and a.strip() for a in avoid)
            ):
                c.add(yf, line, f"glossary {concept!r} {code}: needs {{use: <term>, avoid: [<variant>, ...]}}")
            else:
                terms.setdefault(code, []).append(Term(concept, raw["use"], tuple(avoid), line))
    return terms


def _words(term: str) -> re.Pattern[str]:
    """The term as whole words, any spacing, with an optional plural."""
    words = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"(?<!\w){words}(?:e?s)?(?!\w)", re.IGNORECASE)


def _wording(c: Collector, folder: Path) -> Iterator[tuple[YamlFile, tuple, str]]:
    """(file, key path, text) for every string of a language's own files, as the loader already
    read them (a file that did not load has been reported, and is not here)."""
    own = (folder / "ui.yaml", folder / "survey.yaml", *sorted((folder / "pages").glob("*.yaml")))
    for yf in (c.loaded[path] for path in own if path in c.loaded):
        for at, text in _strings(yf.data, ()):
            yield yf, at, text


def _strings(data: object, at: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(data, str):
        yield at, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*at, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, (*at, i))


def _where(yf: YamlFile, at: tuple) -> str:
    """Which text: a page's id and field, or the ui or survey key."""
    keys = [str(k) for k in at]
    if yf.path.parent.name == "pages":
        return f"page {keys[0]!r} {'.'.join(keys[1:])}"
    return f"{yf.path.stem} {'.'.join(keys)!r}"
