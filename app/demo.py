"""`python bot.py demo`: the real bot, a local Telegram sandbox and a chat in the terminal."""

from __future__ import annotations

from app.offline import OfflineBot
from bot.guide.navigation import Navigator
from sandbox.terminal import run_terminal

DEMO_USER_ID = 1001


async def run_demo(navigator: Navigator, language: str, latency: float, organizer: bool = False) -> None:
    # As staff, the demo user can also try /broadcast, /broadcasts, /invite, /stats and /texts
    # (an organizer's) and /review (a reviewer's), on their own report's text.
    staff = frozenset({DEMO_USER_ID}) if organizer else frozenset()
    async with OfflineBot(navigator, latency=latency, enforce_limits=True, organizers=staff, reviewers=staff) as bot:
        user = bot.sandbox.user(DEMO_USER_ID, first_name="Demo", language_code=language)
        print(
            "Haki demo: the real bot talks to a local Telegram sandbox; nothing leaves this machine.\n"
            "Type a message, or a button's number to press it. Try /start. :help lists the rest.\n"
        )
        await run_terminal(bot.sandbox, user, bot.settle)
