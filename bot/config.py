"""Configuration from environment variables (and an optional .env file).

Every problem is a ConfigError whose message names the variable and how to fix it,
so the command line can print one clear line and exit 2 instead of a traceback.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

DEFAULT_API_URL = "https://api.telegram.org/bot"
# Telegram's flood limits, as bot/sending/budget.py keeps them (its docstring says why 28).
SEND_RATE = 28.0  # messages a second in all chats (Telegram: about 30)
MAX_SEND_RATE = 30.0
CHAT_RATE = 1.0  # messages a second to one private chat (Telegram: about 1, short bursts allowed)

# (name, what it is) — shown by `python bot.py --help`.
VARIABLES: list[tuple[str, str]] = [
    ("TELEGRAM_BOT_TOKEN", "bot token from @BotFather (required for run)"),
    (
        "TELEGRAM_API_URL",
        f"Bot API base URL, python-telegram-bot's base_url (default {DEFAULT_API_URL}; "
        "e.g. http://127.0.0.1:8081/bot for a self-hosted Bot API server)",
    ),
    ("HAKI_DATA_DIR", "folder for the SQLite database (default ./data)"),
    ("HAKI_SECRET_KEY", "secret for keyed pseudonyms and encryption, 32+ characters (required for run)"),
    (
        "HAKI_SECRET_KEY_FILE",
        "instead of HAKI_SECRET_KEY: a file holding it (e.g. /run/secrets/haki_secret_key); a final newline is ignored",
    ),
    ("HAKI_ORGANIZERS", "comma-separated Telegram user ids of organizers"),
    ("HAKI_RESEARCHERS", "comma-separated Telegram user ids of researchers"),
    ("HAKI_REVIEWERS", "comma-separated Telegram user ids of reviewers of workers' free texts (/review)"),
    (
        "HAKI_SEND_RATE",
        "messages a second a broadcast and the replies meanwhile stay under (default 28; at most 30, Telegram's limit)",
    ),
    ("HAKI_CHAT_SEND_RATE", "messages per second to one chat (default 1, Telegram's limit; lower it if Telegram asks)"),
    (
        "HAKI_BROADCAST_RATE",
        "broadcast messages per second (default 25; at most HAKI_SEND_RATE, or 1000 with paid broadcasts)",
    ),
    (
        "HAKI_PAID_BROADCASTS",
        "1 to send broadcasts with allow_paid_broadcast (0.1 Telegram Star per message; default 0)",
    ),
    ("HAKI_WEBHOOK_URL", "webhook mode: the public https URL Telegram posts to (ports 443, 80, 88 or 8443)"),
    ("HAKI_WEBHOOK_SECRET", "webhook mode: 32-256 letters, digits, _ or -; Telegram sends it with every update"),
    ("HAKI_WEBHOOK_LISTEN", "webhook mode: address to listen on (default 127.0.0.1; 0.0.0.0 in a container)"),
    ("HAKI_WEBHOOK_PORT", "webhook mode: port to listen on (default 8080)"),
    ("HAKI_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR for Haki's own logs (default INFO)"),
    (
        "HAKI_TEXT_RETENTION_DAYS",
        "days after the end of its week that a report's free text nobody released is deleted (default 30)",
    ),
]

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
_MIN_SECRET = 32
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TEXT_RETENTION_DAYS = 30  # what the in-bot privacy page promises workers: "about a month"


class ConfigError(Exception):
    """A configuration problem, worded for the operator."""


@dataclass(frozen=True)
class Config:
    token: str
    secret_key: bytes
    api_url: str = DEFAULT_API_URL
    data_dir: Path = Path("data")
    organizers: frozenset[int] = field(default_factory=frozenset)
    researchers: frozenset[int] = field(default_factory=frozenset)
    reviewers: frozenset[int] = field(default_factory=frozenset)
    log_level: int = logging.INFO
    broadcast_rate: float = 25.0
    paid_broadcasts: bool = False
    send_rate: float = SEND_RATE
    chat_send_rate: float = CHAT_RATE
    text_retention_days: int = TEXT_RETENTION_DAYS

    @property
    def database_path(self) -> Path:
        return self.data_dir / "haki.sqlite3"


def load(env: dict[str, str] | None = None, *, require_bot: bool = True, dotenv: bool = True) -> Config:
    """Read the configuration; `require_bot=False` lets commands without a bot skip token and key."""
    if env is None:
        if dotenv:
            load_dotenv(find_dotenv(usecwd=True), override=False)  # real environment variables win
        env = dict(os.environ)

    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    secret = ""
    if require_bot:
        if not token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and "
                "export TELEGRAM_BOT_TOKEN=<token> (or try `python bot.py demo`, which needs none)"
            )
        if not _TOKEN.match(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then 30+ "
                "letters, digits, '-' or '_'): copy it again from @BotFather"
            )
        secret = _secret_key(env)

    api_url = env.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"TELEGRAM_API_URL must start with http:// or https:// (got {api_url!r}); "
            f"leave it unset for {DEFAULT_API_URL}"
        )

    level_name = env.get("HAKI_LOG_LEVEL", "").strip().upper() or "INFO"
    if level_name not in _LOG_LEVELS:
        raise ConfigError(f"HAKI_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)} (got {level_name!r})")

    paid = env.get("HAKI_PAID_BROADCASTS", "").strip() or "0"
    if paid not in ("0", "1"):
        raise ConfigError(f"HAKI_PAID_BROADCASTS must be 0 or 1 (got {paid!r})")
    send_rate = _rate(
        env, "HAKI_SEND_RATE", SEND_RATE, MAX_SEND_RATE, "Telegram allows about 30 messages a second in all"
    )
    chat_rate = _rate(env, "HAKI_CHAT_SEND_RATE", CHAT_RATE, CHAT_RATE, "Telegram allows about one a second per chat")
    limit = 1000.0 if paid == "1" else send_rate
    why = "broadcasts share HAKI_SEND_RATE with replies; paid ones (HAKI_PAID_BROADCASTS=1) may go up to 1000"
    rate = _rate(env, "HAKI_BROADCAST_RATE", 25.0, limit, why)

    return Config(
        token=token,
        secret_key=secret.encode(),
        api_url=api_url,
        data_dir=Path(env.get("HAKI_DATA_DIR", "").strip() or "data"),
        organizers=_user_ids(env, "HAKI_ORGANIZERS"),
        researchers=_user_ids(env, "HAKI_RESEARCHERS"),
        reviewers=_user_ids(env, "HAKI_REVIEWERS"),
        log_level=getattr(logging, level_name),
        broadcast_rate=rate,
        paid_broadcasts=paid == "1",
        send_rate=send_rate,
        chat_send_rate=chat_rate,
        text_retention_days=_days(env, "HAKI_TEXT_RETENTION_DAYS", TEXT_RETENTION_DAYS),
    )


def _days(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            f"{name} must be a whole number of days, at least 1 (got {raw!r}); leave it unset for {default}"
        )
    return int(raw)


def _rate(env: dict[str, str], name: str, default: float, limit: float, why: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return min(default, limit)
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0 < rate <= limit:
        raise ConfigError(
            f"{name} must be a number above 0 and at most {limit:g} messages a second (got {raw!r}); {why}"
        )
    return rate


def _secret_key(env: dict[str, str]) -> str:
    """HAKI_SECRET_KEY, or the contents of the file HAKI_SECRET_KEY_FILE names (Docker's secrets
    convention). No message ever quotes the key or any part of the file."""
    secret = env.get("HAKI_SECRET_KEY", "")
    path = env.get("HAKI_SECRET_KEY_FILE", "").strip()
    generate = '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'
    if path and secret:
        raise ConfigError("HAKI_SECRET_KEY and HAKI_SECRET_KEY_FILE are both set: keep one of them, not both")
    if not path:
        if len(secret) < _MIN_SECRET:
            raise ConfigError(
                f"HAKI_SECRET_KEY must be at least {_MIN_SECRET} characters: generate one with {generate} "
                "and keep it secret (or name a file holding it in HAKI_SECRET_KEY_FILE)"
            )
        return secret
    try:
        secret = Path(path).read_bytes().decode("utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(
            f"HAKI_SECRET_KEY_FILE {path!r} cannot be read ({exc.strerror}): point it at a file the bot's user may read"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"HAKI_SECRET_KEY_FILE {path!r} is not UTF-8 text: write the key as plain text") from None
    if len(secret) < _MIN_SECRET:
        raise ConfigError(
            f"HAKI_SECRET_KEY_FILE {path!r} must hold a key of at least {_MIN_SECRET} characters: "
            f"generate one with {generate} and write it to the file"
        )
    return secret


def _user_ids(env: dict[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "")
    ids = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit():
            raise ConfigError(
                f"{name} must be Telegram user ids separated by commas, like 12345,67890 (found {part!r})"
            )
        ids.add(int(part))
    return frozenset(ids)


def check_data_dir(config: Config) -> None:
    """The database folder must exist (it is created) and be writable."""
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        probe = config.data_dir / ".haki-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"HAKI_DATA_DIR {str(config.data_dir)!r} is not a writable folder ({exc.strerror}): "
            "point it at a folder the bot may write to"
        ) from None
