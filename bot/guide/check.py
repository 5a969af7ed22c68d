"""The whole content check: the loader's schema checks plus what only rendering shows."""

from __future__ import annotations

from pathlib import Path

from bot.content.loader import load_content
from bot.content.model import CrisisList
from bot.content.problems import Problem
from bot.content.schema import CRISIS_FIRST_CHARS, HOME_PAGE, MAX_MESSAGE_CHARS, MAX_SCREEN_CHARS
from bot.guide.crisis import CrisisDetector, spelling_variants
from bot.guide.navigation import Navigator, Prefs
from bot.ui import callbacks
from bot.ui.screens import visible_text


def _page_place(root: Path, code: str, pid: str) -> tuple[str, int]:
    """The language's page file and line where a page's wording starts."""
    for path in sorted((root / code / "pages").glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith(f"{pid}:"):
                return f"{root.name}/{code}/pages/{path.name}", number
    return f"{root.name}/{code}/pages", 1


class ContentError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def load_navigator(root: Path, only: list[str] | None = None) -> Navigator:
    """Load, check and render all content; raises ContentError listing every problem."""
    content, problems = load_content(root, only, callbacks.longest_for_page)
    if content is None:
        raise ContentError(problems)
    navigator = Navigator(content)
    pages_yaml = f"{root.name}/pages.yaml"
    for pid, spec in content.pages.items():
        if pid != HOME_PAGE and pid not in navigator.parents:
            problems.append(Problem(pages_yaml, spec.line, f"page {pid!r} cannot be reached from the main menu"))
    for (code, pid), screens in navigator.screens.items():
        for i, text in enumerate(screens):
            shown = len(visible_text(text))
            if len(text) > MAX_MESSAGE_CHARS:
                problems.append(
                    Problem(
                        f"{root.name}/{code}/pages.yaml",
                        1,
                        f"page {pid!r} screen {i + 1} renders to {len(text)} characters",
                    )
                )
            # A page an offered partial language borrows is held to the limit too, with the line
            # saying so: its reader sees it on the same small screen. Until the language is offered,
            # nobody does, and the fallback's own limit is enough.
            elif shown > MAX_SCREEN_CHARS and (
                code in content.offered or not content.languages[code].borrows_page(pid)
            ):
                pack = content.languages[code]
                borrowed = pack.borrows_page(pid)
                where = f"{code}, shown in {pack.fallback}" if borrowed else code
                fix = f"shorten it in {pack.fallback} or translate it" if borrowed else "shorten it"
                problems.append(
                    Problem(
                        *_page_place(root, pack.fallback if borrowed else code, pid),
                        f"page {pid!r} ({where}) screen {i + 1} shows {shown} characters, more than "
                        f"{MAX_SCREEN_CHARS}: {fix} or split its body with a --- line",
                    )
                )
    for code in content.languages:
        t = navigator.texts_for(Prefs(language=code), None)
        for country in [*content.countries, None]:
            first = navigator.crisis_help(t, Prefs(language=code, country=country)).plain_text
            if len(first) > CRISIS_FIRST_CHARS:
                problems.append(
                    Problem(
                        f"{root.name}/{code}/ui.yaml",
                        1,
                        f"the crisis answer for {country or 'an unknown country'} is {len(first)} characters:"
                        f" the first message must stay under {CRISIS_FIRST_CHARS}, numbers first",
                    )
                )
    problems += crisis_problems(root, content.crisis, navigator.crisis)
    if problems:
        raise ContentError(problems)
    return navigator


def crisis_problems(root: Path, lists: dict[str, CrisisList], detector: CrisisDetector) -> list[Problem]:
    """Both directions, every list against all the others (they are matched all at once):
    each phrase raises the alarm as people type it (shouted, elongated, without accents, amid
    punctuation), in its own language; no ordinary sentence of any list raises it."""
    problems = []
    for code, words in lists.items():
        crisis_yaml = f"{root.name}/crisis/{code}.yaml"
        for phrase in words.phrases:
            missed = [v for v in spelling_variants(phrase) if code not in detector.languages(v)]
            if missed:
                problems.append(Problem(crisis_yaml, 1, f"phrase {phrase!r} does not match {missed[0]!r}"))
        for sentence in words.not_crisis:
            if found := detector.languages(sentence):
                problems.append(
                    Problem(
                        crisis_yaml,
                        1,
                        f"ordinary phrase {sentence!r} would raise a crisis alarm "
                        f"(a phrase of {', '.join(found)} matches it)",
                    )
                )
    return problems
