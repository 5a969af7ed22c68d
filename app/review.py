"""`python bot.py review`: the reviewers' queue (bot/reviews/queue.py) in a terminal on the
server, for a team that prefers it to /review in Telegram. The same rules: one text at a time,
scrubbed, with nothing else of its report; an edit is scrubbed again; a text is never shown twice
in a session, nor to the bot's reviewers while it is shown here.

Lines are read from standard input, so a session can also be scripted (the tests do)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from bot.reports.scrub import scrub
from bot.reviews.flow import MAX_TEXT
from bot.reviews.queue import Claim, ReviewQueue
from bot.store import Store

ME = "terminal"  # this session, as the queue's reviewer
CHOICES = "[r]elease  [e]dit  [d]elete  [s]kip  [q]uit"


async def review(store: Store, read: Callable[[str], str] = input, write: Callable[[str], None] = print) -> int:
    """Review until the queue is empty or the reviewer quits; the number of texts handled."""
    queue = ReviewQueue(store.texts)
    handled = 0
    ask = _asker(read)
    try:
        while (claim := await queue.next(ME)) is not None:
            write(f"\n--- {await queue.waiting()} waiting ---\n{claim.text}\n---")
            answer = (await ask(f"{CHOICES}? ")).strip().lower()[:1]
            if answer in ("q", ""):
                return handled
            outcome, done = await _decide(queue, claim, answer, ask, write)
            write(outcome)
            handled += done
        write("\nNo texts are waiting for review.")
        return handled
    finally:
        await queue.leave(ME)


async def _decide(queue: ReviewQueue, claim: Claim, answer: str, ask, write) -> tuple[str, bool]:
    """What became of the text, in a line, and whether it left the queue."""
    if answer == "r":
        return _done(await queue.release(ME, claim, claim.text), "Released.")
    if answer == "d":
        if (await ask("Delete this text for good? [y/N] ")).strip().lower() != "y":
            return _LEFT, False
        return _done(await queue.delete(ME, claim), "Deleted.")
    if answer == "e":
        typed = (await ask("Type the text as it should be released (one line; empty to cancel):\n")).strip()
        if not typed or len(typed) > MAX_TEXT:
            return f"Not changed (empty, or over {MAX_TEXT} characters). {_LEFT}", False
        edited = scrub(typed)
        write(f"It will be released like this:\n{edited}")
        if (await ask("Release this version? [y/N] ")).strip().lower() != "y":
            return _LEFT, False
        return _done(await queue.release(ME, claim, edited), "Released.")
    return _LEFT, False


_LEFT = "Left for another reviewer."


def _done(done: bool, what: str) -> tuple[str, bool]:
    if done:
        return what, True
    return "This text was no longer yours: it lapsed, was withdrawn or went to another reviewer.", False


def _asker(read: Callable[[str], str]):
    async def ask(prompt: str) -> str:
        try:
            return await asyncio.to_thread(read, prompt)
        except EOFError:
            return ""

    return ask


async def run(database_path) -> int:
    store = await Store.open(database_path)
    try:
        handled = await review(store)
    finally:
        await store.close()
    print(f"{handled} texts handled.", file=sys.stderr)
    return 0
