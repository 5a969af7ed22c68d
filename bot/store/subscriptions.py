"""Subscriptions to updates, their topics, and the invite links that unlock topics
(bot/updates/subscriptions.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.store.broadcasts import unlink_outbox
from bot.store.database import Database


@dataclass(frozen=True)
class StoredSubscription:
    id: str
    chat: bytes
    language: str
    country: str | None
    quiet_start: int | None
    quiet_end: int | None
    zone: str | None
    topics: dict[str, str | None]  # topic -> the invite that unlocked it (None: open topic)


class SubscriptionStore:
    def __init__(self, database: Database):
        self._database = database

    async def get_subscription(self, user_key: bytes) -> StoredSubscription | None:
        found = await self._database.connection.execute_fetchall(
            "SELECT s.id, s.chat, s.language, s.country, s.quiet_start, s.quiet_end, s.zone, t.topic, t.invite_id"
            " FROM subscriptions s LEFT JOIN subscription_topics t ON t.subscription_id = s.id"
            " WHERE s.user_key = ?",
            (user_key,),
        )
        if not found:
            return None
        topics = {row[7]: row[8] for row in found if row[7] is not None}
        return StoredSubscription(*found[0][:7], topics)

    async def save_subscription(
        self,
        user_key: bytes,
        chat: bytes,
        language: str,
        country: str | None,
        quiet: tuple[int, int] | None,
        zone: str | None,
        topics: dict[str, str | None],
    ) -> str:
        """Create or replace the user's subscription with exactly these topics; its id. With no
        topics, the subscription is deleted instead (and '' returned)."""
        if not topics:
            await self.delete_subscription(user_key)
            return ""
        start, end = quiet or (None, None)
        async with self._database.transaction() as db:
            (row,) = await db.execute_fetchall(
                "INSERT INTO subscriptions (id, user_key, chat, language, country, quiet_start, quiet_end, zone)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_key) DO UPDATE SET chat = excluded.chat,"
                " language = excluded.language, country = excluded.country, quiet_start = excluded.quiet_start,"
                " quiet_end = excluded.quiet_end, zone = excluded.zone RETURNING id",
                (str(uuid.uuid4()), user_key, chat, language, country, start, end, zone),
            )
            subscription_id = row[0]
            await db.execute("DELETE FROM subscription_topics WHERE subscription_id = ?", (subscription_id,))
            await db.executemany(
                "INSERT INTO subscription_topics (subscription_id, topic, invite_id) VALUES (?, ?, ?)",
                [(subscription_id, topic, invite) for topic, invite in topics.items()],
            )
        return subscription_id

    async def delete_subscription(self, user_key: bytes) -> bool:
        """Delete the user's subscription and the messages still waiting for them."""
        async with self._database.transaction(forget=True) as db:
            found = await db.execute_fetchall("DELETE FROM subscriptions WHERE user_key = ? RETURNING id", (user_key,))
            await unlink_outbox(db, [row[0] for row in found])
        return bool(found)

    async def delete_subscription_id(self, subscription_id: str) -> bool:
        async with self._database.transaction(forget=True) as db:
            found = await db.execute_fetchall("DELETE FROM subscriptions WHERE id = ? RETURNING id", (subscription_id,))
            await unlink_outbox(db, [row[0] for row in found])
        return bool(found)

    async def subscribers(
        self, languages: Iterable[str], countries: Iterable[str] | None, topics: Iterable[str]
    ) -> list[StoredSubscription]:
        """Subscriptions in one of these languages with one of these topics; with countries,
        only those about one of them (None: everyone, whatever their country)."""
        languages, topics = list(languages), list(topics)
        where = [
            f"s.language IN ({', '.join('?' * len(languages))})",
            f"EXISTS (SELECT 1 FROM subscription_topics t WHERE t.subscription_id = s.id"
            f" AND t.topic IN ({', '.join('?' * len(topics))}))",
        ]
        params: list[object] = [*languages, *topics]
        if countries is not None:
            countries = list(countries)
            where.append(f"s.country IN ({', '.join('?' * len(countries))})")
            params.extend(countries)
        found = await self._database.connection.execute_fetchall(
            "SELECT s.id, s.chat, s.language, s.country, s.quiet_start, s.quiet_end, s.zone FROM subscriptions s"
            f" WHERE {' AND '.join(where)}",
            params,
        )
        return [StoredSubscription(*row, {}) for row in found]

    async def add_invite(self, token: bytes, topic: str) -> str:
        invite_id = str(uuid.uuid4())
        created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT INTO invites (id, token, topic, created_at) VALUES (?, ?, ?, ?)",
                (invite_id, token, topic, created_at),
            )
        return invite_id

    async def find_invite(self, token: bytes) -> tuple[str, str] | None:
        """(invite id, topic) of a live invite link's token."""
        found = await self._database.connection.execute_fetchall(
            "SELECT id, topic FROM invites WHERE token = ?", (token,)
        )
        return (found[0][0], found[0][1]) if found else None

    async def list_invites(self) -> list[tuple[str, str, str]]:
        """Live invites, newest first: (id, topic, created_at)."""
        found = await self._database.connection.execute_fetchall(
            "SELECT id, topic, created_at FROM invites ORDER BY created_at DESC"
        )
        return [tuple(row) for row in found]

    async def revoke_invite(self, invite_id: str) -> int | None:
        """Delete the invite and the topics it unlocked, then subscriptions left with no topic
        (and their waiting messages); how many subscriptions lost a topic, None if no such invite."""
        async with self._database.transaction(forget=True) as db:
            ((members,),) = await db.execute_fetchall(
                "SELECT count(*) FROM subscription_topics WHERE invite_id = ?", (invite_id,)
            )
            if not await db.execute_fetchall("DELETE FROM invites WHERE id = ? RETURNING id", (invite_id,)):
                return None
            emptied = await db.execute_fetchall(
                "DELETE FROM subscriptions WHERE NOT EXISTS"
                " (SELECT 1 FROM subscription_topics t WHERE t.subscription_id = subscriptions.id) RETURNING id"
            )
            await unlink_outbox(db, [row[0] for row in emptied])
        return members
