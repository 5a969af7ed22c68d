"""/texts for organizers (HAKI_ORGANIZERS): the workers' texts reviewers released, a closed
month at a time, as a document; what may go out is bot/reviews/published.py's rule."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot.reviews import published
from handlers import screens, trail
from handlers.services import Services, viewer


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    s, t, _ = await viewer(update, context)
    await screens.send(context, update.effective_chat.id, published.months_screen(t, await _months(s)))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """tx:<month>: that month's document."""
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    month = (query.data or "").partition(":")[2]
    found = (await _months(s)).get(month)
    if found is None or not found.texts:
        await query.answer(t.plain("texts_gone"), show_alert=True)
        return
    await query.answer()
    sent = await context.bot.send_document(
        update.effective_chat.id,
        document=published.document(t, month, found).encode(),
        filename=f"haki-texts-{month}.txt",
        caption=t.plain("texts_caption", month=t.month(month)),
        parse_mode=None,
        protect_content=True,
    )
    trail.remember(context, sent.message_id)


async def _months(s: Services) -> dict[str, published.Publishable]:
    """Closed months only: those already released (releasing any that closed since)."""
    months = [release.month for release in await s.publisher.releases()]
    return published.by_month(await s.store.texts.released(months))
