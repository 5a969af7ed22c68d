"""Message formatting as Telegram applies it: HTML parse_mode, entities and trimming.

Only HTML is parsed (checked against tdlib's parse_html behaviour and error texts).
Markdown and MarkdownV2 text is kept as sent, so its length counts the markup too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request

Entity = dict[str, Any]

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile(r"[<&]")
_CHAR_REFERENCE = re.compile(r"&(?:#([0-9]+)|#[xX]([0-9a-fA-F]+)|([a-zA-Z]+));?")
_ATTRIBUTE_NAME = re.compile(r"[a-zA-Z0-9_-]*")
_UNQUOTED_VALUE = re.compile(r"[a-zA-Z0-9.-]*")
_SPACES = " \t\n\r\f\v"


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def render(source: str, parse_mode: str | None, entities: list[Entity] | None) -> tuple[str, list[Entity]]:
    """The text a user sees and its entities, as Telegram stores a sent text or caption."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, found = parse_html(source)
    elif mode in ("", "markdown", "markdownv2"):
        text, found = source, list(entities or [])
    else:
        raise bad_request("unsupported parse_mode")
    return _trim(text, found)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    try:
        return _HtmlParser(source).run()
    except _ParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Telegram drops leading and trailing whitespace; entities move and shrink with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


class _ParseError(Exception):
    pass


@dataclass(slots=True)
class _OpenTag:
    name: str
    offset: int  # UTF-16 offset in the visible text
    attributes: dict[str, str] = field(default_factory=dict)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pieces: list[str] = []
        self.offset = 0
        self.open: list[_OpenTag] = []
        self.entities: list[Entity] = []

    def run(self) -> tuple[str, list[Entity]]:
        source, i = self.source, 0
        while (match := _SPECIAL.search(source, i)) is not None:
            self._emit(source[i : match.start()])
            if match.group() == "&":
                i = self._char_reference(match.start())
            elif source.startswith("</", match.start()):
                i = self._end_tag(match.start())
            else:
                i = self._start_tag(match.start())
        self._emit(source[i:])
        if self.open:
            raise _ParseError(f'Can\'t find end tag corresponding to start tag "{self.open[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.pieces), self.entities

    def _emit(self, text: str) -> None:
        if text:
            self.pieces.append(text)
            self.offset += utf16_len(text)

    def _byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode())

    def _char_reference(self, begin: int) -> int:
        match = _CHAR_REFERENCE.match(self.source, begin)
        if match is None:
            self._emit("&")
            return begin + 1
        self._emit(_decode_reference(match))
        return match.end()

    def _skip_spaces(self, i: int) -> int:
        while i < len(self.source) and self.source[i] in _SPACES:
            i += 1
        return i

    def _start_tag(self, begin: int) -> int:
        source, i = self.source, begin + 1
        while i < len(source) and source[i] not in _SPACES and source[i] != ">":
            i += 1
        if i == len(source):
            raise _ParseError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")
        name = source[begin + 1 : i].lower()
        where = f'the tag "{name}" at byte offset {self._byte_offset(begin)}'
        if name not in _TAG_ENTITY:
            raise _ParseError(f'Unsupported start tag "{name}" at byte offset {self._byte_offset(begin)}')
        tag = _OpenTag(name, self.offset)
        while True:
            i = self._skip_spaces(i)
            if i == len(source):
                raise _ParseError(f'Unclosed start tag "{name}" at byte offset {self._byte_offset(begin)}')
            if source[i] == ">":
                break
            attribute = _token(_ATTRIBUTE_NAME, source, i).lower()
            if not attribute:
                raise _ParseError(f"Empty attribute name in {where}")
            i = self._skip_spaces(i + len(attribute))
            if name == "blockquote" and attribute == "expandable":
                continue  # the one attribute Telegram accepts without a value
            if i == len(source):
                raise _ParseError(f'Unclosed start tag "{name}" at byte offset {self._byte_offset(begin)}')
            if source[i] != "=":
                raise _ParseError(f"Expected equal sign in declaration of an attribute of {where}")
            i, tag.attributes[attribute] = self._attribute_value(begin, name, self._skip_spaces(i + 1))
        if name == "span" and tag.attributes.get("class") != "tg-spoiler":
            raise _ParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset(begin)}')
        self.open.append(tag)
        return i + 1

    def _attribute_value(self, begin: int, name: str, i: int) -> tuple[int, str]:
        source = self.source
        if i == len(source):
            raise _ParseError(f'Unclosed start tag "{name}" at byte offset {self._byte_offset(begin)}')
        if source[i] in "'\"":
            close = source.find(source[i], i + 1)
            if close < 0:
                raise _ParseError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")
            return close + 1, _decode_references(source[i + 1 : close])
        token = _token(_UNQUOTED_VALUE, source, i)
        end = i + len(token)
        if end == len(source):
            raise _ParseError(f'Unclosed start tag "{name}" at byte offset {self._byte_offset(begin)}')
        if source[end] not in _SPACES and source[end] != ">":
            raise _ParseError(f"Unexpected end of name token at byte offset {self._byte_offset(i)}")
        return end, token

    def _end_tag(self, begin: int) -> int:
        if not self.open:
            raise _ParseError(f"Unexpected end tag at byte offset {self._byte_offset(begin)}")
        source, i = self.source, begin + 2
        while i < len(source) and source[i] not in _SPACES and source[i] != ">":
            i += 1
        name = source[begin + 2 : i].lower()
        i = self._skip_spaces(i)
        if i == len(source) or source[i] != ">":
            raise _ParseError(f"Unclosed end tag at byte offset {self._byte_offset(begin)}")
        tag = self.open[-1]
        if name and name != tag.name:
            raise _ParseError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{name}>"'
            )
        self.open.pop()
        self._close(tag)
        return i + 1

    def _close(self, tag: _OpenTag) -> None:
        length = self.offset - tag.offset
        if length == 0:
            return
        entity: Entity = {"type": _TAG_ENTITY[tag.name], "offset": tag.offset, "length": length}
        language = tag.attributes.get("class", "").removeprefix("language-")
        if tag.name == "code" and language and self.open and self.open[-1].name == "pre":
            self.open[-1].attributes["language"] = language  # <pre><code class=...> is one entity
            return
        if tag.name == "pre" and tag.attributes.get("language"):
            entity["language"] = tag.attributes["language"]
        elif tag.name == "a":
            if "href" not in tag.attributes:
                return
            entity["url"] = tag.attributes["href"]
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attributes.get("emoji-id", "")
        self.entities.append(entity)


def _token(pattern: re.Pattern[str], text: str, start: int) -> str:
    match = pattern.match(text, start)
    return match.group() if match else ""


def _decode_reference(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name, match.group())
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if 0xD800 <= code <= 0xDFFF:
        raise _ParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return chr(code) if 0 < code <= 0x10FFFF else match.group()


def _decode_references(text: str) -> str:
    return _CHAR_REFERENCE.sub(_decode_reference, text) if "&" in text else text
