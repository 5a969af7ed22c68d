"""Writing a report and withdrawing it by its receipt code. Only the codes, bands, ISO week
and scrubbed text are written; the receipt code is kept only as its pseudonym. The Telegram
id serves one purpose: today's in-memory count (bot/reports/daily_limit.py)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.content.model import Content
from bot.privacy.pseudonyms import Pseudonyms
from bot.reports import survey
from bot.reports.daily_limit import DailyLimit
from bot.store.errors import unwritable, unwritable_line
from bot.ui.forms import Form

# The storage's add_report(week, answers, receipt, text) and withdraw_report(receipt).
AddReport = Callable[[str, dict[str, str], bytes, str | None], Awaitable[None]]
WithdrawReport = Callable[[bytes], Awaitable[bool]]

log = logging.getLogger(__name__)


async def save(
    form: Form, content: Content, add_report: AddReport, pseudonyms: Pseudonyms, limit: DailyLimit, user_id: int
) -> str | None:
    """Write the finished draft and count it; its receipt code, or None when the disk is full
    or read-only: then nothing was written or counted, and the draft can be sent again."""
    code = survey.new_receipt_code()
    try:
        await add_report(
            survey.iso_week(dt.date.today()),
            survey.kept_answers(form, content),
            pseudonyms.receipt(code),
            survey.kept_text(form),
        )
    except Exception as error:
        if not unwritable(error):
            raise
        log.error(unwritable_line(error, "a report was not saved; its sender was asked to send it again later"))
        return None
    limit.take(user_id)  # counted once saved; a chat's updates are handled one at a time
    return code


async def withdraw(typed: str, withdraw_report: WithdrawReport, pseudonyms: Pseudonyms) -> bool | None:
    """Delete the report given this receipt code (as typed: any case, spaces or dashes);
    whether there was one, or None when no code was typed."""
    if not typed.strip():
        return None
    return await withdraw_report(pseudonyms.receipt(survey.normalize_code(typed)))
