"""/stats for organizers: aggregate statistics of the reports, as text screens and a chart.

Registered in handlers/application.py's ORGANIZER_COMMANDS, so handlers/roles.py refuses
everyone else. Nothing about a single report, and no Telegram id, is logged or shown.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Update
from telegram.ext import ContextTypes

from bot.privacy.disclosure import THRESHOLD
from bot.stats import chart as stats_chart
from bot.stats import figures as statistics
from bot.ui.screens import Screen
from handlers import flows, screens, trail
from handlers.services import viewer

log = logging.getLogger(__name__)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    s, t, _ = await viewer(update, context)
    chat_id = update.effective_chat.id
    started = time.monotonic()
    # Only released months are shown: the same numbers every time, whoever asks and whenever.
    releases = await s.publisher.releases()
    figures = statistics.compute(s.navigator.content, releases, await s.publisher.first_month())
    for text in statistics.screens(figures, t):
        await screens.send(context, chat_id, Screen(text))
    if figures.total.exact and figures.total.value >= THRESHOLD and stats_chart.drawable(figures):
        png = await asyncio.to_thread(stats_chart.render, figures, t)
        photo = await context.bot.send_photo(chat_id, png, caption=t.ui("stats_chart_caption"))
        trail.remember(context, photo.message_id)
    log.info("statistics shown in %.2f s", time.monotonic() - started)
