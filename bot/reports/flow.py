"""The report's flow: a button press or a typed text in, the next step out. Nothing here
knows Telegram or who is answering; handlers/reports.py carries the steps out.

  rp:s:<page> (a page's Report button), or any rp: button with no draft (expired, left)
    │   this month's report already sent: the limit notice, and no draft
    ▼
  question n ──rp:c:<option> | typed answer | rp:k (optional ones)──▶ question n+1 … review
    │ rp:b ──▶ question n-1, its answer dropped
    │ typed garbage ──▶ question n again, with a notice
    │ a button of another question, a stale Send ──▶ question n again

  review ──rp:chg──▶ change-which ──rp:e:<k>──▶ editing question k
                       │ rp:rev ──▶ review       │ rp:c | typed | rp:k ──▶ review (after any
                                                 │     question the new answer calls for)
                                                 │ rp:b ──▶ review, the answer unchanged
  review ──rp:send──▶ sent (the receipt code): saved, the draft dropped
                  ──▶ the limit notice: this month's report already sent, the draft dropped
                  ──▶ review with a notice: the disk refused, the draft kept for another Send
  sent ──rp:clear──▶ the chat cleared, one neutral line
       ──rp:keep───▶ the receipt stays, without its buttons

Exit (x) leaves from anywhere: handlers/safety.py drops the draft and clears the chat. The
first question's Back is a page's button: the menus drop the draft.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.content.model import Content
from bot.reports import survey
from bot.reports.saving import NotSaved
from bot.ui.forms import Form, origin_of
from bot.ui.screens import Screen
from bot.ui.texts import Texts


@dataclass(frozen=True)
class Step:
    """What a press leads to; the handler does it in this order: send, end, begin, show."""

    screen: Screen | None = None  # None: the pressed message keeps its text and loses its buttons
    below: bool = False  # in a new message rather than in place of the pressed one
    begin: Form | None = None  # a new draft, kept in the chat's memory
    send: bool = False  # save the draft, then show after_saving()
    end: bool = False  # drop the draft
    clear_chat: bool = False  # delete the chat's recent messages (the pressed one too), then show `below`


def press(
    form: Form | None, data: str, t: Texts, content: Content, *, left: int, reopens: dt.date, text_until: dt.date
) -> Step:
    """A press of an rp: button; `form` is the chat's draft, if any, and is changed in place.
    `left`: reports this person may still send this month; `reopens`: the first day of the next;
    `text_until`: the day a free text sent now is deleted unless a reviewer releases it."""
    if data == survey.CLEAR:
        return Step(Screen(t.ui("report_cleared")), below=True, clear_chat=True)
    if data == survey.KEEP:
        return Step(screen=None)  # the receipt stays where it is, without its buttons
    origin = origin_of(survey.PREFIX, data)
    if origin is not None or form is None:
        if left <= 0:
            return Step(_limit(t, reopens), below=True)
        # The report opens in a message of its own, so that it can be protected.
        form = survey.new_form(content, origin if origin in content.pages else "main")
        return Step(survey.question_screen(form, t, content), below=True, begin=form)
    if data == survey.SEND and form.current() is None:
        if left <= 0:
            return Step(_limit(t, reopens), end=True)
        return Step(send=True)
    if data == survey.CHANGE:
        return Step(survey.change_screen(form, t))
    if data == survey.REVIEW:
        form.editing = None
    elif (question := survey.edited_question(data)) is not None:
        form.edit(question)
    else:
        form.press(data)  # an old button of an earlier question changes nothing: ask again
    return Step(_next(form, t, content, text_until))


def after_saving(
    form: Form, t: Texts, content: Content, saved: str | NotSaved, reopens: dt.date, text_until: dt.date
) -> Step:
    """After Send: the receipt code, or why nothing was written."""
    if saved is NotSaved.DISK:
        return Step(_next(form, t, content, text_until).with_notice(t.ui("report_not_saved")))
    if saved is NotSaved.LIMIT:
        return Step(_limit(t, reopens), end=True)
    return Step(survey.sent_screen(t, saved), end=True)  # the draft is gone the moment it is saved


def typed(form: Form, text: str, t: Texts, content: Content, text_until: dt.date) -> Screen:
    """A typed answer to the draft's current question: the next screen, or the same one again
    with a notice saying what to type. Typing never starts, sends or ends a report."""
    problem = form.type(text, t.code)
    screen = _next(form, t, content, text_until)
    return screen.with_notice(t.ui(problem)) if problem else screen


def withdrawn(t: Texts, done: bool | None) -> Screen:
    """The answer to /withdraw: None when no code was given."""
    key = "withdraw_usage" if done is None else "withdraw_done" if done else "withdraw_unknown"
    return Screen(t.ui(key), protected=True)


def _next(form: Form, t: Texts, content: Content, text_until: dt.date) -> Screen:
    if form.current() is not None:
        return survey.question_screen(form, t, content)
    return survey.review_screen(form, t, content, text_until)


def _limit(t: Texts, reopens: dt.date) -> Screen:
    return Screen(t.ui("report_limit", date=t.date(reopens)))
