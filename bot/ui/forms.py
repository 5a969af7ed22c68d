"""Short question-and-answer forms (the fair-pay check, the letter builder), independent
of Telegram. A form is a list of questions; the answers live in the caller's memory only.

Wording comes from the interface strings, by convention <form>_<question> for a question
and <form>_<question>_<option> for a choice, or from a `wording` function (the report's
wording is content, content/<lang>/survey.yaml). Callback data: <prefix>:s:<page> start
(from page), <prefix>:c:<option> choose, <prefix>:k skip, <prefix>:b back one question,
<prefix>:e:<question> change an answer (forms with a review before sending).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal

from bot.content.schema import OTHER_COUNTRY
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts, to_html

_SPACES = str.maketrans("", "", " \u00a0\u202f'")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "choice", "country" (a choice among countries), "number" or "text"
    options: tuple[str, ...] = ()
    bounds: tuple[Decimal, Decimal] | None = None  # numbers: plausible range
    max_length: int = 0  # text
    optional: bool = False  # offers Skip
    when: Callable[[dict[str, object]], bool] = lambda answers: True

    @property
    def is_choice(self) -> bool:
        return self.kind in ("choice", "country")


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
    wording: Callable[[Texts, str], str] | None = None  # key -> text; default: interface strings
    exit_data: str = callbacks.HOME  # where the last navigation button leads
    editing: str | None = None  # a question being answered again from the review

    def pending(self) -> list[Question]:
        return [q for q in self.questions if q.when(self.answers)]

    def current(self) -> Question | None:
        if self.editing is not None:
            return next((q for q in self.pending() if q.id == self.editing), None)
        return next((q for q in self.pending() if q.id not in self.answers and q.id not in self.skipped), None)

    def edit(self, question_id: str) -> bool:
        """Ask one question again (from the review); False for an unknown question."""
        if not any(q.id == question_id for q in self.pending()):
            return False
        self.editing = question_id
        return True

    def text(self, t: Texts, key: str) -> str:
        return self.wording(t, key) if self.wording else t.plain(f"{self.name}_{key}")

    def answer_label(self, t: Texts, question: Question) -> str | None:
        """What the user chose or typed, in their language (None when skipped)."""
        if question.id not in self.answers:
            return None
        value = str(self.answers[question.id])
        return self._option_label(t, question, value) if question.is_choice else value

    def _option_label(self, t: Texts, question: Question, option: str) -> str:
        if question.kind != "country":
            return self.text(t, f"{question.id}_{option}")
        return t.plain("country_other") if option == OTHER_COUNTRY else t.country_name(option)

    def back(self) -> None:
        if self.editing is not None:
            self.editing = None  # back to the review, the answer unchanged
            return
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
            self.answers.pop(question.id, None)
            self.skipped.add(question.id)
            self.editing = None
            return True
        option = data.removeprefix(f"{self.prefix}:c:")
        if question.is_choice and data.startswith(f"{self.prefix}:c:") and option in question.options:
            self._answer(question, option)
            return True
        return False

    def _answer(self, question: Question, value: object) -> None:
        self.answers[question.id] = value
        self.skipped.discard(question.id)
        self.editing = None
        # Answers that depend on this one are asked again.
        for later in self.questions:
            if not later.when(self.answers):
                self.answers.pop(later.id, None)

    def type(self, text: str, locale: str) -> str | None:
        """Record a typed answer; returns the ui key of a retry message when it is not usable."""
        question = self.current()
        if question is None or question.is_choice:
            return "form_use_buttons"
        if question.kind == "text":
            cleaned = " ".join(text.split())
            if not cleaned:
                return "form_empty"
            if len(cleaned) > question.max_length:
                return "form_too_long"
            self._answer(question, cleaned)
            return None
        value = parse_number(text, locale)
        if value is None:
            return "form_not_number"
        low, high = question.bounds  # type: ignore[misc]
        if value < low:
            return "form_too_low"
        if value > high:
            return "form_too_high"
        self._answer(question, value)
        return None

    def screen(self, t: Texts, notice: str | None = None, **values: object) -> Screen:
        """The current question, with its choices and Back / Skip / Menu."""
        question = self.current()
        assert question is not None
        buttons = [Button(self._option_label(t, question, o), f"{self.prefix}:c:{o}") for o in question.options]
        per_row = 2 if question.kind == "country" else 1
        rows = [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]
        first = not self.answers and not self.skipped
        nav = [Button(t.plain("button_back"), callbacks.page(self.origin) if first else f"{self.prefix}:b")]
        if question.optional:
            nav.append(Button(t.plain("form_skip"), f"{self.prefix}:k"))
        exit_label = "button_home" if self.exit_data == callbacks.HOME else "button_exit"
        nav.append(Button(t.plain(exit_label), self.exit_data))
        screen = Screen(to_html(self.text(t, question.id), values), (*rows, tuple(nav)))
        return screen.with_notice(t.ui(notice)) if notice else screen


def origin_of(prefix: str, data: str) -> str | None:
    """The page a start button came from, or None when the data does not start the form."""
    start = f"{prefix}:s:"
    return data.removeprefix(start) if data.startswith(start) else None
