"""Translation freshness: each fr/sw text records which version of the English it
translates (content/<lang>/versions.yaml: "ui.<key>" or "page.<id>" -> a short hash of
the English). When the English changes, the translation is listed as stale until a
translator updates it and runs `python bot.py content-status --accept <lang> <key>...`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content.model import Content, PageText
from bot.content.schema import CRISIS_PAGE, HOME_PAGE, REFERENCE_LANGUAGE

VERSIONS_FILE = "versions.yaml"


def english_versions(content: Content) -> dict[str, str]:
    english = content.languages[REFERENCE_LANGUAGE]
    versions = {f"ui.{key}": _hash(text) for key, text in english.ui.items()}
    versions.update({f"page.{pid}": _hash(_page_text(text)) for pid, text in english.pages.items()})
    return versions


def _page_text(text: PageText) -> str:
    return "\n".join((text.title, text.body, text.button))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def recorded(root: Path, code: str) -> dict[str, str]:
    path = root / code / VERSIONS_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return {str(k): str(v) for k, v in (data or {}).items()}


@dataclass(frozen=True)
class Stale:
    language: str
    key: str  # ui.<key> or page.<id>
    english_now: str


def stale(root: Path, content: Content) -> list[Stale]:
    """Translations whose English has changed since they were made (or that never recorded it)."""
    now = english_versions(content)
    found = []
    for code in content.languages:
        if code == REFERENCE_LANGUAGE:
            continue
        versions = recorded(root, code)
        pack = content.languages[code]
        found += [
            Stale(code, key, digest)
            for key, digest in now.items()
            if versions.get(key) != digest and not _borrowed(pack, key)  # a borrowed text is not a translation
        ]
    return found


def accept(root: Path, content: Content, code: str, keys: list[str] | None) -> list[str]:
    """Record that `code` now translates the current English of `keys` (all when None)."""
    now = english_versions(content)
    unknown = [k for k in keys or [] if k not in now]
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(unknown)} (use ui.<key> or page.<id>)")
    versions = recorded(root, code)
    pack = content.languages[code]
    chosen = keys if keys else [key for key in now if not _borrowed(pack, key)]
    versions.update({key: now[key] for key in chosen})
    header = "# Which English text each translation was made from; see bot/content/status.py.\n"
    body = yaml.safe_dump(dict(sorted(versions.items())), allow_unicode=True, sort_keys=False)
    (root / code / VERSIONS_FILE).write_text(header + body, encoding="utf-8")
    return chosen


def not_yet_offered(content: Content, code: str) -> list[str]:
    """Why a partial language is not offered in the language menu yet (empty: it is). It needs,
    in its own words: every interface string, crisis phrases, and the crisis and helpline pages,
    so that a worker in distress never gets a language they did not choose."""
    pack = content.languages[code]
    if pack.fallback is None:
        return []
    reasons = []
    ui = sorted(key for key in pack.borrowed if key.startswith("ui."))
    if ui:
        reasons.append(f"{len(ui)} interface strings not translated")
    if not (code in content.crisis and content.crisis[code].phrases):
        reasons.append(f"no crisis phrases (content/crisis/{code}.yaml)")
    spec = content.pages[CRISIS_PAGE]
    crisis_pages = {CRISIS_PAGE, *(spec.by_country or {}).values()}
    missing = sorted(pid for pid in crisis_pages if pack.borrows_page(pid))
    if missing:
        reasons.append(f"crisis and helpline pages not translated: {', '.join(missing)}")
    return reasons


def completeness(root: Path, content: Content) -> list[str]:
    """Lines for `content-status`: per language (coverage, and for a partial language whether it
    is offered yet), then per country and language."""
    stale_keys = {(s.language, s.key) for s in stale(root, content)}
    total = english_versions(content)
    lines = []
    for code, pack in content.languages.items():
        fresh = sum(1 for key in total if (code, key) not in stale_keys and not _borrowed(pack, key))
        line = f"{code}: {fresh}/{len(total)} texts up to date"
        if pack.fallback is not None:
            own = len(total) - sum(1 for key in total if _borrowed(pack, key))
            reasons = not_yet_offered(content, code)
            offered = "offered" if not reasons else "not offered yet: " + "; ".join(reasons)
            line += f"; partial, {own}/{len(total)} translated, the rest in {pack.fallback}; {offered}"
        lines.append(line)
    for country in [*content.countries, "default"]:
        pages = _country_pages(content, country)
        cells = []
        for code in content.languages:
            fresh = sum(1 for pid in pages if (code, f"page.{pid}") not in stale_keys)
            cells.append(f"{code} {fresh}/{len(pages)}")
        lines.append(f"{country}: {len(pages)} pages of its own; up to date: {', '.join(cells)}")
    return lines


def _borrowed(pack, key: str) -> bool:
    """Whether a key of english_versions ("ui.<key>", "page.<id>") is shown in the fallback's words."""
    kind, _, name = key.partition(".")
    return (f"ui.{name}" if kind == "ui" else name) in pack.borrowed


def _country_pages(content: Content, country: str) -> set[str]:
    """Pages a user of this country can reach that users elsewhere cannot see the same way:
    everything behind this country's choices in by_country pages, minus the general pages."""
    general = _reachable(content, [HOME_PAGE])
    starts = [spec.by_country.get(country) for spec in content.pages.values() if spec.by_country]
    return _reachable(content, [p for p in starts if p]) - general


def _reachable(content: Content, starts: list[str]) -> set[str]:
    """Pages reached from `starts` by buttons, without passing through a page that depends on a choice."""
    seen: set[str] = set()
    queue = list(starts)
    while queue:
        pid = queue.pop()
        if pid in seen or content.pages[pid].switch is not None:
            continue
        seen.add(pid)
        queue += [b.target for b in content.pages[pid].buttons if b.kind == "page"]
    return seen
