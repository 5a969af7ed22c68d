"""One-line logs that never carry a bot token, an update or a user's identity.

Each record is one line of key=value fields (logfmt), so a log collector can parse it and a
traceback cannot spill over lines: ts= level= logger= msg= and, for an error, exc=.

python-telegram-bot logs whole updates and API parameters (chat ids, texts) at DEBUG,
httpx logs request URLs (which contain the token) at INFO, and aiosqlite logs SQL
parameters at DEBUG; those libraries are therefore held at WARNING whatever
HAKI_LOG_LEVEL says, which only governs Haki's own loggers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time

_TOKEN = re.compile(r"(bot)?\d{6,}:[A-Za-z0-9_-]{30,}")
QUIET_LIBRARIES = ("httpx", "httpcore", "aiosqlite", "telegram", "apscheduler", "aiohttp", "asyncio")
OWN_LOGGERS = ("haki", "app", "bot", "handlers", "sandbox")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN.sub("<token>", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _TOKEN.sub("<token>", logging.Formatter().formatException(record.exc_info))
        return True


class OneLine(logging.Formatter):
    """logfmt: key=value pairs; values with spaces, quotes or line breaks are JSON-quoted."""

    converter = time.gmtime  # UTC, whatever the server's zone

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            fields["exc"] = record.exc_text
        return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


def _value(text: str) -> str:
    if text and not any(c in text for c in ' "=\\') and text.isprintable():
        return text
    return json.dumps(text, ensure_ascii=False)


def setup(level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLine())
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
