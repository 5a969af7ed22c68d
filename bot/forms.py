"""Short question-and-answer forms (the fair-pay check, the letter builder), independent
of Telegram. A form is a list of questions; the answers live in the caller's memory only.

Wording comes from the interface strings, by convention:
  <form>_<question>            the question        <form>_<question>_<option>  a choice
Callback data: <prefix>:s:<page> start (from page), <prefix>:c:<option> choose,
<prefix>:k skip, <prefix>:b back one question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal

from bot import callbacks
from bot.screens import Button, Screen
from bot.texts import Texts

_SPACES = str.maketrans("", "", " \u00a0\u202f'")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "choice", "number" or "text"
    options: tuple[str, ...] = ()
    bounds: tuple[Decimal, Decimal] | None = None  # numbers: plausible range
    max_length: int = 0  # text
    optional: bool = False  # offers Skip
    when: Callable[[dict[str, object]], bool] = lambda answers: True


def parse_number(text: str, locale: str) -> Decimal | None:
    """A number as the user types it in their language ("1 500", "1,500", "12,5"), or None."""
    cleaned = text.strip().translate(_SPACES)
    if not cleaned or len(cleaned) > 30:
        return None
    for candidate in (locale, "en"):
        try:
            value = parse_decimal(cleaned, locale=candidate, strict=True)
        except (NumberFormatError, InvalidOperation, ValueError):
            continue
        return value if value.is_finite() else None
    return None


@dataclass(frozen=True)
class Finished:
    """What a completed form shows, and the file it sends along (name, bytes), if any."""

    screen: Screen
    document: tuple[str, bytes] | None = None


@dataclass
class Form:
    name: str
    prefix: str
    questions: tuple[Question, ...]
    origin: str  # the page the form was opened from
    answers: dict[str, object] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)

    def pending(self) -> list[Question]:
        return [q for q in self.questions if q.when(self.answers)]

    def current(self) -> Question | None:
        return next((q for q in self.pending() if q.id not in self.answers and q.id not in self.skipped), None)

    def back(self) -> None:
        done = [q for q in self.pending() if q.id in self.answers or q.id in self.skipped]
        if done:
            self.answers.pop(done[-1].id, None)
            self.skipped.discard(done[-1].id)

    def press(self, data: str) -> bool:
        """Apply a button of this form; False when it does not fit the current question."""
        question = self.current()
        if data == f"{self.prefix}:b":
            self.back()
            return True
        if question is None:
            return False
        if data == f"{self.prefix}:k" and question.optional:
            self.skipped.add(question.id)
            return True
        option = data.removeprefix(f"{self.prefix}:c:")
        if question.kind == "choice" and data.startswith(f"{self.prefix}:c:") and option in question.options:
            self.answers[question.id] = option
            return True
        return False

    def type(self, text: str, locale: str) -> str | None:
        """Record a typed answer; returns the ui key of a retry message when it is not usable."""
        question = self.current()
        if question is None or question.kind == "choice":
            return "form_use_buttons"
        if question.kind == "text":
            cleaned = " ".join(text.split())
            if not cleaned:
                return "form_empty"
            if len(cleaned) > question.max_length:
                return "form_too_long"
            self.answers[question.id] = cleaned
            return None
        value = parse_number(text, locale)
        if value is None:
            return "form_not_number"
        low, high = question.bounds  # type: ignore[misc]
        if value < low:
            return "form_too_low"
        if value > high:
            return "form_too_high"
        self.answers[question.id] = value
        return None

    def screen(self, t: Texts, notice: str | None = None, **values: object) -> Screen:
        """The current question, with its choices and Back / Skip / Menu."""
        question = self.current()
        assert question is not None
        rows = [
            (Button(t.plain(f"{self.name}_{question.id}_{option}"), f"{self.prefix}:c:{option}"),)
            for option in question.options
        ]
        first = not self.answers and not self.skipped
        nav = [Button(t.plain("button_back"), callbacks.page(self.origin) if first else f"{self.prefix}:b")]
        if question.optional:
            nav.append(Button(t.plain("form_skip"), f"{self.prefix}:k"))
        nav.append(Button(t.plain("button_home"), callbacks.HOME))
        screen = Screen(t.ui(f"{self.name}_{question.id}", **values), (*rows, tuple(nav)))
        return screen.with_notice(t.ui(notice)) if notice else screen


def start_data(prefix: str, origin: str) -> str:
    return f"{prefix}:s:{origin}"


def origin_of(prefix: str, data: str) -> str | None:
    """The page a start button came from, or None when the data does not start the form."""
    start = f"{prefix}:s:"
    return data.removeprefix(start) if data.startswith(start) else None
