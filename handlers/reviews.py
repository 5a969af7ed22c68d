"""/review for reviewers (HAKI_REVIEWERS; handlers/roles.py refuses everyone else, buttons too):
the steps are bot/reviews/flow.py's, the queue bot/reviews/queue.py's; here they go to and
from Telegram. An edit in progress lives in this chat's memory (handlers/flows.py)."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.reviews import flow
from bot.ui.screens import Screen
from bot.ui.texts import Texts
from handlers import flows, screens
from handlers.services import Services, viewer


async def review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    s, t, _ = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, await _next(s, t, update.effective_user.id))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    reviewer = update.effective_user.id
    parsed = flow.parse(query.data)
    claim = s.reviews.held(reviewer, parsed[1]) if parsed else None
    if parsed is None or claim is None:
        # A button of a text already handled, lapsed, or given to someone else; or made up.
        await query.answer(t.plain("review_gone"), show_alert=True)
        return
    editing = flows.current(context, flow.NAME)
    step = flow.press(parsed[0], claim.token, claim.text, editing, t)
    if step.end:
        flows.end(context)
    if step.begin is not None:
        flows.begin(context, flow.NAME, step.begin)
    screen = step.screen
    if step.act is not None:
        done = await _act(s, reviewer, step.act, claim, editing)
        screen = await _next(s, t, reviewer, step.notice if done else "review_gone")
    await asyncio.gather(query.answer(), screens.edit(context, query, screen))


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The corrected text, while editing."""
    _, t, _ = await viewer(update, context)
    editing: flow.Editing = flows.current(context, flow.NAME)
    screen = flow.typed(editing, update.effective_message.text or "", t)
    await screens.send(context, update.effective_chat.id, screen)


async def _act(s: Services, reviewer: int, act: str, claim, editing: flow.Editing | None) -> bool:
    if act == "release":
        return await s.reviews.release(reviewer, claim, claim.text)
    if act == "release_edited":
        return await s.reviews.release(reviewer, claim, editing.text)
    if act == "delete":
        return await s.reviews.delete(reviewer, claim)
    await s.reviews.leave(reviewer)  # skip: the next text is another one; this one goes to the others
    return True


async def _next(s: Services, t: Texts, reviewer: int, notice: str | None = None) -> Screen:
    claim = await s.reviews.next(reviewer)
    if claim is None:
        return flow.empty_screen(t, notice)
    return flow.text_screen(t, claim.token, claim.text, await s.reviews.waiting(), notice)
