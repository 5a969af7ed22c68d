"""Broadcast sends through python-telegram-bot: Telegram's errors become the outcomes that
bot/broadcasts/delivery.py understands, so the delivery engine needs no Telegram types."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.broadcasts.delivery import Blocked, FloodWait, Rejected, Send, Unreachable


def telegram_send(send: Send) -> Send:
    """`send` (e.g. bot.send_message) raising delivery's SendErrors instead of Telegram's.
    A refused token (InvalidToken) and anything unexpected pass through: they stop delivery."""

    async def sending(chat_id: int, text: str, **options: object) -> object:
        try:
            return await send(chat_id, text, **options)
        except RetryAfter as err:
            raise FloodWait(err.message, _seconds(err)) from err
        except Forbidden as err:
            raise Blocked(err.message) from err
        except BadRequest as err:  # before NetworkError: BadRequest is its subclass
            raise Rejected(err.message) from err
        except (TimedOut, NetworkError) as err:
            raise Unreachable(err.message) from err
        except InvalidToken:
            raise
        except TelegramError as err:
            raise Rejected(err.message) from err

    return sending


def _seconds(err: RetryAfter) -> float:
    # PTB 22 warns on every read of retry_after until PTB_TIMEDELTA is set; either type is handled.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
