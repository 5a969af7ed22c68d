"""The texts waiting for review, handed to reviewers one at a time (the bot's /review and
`python bot.py review` share this).

A reviewer holds at most one text, for CLAIM_SECONDS; asking for the next one (or skipping)
leaves it for the others. A reviewer is never given a text twice: the texts each was given are
remembered in this process's memory (the report ids never leave it; buttons carry a random
token). Two reviewers never hold the same text at once: the claim is written with the text
(bot/store/texts.py)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from bot.releases.periods import month_of
from bot.store.texts import TextStore

CLAIM_SECONDS = 30 * 60  # a reviewer who walked away frees the text after this long


@dataclass(frozen=True)
class Claim:
    token: str  # random, what the reviewer's buttons carry
    key: str
    text: str


class ReviewQueue:
    def __init__(self, texts: TextStore, clock: Callable[[], float] = time.time):
        self._texts = texts
        self._clock = clock
        self._given: dict[Hashable, set[str]] = {}
        self._held: dict[Hashable, Claim] = {}

    async def waiting(self) -> int:
        """Every text not yet released or deleted, those other reviewers hold included."""
        return await self._texts.waiting()

    async def next(self, reviewer: Hashable) -> Claim | None:
        """A text this reviewer has not been given before, now theirs alone; None if none is left."""
        await self.leave(reviewer)
        token = secrets.token_urlsafe(9)
        now = self._clock()
        given = self._given.setdefault(reviewer, set())
        found = await self._texts.claim(token, now, now + CLAIM_SECONDS, given)
        if found is None:
            return None
        given.add(found.key)
        claim = Claim(token, found.key, found.text)
        self._held[reviewer] = claim
        return claim

    def held(self, reviewer: Hashable, token: str) -> Claim | None:
        """The reviewer's text if `token` is its token: a button of an earlier text, or forged, is None."""
        claim = self._held.get(reviewer)
        return claim if claim is not None and secrets.compare_digest(claim.token, token) else None

    async def leave(self, reviewer: Hashable) -> None:
        """Give the reviewer's text back for the others (they will not be given it again)."""
        claim = self._held.pop(reviewer, None)
        if claim is not None:
            await self._texts.unclaim(claim.key, claim.token)

    async def release(self, reviewer: Hashable, claim: Claim, text: str) -> bool:
        """Release `text` (the claim's own, or the reviewer's edit, already scrubbed); False if
        the text was no longer this reviewer's to release."""
        self._held.pop(reviewer, None)
        return await self._texts.release(claim.key, claim.token, text, month_of)

    async def delete(self, reviewer: Hashable, claim: Claim) -> bool:
        self._held.pop(reviewer, None)
        return await self._texts.delete(claim.key, claim.token)
