"""Organizers write broadcasts (/broadcast, the composer of bot/broadcasts/composer.py), follow
them and pause, resume or stop them (/broadcasts, and the buttons of the progress message,
bot/broadcasts/progress.py). The draft lives in this chat's memory only; on Send it becomes the
outbox that bot/broadcasts/delivery.py drains. Only organizers get here (handlers/roles.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.broadcasts import composer, progress
from bot.broadcasts.composer import Draft
from bot.guide.navigation import Prefs
from bot.ui.screens import Screen
from bot.ui.texts import Texts
from handlers import flows, screens
from handlers.services import Services, viewer

RECENT = 8  # broadcasts listed by /broadcasts


async def compose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/broadcast: a new draft, starting with its audience."""
    s, t, _ = await viewer(update, context)
    draft = composer.new_draft(s.navigator.content)
    flows.begin(context, composer.NAME, draft)
    await screens.send(context, update.effective_chat.id, composer.step_screen(draft, t, s.navigator.content))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    content = s.navigator.content
    draft: Draft | None = flows.current(context, composer.NAME)
    data = query.data or ""
    if data == composer.CANCEL:
        flows.end(context)
        await asyncio.gather(query.answer(), screens.edit(context, query, Screen(t.ui("broadcast_cancelled"))))
        return
    if draft is None:
        # A button of a draft already sent (a double tap on Send), cancelled or left idle for 30
        # minutes: say so, and change nothing (the message may be a live progress view by now).
        await query.answer(t.plain("broadcast_expired"), show_alert=True)
        return
    if data == composer.SEND and draft.step == "preview":
        await query.answer()
        await _send(update, context, s, t, draft)
        return
    if data == composer.SHOW and draft.step == "preview":
        await asyncio.gather(query.answer(), screens.edit(context, query, await _reach(update, s, t, draft)))
        return
    notice = composer.press(draft, data, content)
    await asyncio.gather(
        query.answer(t.plain(notice) if notice else None),
        screens.edit(context, query, composer.step_screen(draft, t, content)),
    )


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text while composing: the broadcast's text (in the language asked for)."""
    s, t, _ = await viewer(update, context)
    draft: Draft = flows.current(context, composer.NAME)
    notice = composer.type_text(draft, update.effective_message.text or "")
    if notice is None and draft.step == "preview":
        await _preview(update, context, s, t, draft)
        return
    screen = composer.step_screen(draft, t, s.navigator.content, notice=notice)
    await screens.send(context, update.effective_chat.id, screen)


async def recent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/broadcasts: the latest ones, each a button to its live view."""
    s, t, _ = await viewer(update, context)
    found = await s.store.broadcasts.recent_broadcasts(RECENT, datetime.now(UTC).timestamp())
    await screens.send(context, update.effective_chat.id, progress.list_screen(t, found))


async def control(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """bp:<p|r|c|v>:<id>: pause, resume, stop for good, or view a broadcast."""
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    _, action, broadcast_id = ((query.data or "") + "::").split(":")[:3]
    changed = True
    if action == "p":
        changed = await s.deliverer.pause(broadcast_id)
    elif action == "r":
        changed = await s.deliverer.resume(broadcast_id)
    elif action == "c":
        changed = await s.deliverer.cancel(broadcast_id)
    screen = await s.progress.screen(broadcast_id, t)
    if screen is None:
        await query.answer(t.plain("stale_button"))
        return
    await asyncio.gather(
        query.answer(None if changed else t.plain("broadcast_status_changed")), screens.edit(context, query, screen)
    )
    if query.message is not None:
        s.progress.follow(broadcast_id, query.message.chat.id, query.message.message_id, t, screen.plain_text)


async def _preview(update: Update, context, s: Services, t: Texts, draft: Draft) -> None:
    """Each language's message exactly as workers will get it, then the reach and Send."""
    chat_id = update.effective_chat.id
    for code, text in draft.final_texts().items():
        worker_t = s.navigator.texts_for(Prefs(language=code), None)
        await screens.send(context, chat_id, Screen(composer.worker_message(worker_t, text), protected=True))
    await screens.send(context, chat_id, await _reach(update, s, t, draft))


async def _reach(update: Update, s: Services, t: Texts, draft: Draft) -> Screen:
    """The reach (rounded) with Send; or, after too many of a narrowed audience, when to ask again."""
    if composer.narrowed(draft, s.navigator.content):
        wait = s.preview_limit.take(update.effective_user.id)
        if wait > 0:
            return composer.wait_screen(t, wait)
    recipients = await _audience(s, draft)
    reach = {code: sum(1 for r in recipients if r.language == code) for code in draft.languages}
    return composer.preview_screen(t, reach)


async def _send(update: Update, context, s: Services, t: Texts, draft: Draft) -> None:
    recipients = await _audience(s, draft)  # again: workers may have joined or left since the preview
    query = update.callback_query
    if not recipients:
        await screens.edit(context, query, composer.preview_screen(t, {}))
        return
    texts = {
        code: composer.worker_message(s.navigator.texts_for(Prefs(language=code), None), text)
        for code, text in draft.final_texts().items()
    }
    broadcast_id = await s.store.broadcasts.create_broadcast(texts, recipients)
    flows.end(context)
    s.deliverer.wake()
    screen = await s.progress.screen(broadcast_id, t)
    await screens.edit(context, query, screen)
    s.progress.follow(broadcast_id, query.message.chat.id, query.message.message_id, t, screen.plain_text)


async def _audience(s: Services, draft: Draft):
    return await s.subscriptions.audience(draft.languages, draft.countries, draft.topics, datetime.now(UTC))
