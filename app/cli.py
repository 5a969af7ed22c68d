"""Command line: `python bot.py run | webhook | demo | export | backup | health | check-content | content-status`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from app import logs
from bot import __version__
from bot import config as configuration
from bot.content import CONTENT_DIR, status
from bot.exports import run as exports
from bot.exports.options import MAX_ATTRIBUTES, PERIODS, TIERS, ExportOptions, ExportRefused
from bot.guide.check import ContentError, load_navigator

log = logging.getLogger("haki")


def _parser() -> argparse.ArgumentParser:
    variables = "\n".join(f"  {name:<20} {what}" for name, what in configuration.VARIABLES)
    parser = argparse.ArgumentParser(
        prog="python bot.py",
        description="Haki: a Telegram bot for data and content workers.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"environment variables (a .env file in the current folder is read too):\n{variables}",
    )
    parser.add_argument("--version", action="version", version=f"haki {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("run", help="run the bot with long polling (needs TELEGRAM_BOT_TOKEN and HAKI_SECRET_KEY)")
    webhook = commands.add_parser(
        "webhook",
        help="run the bot with a webhook: Telegram posts updates to an HTTPS URL (see docs/webhook.md)",
        description="Serve Telegram's webhook and GET /healthz. The secret token comes from HAKI_WEBHOOK_SECRET "
        "only, so it does not show in the process list.",
    )
    webhook.add_argument("--url", help="public https URL Telegram posts to (or HAKI_WEBHOOK_URL)")
    webhook.add_argument("--listen", help="address to listen on (or HAKI_WEBHOOK_LISTEN; default 127.0.0.1)")
    webhook.add_argument("--port", type=int, help="port to listen on (or HAKI_WEBHOOK_PORT; default 8080)")
    backup_command = commands.add_parser(
        "backup", help="copy the database safely while the bot runs (SQLite online backup); see docs/deploy.md"
    )
    backup_command.add_argument("dest", type=Path, help="a new file, or a folder to write a dated file into")
    commands.add_parser("health", help="exit 0 if the content loads and the database is sound (container health)")
    demo = commands.add_parser(
        "demo", help="chat with the bot in this terminal, offline, against a local Telegram sandbox"
    )
    demo.add_argument("--language", default="en", help="the Telegram app language of the demo user (default en)")
    demo.add_argument("--latency-ms", type=int, default=0, help="Bot API latency to simulate (default 0)")
    demo.add_argument(
        "--organizer",
        action="store_true",
        help="make the demo user an organizer and a reviewer (/broadcast, /invite, /stats, /texts, /review)",
    )
    export = commands.add_parser(
        "export",
        help="write a research export (tables by default) of the released months into a new folder",
        description="Write a research export: the data (CSV and JSON Lines), a codebook and the data-use "
        "notice. Everything in it is worked out from the released months (each closed month's reports, "
        "measured once with noise under differential privacy; any month closed since is released first). "
        "Tables (the default) are noisy counts with their standard errors; microdata are synthetic records "
        "drawn from each month's release. Reads HAKI_DATA_DIR.",
    )
    export.add_argument("folder", type=Path, help="a new (or empty) folder to write the export into")
    export.add_argument("--tier", choices=TIERS, default="tables", help="tables (default) or microdata")
    export.add_argument(
        "--period", choices=PERIODS, default="month", help="tables: month (default) or quarter; microdata: month"
    )
    export.add_argument(
        "--by",
        default=",".join(ExportOptions().dimensions),
        metavar="DIMS",
        help=f"tables: the period and up to {MAX_ATTRIBUTES} answers, comma-separated, e.g. period,country,exposure "
        "(default %(default)s)",
    )
    export.add_argument(
        "--from", dest="first", metavar="YYYY-MM", help="the first month to export (default: the first)"
    )
    export.add_argument("--to", dest="last", metavar="YYYY-MM", help="the last month to export (default: the last)")
    commands.add_parser(
        "review",
        help="review workers' free texts in this terminal: release, edit or delete each (as /review does)",
    )
    check = commands.add_parser("check-content", help="check content/ for schema, translation and size problems")
    check.add_argument(
        "--languages", nargs="+", metavar="CODE", help="check only these translations (English is always checked)"
    )
    status_command = commands.add_parser(
        "content-status", help="translation completeness per language and country; stale translations"
    )
    status_command.add_argument(
        "--accept",
        nargs="+",
        metavar="LANG [KEY",
        help="record that LANG translates the current English of these keys (ui.<key>, page.<id>; none = all)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check-content":
            return check_content(args.languages)
        if args.command == "content-status":
            return content_status(args.accept)
        if args.command == "run":
            return run()
        if args.command == "demo":
            return demo(args.language, args.latency_ms / 1000, args.organizer)
        if args.command == "export":
            return export(args)
        if args.command == "review":
            return review()
        if args.command == "webhook":
            return webhook(args)
        if args.command == "backup":
            return backup(args.dest)
        if args.command == "health":
            return health()
    except configuration.ConfigError as exc:
        print(f"haki: configuration error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"haki: the content has {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): as Python's docs advise, point stdout at devnull
        # so the interpreter's final flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return 2


def check_content(languages: list[str] | None = None) -> int:
    navigator = load_navigator(CONTENT_DIR, languages)
    pages = len(navigator.content.pages)
    offered = navigator.languages
    codes = ", ".join(c if c in offered else f"{c} (partial, not offered yet)" for c in navigator.content.languages)
    crisis = ", ".join(navigator.content.crisis)
    print(f"content OK: {pages} pages, {len(navigator.content.facts)} facts, languages {codes}, crisis words {crisis}")
    old = status.stale(CONTENT_DIR, navigator.content)
    if old:
        # Stale translations are reported, not refused: an English fix must not block a release.
        print(f"{len(old)} translation(s) made from an older English text:")
        for item in old:
            print(f"  content/{item.language}: {item.key} (English is now {item.english_now})")
    return 0


def content_status(accept: list[str] | None) -> int:
    navigator = load_navigator(CONTENT_DIR)
    if accept:
        code, keys = accept[0], accept[1:] or None
        translations = list(navigator.content.languages)[1:]
        if code not in translations:
            raise configuration.ConfigError(f"--accept takes a translation's language code, one of {translations}")
        try:
            done = status.accept(CONTENT_DIR, navigator.content, code, keys)
        except ValueError as exc:
            print(f"haki: {exc}", file=sys.stderr)
            return 2
        print(f"content/{code}/{status.VERSIONS_FILE}: recorded {len(done)} text(s)")
    for line in status.completeness(CONTENT_DIR, navigator.content):
        print(line)
    return 0


def run() -> int:
    from telegram import Update
    from telegram.error import InvalidToken, NetworkError

    from handlers.application import build_application

    config = configuration.load()
    configuration.check_data_dir(config)
    logs.setup(config.log_level)
    navigator = load_navigator(CONTENT_DIR)  # refuse to start on broken content
    _check_schema(config)
    app = build_application(config, navigator)
    try:
        # Ask the Bot API who we are first, so a refused token or an unreachable server is
        # one clear line here rather than a traceback from inside the polling loop.
        asyncio.run(_check_bot_api(app))
    except InvalidToken:
        raise configuration.ConfigError(
            f"TELEGRAM_BOT_TOKEN was refused by the Bot API at {config.api_url}: copy the token again from @BotFather"
        ) from None
    except NetworkError as exc:
        print(
            f"haki: could not reach the Bot API at {config.api_url} ({exc}); check the network or TELEGRAM_API_URL",
            file=sys.stderr,
        )
        return 1
    log.info("Haki %s starting (long polling, %d languages)", __version__, len(navigator.languages))
    _stop_once_on_signals(app)
    app.run_polling(allowed_updates=Update.ALL_TYPES, stop_signals=None)
    return 0


def _stop_once_on_signals(app) -> None:
    """SIGTERM or SIGINT stops the bot cleanly; another one while it stops is only logged.
    python-telegram-bot's own handler raises SystemExit on every signal: a second one (Ctrl-C
    twice, a supervisor that repeats itself) would cut the shutdown short, leave the database
    open and hang the process on its thread."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # run_polling takes the current loop
    stopping = False

    def stop(signum: signal.Signals) -> None:
        nonlocal stopping
        if stopping:
            log.info("Received %s while stopping; still finishing the work in progress", signum.name)
            return
        stopping = True
        log.info("Received %s: finishing updates in progress, then stopping", signum.name)
        app.stop_running()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)


async def _check_bot_api(app) -> None:
    async with app.bot:  # getMe, then close the connections again
        pass


def demo(language: str, latency: float, organizer: bool = False) -> int:
    from app.demo import run_demo

    logs.setup(logging.WARNING)
    navigator = load_navigator(CONTENT_DIR)
    asyncio.run(run_demo(navigator, language, latency, organizer))
    return 0


def export(args: argparse.Namespace) -> int:
    config = configuration.load(require_bot=False)
    try:
        options = ExportOptions(
            tier=args.tier,
            period=args.period,
            dimensions=tuple(filter(None, (d.strip() for d in args.by.split(",")))),
            first=args.first,
            last=args.last,
        )
    except ValueError as exc:
        print(f"haki: {exc}", file=sys.stderr)
        return 2
    if not config.database_path.exists():
        print(f"haki: no database at {config.database_path}: check HAKI_DATA_DIR", file=sys.stderr)
        return 2
    navigator = load_navigator(CONTENT_DIR)
    try:
        releases, texts = asyncio.run(_releases(config, navigator.content))
        summary = exports.run_export(
            releases, navigator.content, options, args.folder, config.database_path, texts=texts
        )
    except ExportRefused as exc:
        print(f"haki: nothing was exported: {exc}", file=sys.stderr)
        return 3
    except ValueError as exc:
        print(f"haki: {exc}", file=sys.stderr)
        return 2
    print(f"written to {args.folder}\n{exports.report(options, summary)}")
    return 0


async def _releases(config: configuration.Config, content) -> tuple[list, list]:
    """The released months, releasing any that closed since, as the bot does (bot/releases/publish.py),
    and the texts reviewers released for them."""
    from bot.releases.publish import Publisher
    from bot.store import Store

    store = await Store.open(config.database_path)
    try:
        releases = await exports.released(Publisher(store.reports, store.releases, content))
        return releases, await exports.released_texts(store.texts, releases)
    finally:
        await store.close()


def review() -> int:
    from app.review import run as run_review

    config = configuration.load(require_bot=False)
    if not config.database_path.exists():
        print(f"haki: no database at {config.database_path}: check HAKI_DATA_DIR", file=sys.stderr)
        return 2
    return asyncio.run(run_review(config.database_path))


def webhook(args: argparse.Namespace) -> int:
    from app.webhook import DEFAULT_LISTEN, DEFAULT_PORT, run_webhook

    env = os.environ
    config = configuration.load()
    configuration.check_data_dir(config)
    logs.setup(config.log_level)
    url = args.url or env.get("HAKI_WEBHOOK_URL", "")
    listen = args.listen or env.get("HAKI_WEBHOOK_LISTEN", "") or DEFAULT_LISTEN
    port_text = str(args.port or env.get("HAKI_WEBHOOK_PORT", "") or DEFAULT_PORT)
    if not port_text.isdigit():
        raise configuration.ConfigError(f"HAKI_WEBHOOK_PORT must be a port number (got {port_text!r})")
    if not url:
        raise configuration.ConfigError("the webhook needs its public URL: --url https://... or HAKI_WEBHOOK_URL")
    navigator = load_navigator(CONTENT_DIR)
    _check_schema(config)
    secret = env.get("HAKI_WEBHOOK_SECRET", "")
    log.info("Haki %s starting (webhook, %d languages)", __version__, len(navigator.languages))
    return run_webhook(config, navigator, url=url, listen=listen, port=int(port_text), secret=secret)


def backup(dest: Path) -> int:
    import sqlite3

    from bot.store.backup import backup as copy_database

    config = configuration.load(require_bot=False)
    try:
        result = copy_database(config.database_path, dest)
    except (ValueError, OSError, sqlite3.DatabaseError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        print(f"haki: no backup was made: {reason} ({dest})", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def health() -> int:
    from app.health import check

    healthy, message = check(configuration.load(require_bot=False))
    print(message)
    return 0 if healthy else 1


def _check_schema(config: configuration.Config) -> None:
    """A database from a newer Haki is refused in one line (after a rollback without a restore),
    and so is a database whose reports file is missing (a restore of one file of the two)."""
    from bot.store.migrations import MIGRATIONS, REPORT_MIGRATIONS, stored_schema_version
    from bot.store.reports_file import missing_reports_file, reports_path

    version = stored_schema_version(config.database_path)
    if version is not None and version > len(MIGRATIONS):
        raise configuration.ConfigError(
            f"the database in HAKI_DATA_DIR is at schema version {version}, newer than this Haki "
            f"({len(MIGRATIONS)}): upgrade Haki, or restore the backup taken before the upgrade"
        )
    reports = stored_schema_version(reports_path(config.database_path))
    if reports is not None and reports > len(REPORT_MIGRATIONS):
        raise configuration.ConfigError(
            f"the reports file in HAKI_DATA_DIR is at schema version {reports}, newer than this Haki "
            f"({len(REPORT_MIGRATIONS)}): upgrade Haki, or restore the backup taken before the upgrade"
        )
    problem = missing_reports_file(config.database_path)
    if problem:
        raise configuration.ConfigError(problem)
