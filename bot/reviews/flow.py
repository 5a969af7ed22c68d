"""/review, the reviewer's flow: a press or a typed text in, a step out. Nothing here knows
Telegram; handlers/reviews.py does the steps, with the queue (queue.py).

  /review ──▶ text (the counter, the scrubbed text, nothing else of its report)
                │ rv:r ───────────────────────────────▶ released ─┐
                │ rv:e ──▶ "type it" ──typed──▶ edited (scrubbed again)
                │            ▲ rv:e ◀───────────────────┤ rv:ok ──▶ released ─┤
                │            └─ rv:b ──▶ text ◀─────────┘ rv:b               │
                │ rv:d ──▶ delete? ──rv:dd──▶ deleted ──────────────────────┤
                │            └ rv:b ──▶ text                                 │
                │ rv:s ──▶ skipped (left for the others) ────────────────────┤
                ▼                                                            ▼
             the next text, with a notice saying what happened to the last one
               (or: none left)

Every button carries the random token of the text it was shown with: rv:<action>:<token>. A
button of another text, an old one, or forged data acts on nothing (`gone`).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.reports.scrub import scrub
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts, to_html

NAME, PREFIX = "review", callbacks.REVIEW
RELEASE, EDIT, DELETE, CONFIRM_DELETE, SKIP, RELEASE_EDITED, BACK = "r", "e", "d", "dd", "s", "ok", "b"
ACTIONS = {RELEASE, EDIT, DELETE, CONFIRM_DELETE, SKIP, RELEASE_EDITED, BACK}
MAX_TEXT = 1000  # as long as a worker's text may be (content/survey.yaml, comment)


@dataclass
class Editing:
    """A reviewer's edit, in the chat's memory until released or left."""

    token: str
    text: str | None = None  # as it will be released: typed, then scrubbed


@dataclass(frozen=True)
class Step:
    """What the handler does, in this order: the queue's `act`, then show `screen` (or, after an
    act, the next text with `notice`)."""

    act: str | None = None  # release | release_edited | delete | skip
    screen: Screen | None = None
    notice: str | None = None  # ui key
    begin: Editing | None = None
    end: bool = False


def data(action: str, token: str) -> str:
    return f"{PREFIX}:{action}:{token}"


def parse(raw: object) -> tuple[str, str] | None:
    """(action, token) of an rv: button, or None for anything else."""
    if not isinstance(raw, str):
        return None
    parts = raw.split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in ACTIONS or not parts[2]:
        return None
    return parts[1], parts[2]


def press(action: str, token: str, text: str, editing: Editing | None, t: Texts) -> Step:
    """A press on the reviewer's own current text (the handler has checked the token)."""
    if action == RELEASE:
        return Step(act="release", notice="review_released", end=True)
    if action == SKIP:
        return Step(act="skip", notice="review_skipped", end=True)
    if action == CONFIRM_DELETE:
        return Step(act="delete", notice="review_deleted", end=True)
    if action == DELETE:
        return Step(screen=delete_screen(t, token), end=True)
    if action == EDIT:
        return Step(screen=edit_prompt(t, token), begin=Editing(token))
    if action == RELEASE_EDITED and editing is not None and editing.token == token and editing.text:
        return Step(act="release_edited", notice="review_released", end=True)
    return Step(screen=text_screen(t, token, text, None), end=True)  # Back, or a stale "release this version"


def typed(editing: Editing, typed_text: str, t: Texts) -> Screen:
    """The reviewer's corrected text, scrubbed again and shown as it will be released."""
    cleaned = typed_text.strip()
    if not cleaned:
        return edit_prompt(t, editing.token)
    if len(cleaned) > MAX_TEXT:
        return edit_prompt(t, editing.token).with_notice(t.ui("review_too_long", limit=MAX_TEXT))
    editing.text = scrub(cleaned)
    rows = (
        (Button(t.plain("review_release_edited"), data(RELEASE_EDITED, editing.token)),),
        (Button(t.plain("review_edit_again"), data(EDIT, editing.token)),),
        (Button(t.plain("button_back"), data(BACK, editing.token)),),
    )
    return Screen(f"{t.ui('review_edited')}\n\n<blockquote>{to_html(editing.text)}</blockquote>", rows, protected=True)


def text_screen(t: Texts, token: str, text: str, waiting: int | None, notice: str | None = None) -> Screen:
    """One text, as the worker's words after scrubbing, and what the reviewer can do with it."""
    head = [t.ui(notice)] if notice else []
    if waiting is not None:
        head.append(t.ui("review_waiting", count=waiting))
    rows = (
        (Button(t.plain("review_release"), data(RELEASE, token)), Button(t.plain("review_edit"), data(EDIT, token))),
        (Button(t.plain("review_delete"), data(DELETE, token)), Button(t.plain("review_skip"), data(SKIP, token))),
    )
    body = f"<blockquote>{to_html(text)}</blockquote>\n\n{t.ui('review_help')}"
    return Screen("\n".join(head) + "\n\n" + body if head else body, rows, protected=True)


def empty_screen(t: Texts, notice: str | None = None) -> Screen:
    screen = Screen(t.ui("review_empty"))
    return screen.with_notice(t.ui(notice)) if notice else screen


def gone_screen(t: Texts) -> Screen:
    return Screen(t.ui("review_gone"))


def edit_prompt(t: Texts, token: str) -> Screen:
    return Screen(t.ui("review_edit_prompt"), ((Button(t.plain("button_back"), data(BACK, token)),),))


def delete_screen(t: Texts, token: str) -> Screen:
    rows = (
        (Button(t.plain("review_delete_yes"), data(CONFIRM_DELETE, token)),),
        (Button(t.plain("button_back"), data(BACK, token)),),
    )
    return Screen(t.ui("review_delete_confirm"), rows, protected=True)
