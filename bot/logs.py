"""One-line logs that never carry a bot token, an update or a user's identity.

python-telegram-bot logs whole updates and API parameters (chat ids, texts) at DEBUG,
httpx logs request URLs (which contain the token) at INFO, and aiosqlite logs SQL
parameters at DEBUG; those libraries are therefore held at WARNING whatever
HAKI_LOG_LEVEL says, which only governs Haki's own loggers.
"""

from __future__ import annotations

import logging
import re
import sys

_TOKEN = re.compile(r"(bot)?\d{6,}:[A-Za-z0-9_-]{30,}")
QUIET_LIBRARIES = ("httpx", "httpcore", "aiosqlite", "telegram", "apscheduler", "aiohttp", "asyncio")
OWN_LOGGERS = ("haki", "bot", "handlers", "sandbox")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN.sub("<token>", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _TOKEN.sub("<token>", logging.Formatter().formatException(record.exc_info))
        return True


def setup(level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
