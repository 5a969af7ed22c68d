"""What the user sees: a screen of HTML text and rows of buttons, independent of Telegram."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.content.model import Content, Fact
from bot.content.schema import SCREEN_CHARS
from bot.content.wording import placeholders
from bot.ui.texts import Texts


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Screen:
    text: str  # Telegram HTML
    rows: tuple[tuple[Button, ...], ...] = ()
    protected: bool = False  # sensitive: Telegram stops forwarding and saving it

    def with_notice(self, notice_html: str) -> Screen:
        return Screen(f"{notice_html}\n\n{self.text}", self.rows, self.protected)

    @property
    def plain_text(self) -> str:
        """The text as the user's app shows it (tags applied, entities decoded)."""
        return visible_text(self.text)


_TAG = re.compile(r"<[^>]+>")


def visible_text(text_html: str) -> str:
    """Telegram HTML as the user's app shows it: tags gone (a link's URL does not show),
    entities decoded. Its length is what Telegram and the reader count."""
    return html.unescape(_TAG.sub("", text_html))


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


SCREEN_BREAK = "\n---\n"  # a line of three dashes in a body forces a new screen (one step per screen)


def split_body(body: str, limit: int = SCREEN_CHARS) -> list[str]:
    """Screens of at most `limit` chars: at forced breaks, then paragraphs, sentences, words."""
    return [screen for part in f"\n{body}\n".split(SCREEN_BREAK) for screen in _split_part(part, limit) if screen] or [
        ""
    ]


def _split_part(body: str, limit: int) -> list[str]:
    pieces: list[tuple[str, str]] = []  # (joiner to the previous piece, text)
    for paragraph in (p.strip() for p in body.split("\n\n")):
        if not paragraph:
            continue
        parts = (
            [paragraph]
            if len(paragraph) <= limit
            else [
                piece
                for sentence in _SENTENCE_END.split(paragraph)
                for piece in (_by_words(sentence, limit) if len(sentence) > limit else [sentence])
            ]
        )
        pieces.extend(("\n\n" if i == 0 else " ", part) for i, part in enumerate(parts))
    screens: list[str] = []
    for joiner, piece in pieces:
        if screens and len(screens[-1]) + len(joiner) + len(piece) <= limit:
            screens[-1] += joiner + piece
        else:
            screens.append(piece)
    return screens


def _by_words(text: str, limit: int) -> list[str]:
    out, current = [], ""
    for word in text.split(" "):
        while len(word) > limit:  # a "word" longer than a screen (a pasted URL): cut it
            if current:
                out.append(current)
                current = ""
            out.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out


def page_screens(content: Content, texts: Texts, page_id: str) -> list[str]:
    """A page's screens as HTML: title, a piece of the body, and the sources on the last one."""
    text = texts.pack.pages[page_id]
    used = [content.facts[name] for name in sorted(placeholders(text.body))]
    # Split the plain text, then escape each piece, so no cut falls inside an HTML entity.
    parts = split_body(text.body.format_map({f.id: texts.fact(f) for f in used}))
    title = f"<b>{html.escape(text.title, quote=False)}</b>"
    screens = []
    for i, part in enumerate(parts):
        counter = f"  <i>{texts.ui('screen_counter', current=i + 1, total=len(parts))}</i>" if len(parts) > 1 else ""
        screens.append(f"{title}{counter}\n\n{html.escape(part, quote=False)}")
    if used:
        screens[-1] += f"\n\n{sources(texts, used)}"
    return screens


def source_name(fact: Fact) -> str:
    """A source's short name: its own, else the site it is on ("www." dropped, no port)."""
    if fact.source_name:
        return fact.source_name
    host = urlsplit(fact.source).hostname or fact.source
    return host.removeprefix("www.")


def source_line(texts: Texts, fact: Fact, source: str, markup: bool = False) -> str:
    """One source with its dates: the source's own when it has one, and the day it was checked.
    `source` is already HTML when `markup` (a link on a screen), else plain text (on paper)."""
    shown = (lambda text: html.escape(text, quote=False)) if markup else (lambda text: text)
    render = texts.ui_markup if markup else texts.plain
    checked = shown(texts.short_date(fact.checked))
    if fact.published:
        return render(
            "source_line_published", source=source, published=shown(texts.published(fact.published)), date=checked
        )
    return render("source_line", source=source, date=checked)


def sources(texts: Texts, facts: list[Fact]) -> str:
    """The "Sources" block: each fact's source as a short linked name, the source's own date when
    it has one, and the date it was checked, once each (the URL is in the link, so it does not
    lengthen the screen). Two documents on the same site read "site" and "site 2"."""
    links: dict[str, str] = {}  # URL -> link
    seen: dict[str, int] = {}
    lines = []
    for f in facts:
        if f.source not in links:
            name = source_name(f)
            seen[name] = seen.get(name, 0) + 1
            shown = name if seen[name] == 1 else f"{name} {seen[name]}"
            links[f.source] = f'<a href="{html.escape(f.source)}">{html.escape(shown, quote=False)}</a>'
        lines.append(source_line(texts, f, links[f.source], markup=True))
    return f"<i>{texts.ui('sources_title')}</i>\n" + "\n".join(f"• {line}" for line in dict.fromkeys(lines))
