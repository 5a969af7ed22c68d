"""/export for researchers (HAKI_RESEARCHERS; handlers/roles.py refuses everyone else): which
tier, which period, then the export (bot/exports/run.py) arrives as one zip document.

  /export ──▶ tier (tables | microdata) ──▶ period (month | quarter) ──▶ the zip, or why not
  ex:t:<tier>          ex:p:<tier>:<period>

The export is built in a thread from its own read-only connection, so the bot keeps answering
everyone else meanwhile; the files are written to a temporary folder and deleted once sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import tempfile
from pathlib import Path

from telegram import Update
from telegram.ext import ContextTypes

from bot.exports import run as exports
from bot.exports.options import PERIODS, TIERS, ExportOptions, ExportRefused
from bot.ui.screens import Button, Screen
from handlers import flows, screens, trail
from handlers.services import viewer

log = logging.getLogger(__name__)
PREFIX = "ex"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    flows.end(context)
    _, t, _ = await viewer(update, context)
    rows = tuple((Button(t.plain(f"export_tier_{tier}"), f"{PREFIX}:t:{tier}"),) for tier in TIERS)
    await screens.send(context, update.effective_chat.id, Screen(t.ui("export_choose_tier"), rows))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    s, t, _ = await viewer(update, context)
    parts = (query.data or "").split(":")[1:]
    if len(parts) == 2 and parts[0] == "t" and parts[1] in TIERS:
        tier = parts[1]
        rows = tuple((Button(t.plain(f"export_period_{period}"), f"{PREFIX}:p:{tier}:{period}"),) for period in PERIODS)
        await asyncio.gather(query.answer(), screens.edit(context, query, Screen(t.ui("export_choose_period"), rows)))
        return
    if len(parts) != 3 or parts[0] != "p" or parts[1] not in TIERS or parts[2] not in PERIODS:
        await query.answer(t.plain("stale_button"))
        return
    options = ExportOptions(tier=parts[1], period=parts[2])
    await asyncio.gather(query.answer(), screens.edit(context, query, Screen(t.ui("export_working"))))
    chat_id = update.effective_chat.id
    with tempfile.TemporaryDirectory(prefix="haki-export-") as folder:
        try:
            data, caption = await asyncio.to_thread(
                _export, s.config.database_path, s.navigator.content, options, Path(folder)
            )
        except ExportRefused as refused:
            await screens.send(context, chat_id, Screen(t.ui("export_refused", reason=str(refused))))
            return
    name = f"haki-{options.tier}-{options.period}-{dt.date.today().isoformat()}.zip"
    sent = await context.bot.send_document(chat_id, document=data, filename=name, caption=caption, parse_mode=None)
    trail.remember(context, sent.message_id)


def _export(database: Path, content, options: ExportOptions, folder: Path) -> tuple[bytes, str]:
    summary = exports.run_export(database, content, options, folder / "export")
    return exports.zipped(folder / "export", summary), exports.report(options, summary)
