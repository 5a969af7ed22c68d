"""/export for researchers (HAKI_RESEARCHERS; handlers/roles.py refuses everyone else): the
screens and the export are bot/exports/screens.py's; here they go to and from Telegram.

The releases come from the publisher (any month closed since is released first); the export is
built from them in a thread, so the bot keeps answering everyone else meanwhile.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ContextTypes

from bot.exports import run
from bot.exports import screens as export_screens
from bot.exports.options import ExportRefused
from handlers import flows, screens, trail
from handlers.services import viewer


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    _, t, _ = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, export_screens.tier_picker(t))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    step = export_screens.on_press(query.data or "", t)
    if step.screen is None:
        await query.answer(step.toast)
        return
    await asyncio.gather(query.answer(), screens.edit(context, query, step.screen))
    if step.export is None:
        return
    chat_id = update.effective_chat.id
    try:
        releases = await run.released(s.publisher)
        texts = await run.released_texts(s.store.texts, releases)
        document = await asyncio.to_thread(
            run.document, releases, s.navigator.content, step.export, s.config.database_path, texts
        )
    except ExportRefused as refused:
        await screens.send(context, chat_id, export_screens.refused_screen(t, refused))
        return
    sent = await context.bot.send_document(
        chat_id, document=document.data, filename=document.name, caption=document.caption, parse_mode=None
    )
    trail.remember(context, sent.message_id)
