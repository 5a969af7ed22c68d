"""Writing a report and withdrawing it by its receipt code. Only the codes, bands, ISO week
and scrubbed text are written; the receipt code is kept only as its pseudonym. The Telegram
id serves one purpose: this month's in-memory count (bot/reports/monthly_limit.py)."""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable

from bot.content.model import Content
from bot.privacy.pseudonyms import Pseudonyms
from bot.reports import survey
from bot.reports.monthly_limit import MonthlyLimit
from bot.store.errors import unwritable, unwritable_line
from bot.ui.forms import Form

# The storage's add_report(week, answers, receipt, text) and withdraw_report(receipt).
AddReport = Callable[[str, dict[str, str], bytes, str | None], Awaitable[None]]
WithdrawReport = Callable[[bytes], Awaitable[bool]]

log = logging.getLogger(__name__)


class NotSaved(enum.Enum):
    DISK = "the disk is full or read-only: nothing written or counted, the draft can be sent again"
    LIMIT = "this month's reports are all sent: nothing written"


async def save(
    form: Form, content: Content, add_report: AddReport, pseudonyms: Pseudonyms, limit: MonthlyLimit, user_id: int
) -> str | NotSaved:
    """Count the finished draft, then write it: its receipt code, or why it was not saved."""
    code = survey.new_receipt_code()
    # Counted before it is written, so that the month's limit holds whatever runs meanwhile; the
    # report is stamped with the day it was counted on, so it lands in the month it was counted in.
    day = limit.take(user_id, code)
    if day is None:
        return NotSaved.LIMIT
    try:
        await add_report(
            survey.iso_week(day),
            survey.kept_answers(form, content),
            pseudonyms.receipt(code),
            survey.kept_text(form),
        )
    except Exception as error:
        limit.give_back(user_id, code)  # the write failed as a whole (one transaction): nothing to count
        if not unwritable(error):
            raise
        log.error(unwritable_line(error, "a report was not saved; its sender was asked to send it again later"))
        return NotSaved.DISK
    return code


async def withdraw(
    typed: str, withdraw_report: WithdrawReport, pseudonyms: Pseudonyms, limit: MonthlyLimit, user_id: int
) -> bool | None:
    """Delete the report given this receipt code (as typed: any case, spaces or dashes);
    whether there was one, or None when no code was typed. A report of this month, once
    deleted, no longer counts: `user_id` may send one again (MonthlyLimit.give_back says
    why that keeps everyone within the month's limit)."""
    if not typed.strip():
        return None
    code = survey.normalize_code(typed)
    done = await withdraw_report(pseudonyms.receipt(code))
    if done:
        limit.give_back(user_id, code)
    return done
