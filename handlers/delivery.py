"""Broadcast sends through python-telegram-bot: Telegram's errors become the outcomes that
bot/broadcasts/delivery.py understands, so the delivery engine needs no Telegram types."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.broadcasts.delivery import Blocked, FloodWait, Rejected, Send, Unreachable
from handlers.rate_limiter import retry_after_seconds


def telegram_send(send: Send) -> Send:
    """`send` (e.g. bot.send_message) raising delivery's SendErrors instead of Telegram's.
    A refused token (InvalidToken) and anything unexpected pass through: they stop delivery."""

    async def sending(chat_id: int, text: str, **options: object) -> object:
        try:
            return await send(chat_id, text, **options)
        except RetryAfter as err:
            raise FloodWait(err.message, retry_after_seconds(err)) from err
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
