"""Opt-in updates: what a worker chose to receive, and when a message may reach them.

A subscription is a set of topics (content/topics.yaml), optionally one country the news must
be about, quiet hours on the worker's own clock (their country's time zone, or an offset they
chose), and the language the messages come in. It is keyed by a keyed pseudonym of the
Telegram id and its chat id is encrypted (bot/privacy/chat_cipher.py): the database alone names no one.

Invite-only topics are unlocked by an organizer's link, t.me/<bot>?start=<INVITE_PREFIX><token>.
Only an HMAC of the token is stored, so the link cannot be rebuilt from the database; revoking
the invite removes the topic from everyone who joined through it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from bot.content.model import Content
from bot.privacy.chat_cipher import ChatCipher
from bot.privacy.pseudonyms import Pseudonyms
from bot.store.broadcasts import Recipient
from bot.store.subscriptions import StoredSubscription, SubscriptionStore

INVITE_PREFIX = "i_"  # a /start payload that carries an invite token
# Offsets a worker may choose when their country's clock is not theirs (whole hours, and
# the half and quarter hours that countries really use).
OFFSETS = tuple(
    f"UTC{sign}{h:02d}:{m:02d}"
    for sign, h, m in [("-", h, 0) for h in range(12, 0, -1)]
    + [("+", 0, 0), ("+", 1, 0), ("+", 2, 0), ("+", 3, 0), ("+", 3, 30), ("+", 4, 0), ("+", 4, 30)]
    + [("+", 5, 0), ("+", 5, 30), ("+", 5, 45), ("+", 6, 0), ("+", 6, 30)]
    + [("+", h, 0) for h in range(7, 15)]
)
_OFFSET = re.compile(r"UTC([+-])(\d\d):(\d\d)")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,40}")


@dataclass(frozen=True)
class Quiet:
    """Hours [start, end) on the worker's clock when no update may arrive; may span midnight."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= 23 and 0 <= self.end <= 23 and self.start != self.end):
            raise ValueError(f"quiet hours need two different hours from 0 to 23, not {self.start}-{self.end}")

    def covers(self, hour: int) -> bool:
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end


@dataclass(frozen=True)
class Subscription:
    language: str
    topics: dict[str, str | None] = field(default_factory=dict)  # topic -> invite that unlocked it
    country: str | None = None  # news about this country only; None: about any country
    quiet: Quiet | None = None
    zone: str | None = None  # one of OFFSETS; None: the country's time zone

    def toggled(self, topic: str) -> Subscription:
        topics = dict(self.topics)
        if topic in topics:
            del topics[topic]
        else:
            topics[topic] = None
        return replace(self, topics=topics)


def zone_of(subscription: Subscription, content: Content, fallback_country: str | None = None) -> tzinfo:
    """The worker's clock: the offset they chose, else their country's zone, else UTC."""
    if subscription.zone:
        return parse_offset(subscription.zone)
    country = content.countries.get(subscription.country or fallback_country or "")
    return ZoneInfo(country.timezone) if country and country.timezone else UTC


def parse_offset(name: str) -> tzinfo:
    match = _OFFSET.fullmatch(name)
    if not match or name not in OFFSETS:
        raise ValueError(f"not an offset Haki offers: {name!r}")
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def next_send_time(now: datetime, quiet: Quiet | None, clock: tzinfo) -> datetime:
    """`now` if the worker's quiet hours allow a message, else the moment they end (UTC)."""
    local = now.astimezone(clock)
    if quiet is None or not quiet.covers(local.hour):
        return now
    end = local.replace(hour=quiet.end, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


class Subscriptions:
    def __init__(self, stored: SubscriptionStore, pseudonyms: Pseudonyms, cipher: ChatCipher, content: Content):
        self._stored = stored
        self._pseudonyms = pseudonyms
        self._cipher = cipher
        self._content = content

    async def get(self, user_id: int) -> Subscription | None:
        stored = await self._stored.get_subscription(self._pseudonyms.subscriber(user_id))
        return _subscription(stored) if stored else None

    async def save(self, user_id: int, chat_id: int, subscription: Subscription) -> Subscription | None:
        """Store the subscription as it is now; with no topic left it is deleted (None)."""
        quiet = (subscription.quiet.start, subscription.quiet.end) if subscription.quiet else None
        saved = await self._stored.save_subscription(
            self._pseudonyms.subscriber(user_id),
            self._cipher.encrypt(chat_id),
            subscription.language,
            subscription.country,
            quiet,
            subscription.zone,
            subscription.topics,
        )
        return subscription if saved else None

    async def follow_language(self, user_id: int, language: str) -> None:
        """Updates come in the language the worker last chose for Haki."""
        key = self._pseudonyms.subscriber(user_id)
        stored = await self._stored.get_subscription(key)
        if stored is not None and stored.language != language:
            await self._stored.save_subscription(
                key,
                stored.chat,
                language,
                stored.country,
                (stored.quiet_start, stored.quiet_end) if stored.quiet_start is not None else None,
                stored.zone,
                stored.topics,
            )

    async def stop(self, user_id: int) -> bool:
        """Delete everything about the worker's updates; True if there was a subscription."""
        return await self._stored.delete_subscription(self._pseudonyms.subscriber(user_id))

    async def remove(self, subscription_id: str) -> None:
        """Telegram said the chat is gone (blocked, deactivated): drop its subscription."""
        await self._stored.delete_subscription_id(subscription_id)

    # invites -----------------------------------------------------------------------------

    async def create_invite(self, topic: str) -> str:
        """A new invite token for an invite-only topic; shown once, only its HMAC is kept."""
        if topic not in self._content.topics or not self._content.topics[topic].invite_only:
            raise ValueError(f"{topic!r} is not an invite-only topic")
        token = secrets.token_urlsafe(15)  # 20 characters, all valid in a /start payload
        await self._stored.add_invite(self._pseudonyms.invite(token), topic)
        return token

    async def join(self, user_id: int, chat_id: int, base: Subscription, token: str) -> str | None:
        """Subscribe to the topic an invite unlocks (starting from `base` if the worker had no
        subscription yet); the topic, or None if the link is unknown or revoked."""
        invite = await self._stored.find_invite(self._pseudonyms.invite(token)) if _TOKEN.fullmatch(token) else None
        if invite is None or invite[1] not in self._content.topics:
            return None
        invite_id, topic = invite
        current = await self.get(user_id) or base
        await self.save(user_id, chat_id, replace(current, topics={**current.topics, topic: invite_id}))
        return topic

    async def revoke(self, invite_id: str) -> int | None:
        return await self._stored.revoke_invite(invite_id)

    async def invites(self) -> list[tuple[str, str, str]]:
        return await self._stored.list_invites()

    # audience ----------------------------------------------------------------------------

    async def audience(
        self, languages: list[str], countries: list[str] | None, topics: list[str], now: datetime
    ) -> list[Recipient]:
        """Everyone a broadcast reaches, each with the time their quiet hours let it arrive."""
        if not languages or not topics or countries == []:
            return []
        found = await self._stored.subscribers(languages, countries, topics)
        recipients = []
        for stored in found:
            subscription = _subscription(stored)
            when = next_send_time(now, subscription.quiet, zone_of(subscription, self._content))
            not_before = when.timestamp() if when > now else 0.0
            recipients.append(Recipient(stored.id, stored.chat, stored.language, not_before))
        return recipients


def _subscription(stored: StoredSubscription) -> Subscription:
    quiet = Quiet(stored.quiet_start, stored.quiet_end) if stored.quiet_start is not None else None
    return Subscription(stored.language, dict(stored.topics), stored.country, quiet, stored.zone)
