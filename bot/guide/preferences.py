"""The user's remembered choices (language, country, platform), read on every update.

Held in a bounded in-memory cache in front of SQLite so that a button press costs no
database round trip; the cache key is the keyed pseudonym, never the Telegram id.
"""

from __future__ import annotations

from cachetools import LRUCache

from bot.guide.navigation import Prefs
from bot.privacy.pseudonyms import Pseudonyms
from bot.store.preferences import PreferenceStore, StoredPrefs


class Preferences:
    def __init__(self, stored: PreferenceStore, pseudonyms: Pseudonyms, cache_size: int = 50_000):
        self._stored = stored
        self._pseudonyms = pseudonyms
        self._cache: LRUCache[bytes, Prefs] = LRUCache(cache_size)

    async def get(self, user_id: int) -> Prefs:
        key = self._pseudonyms.preferences(user_id)
        prefs = self._cache.get(key)
        if prefs is None:
            stored = await self._stored.get_prefs(key)
            prefs = Prefs(stored.language, stored.country, stored.platform) if stored else Prefs()
            self._cache[key] = prefs
        return prefs

    async def forget(self, user_id: int) -> bool:
        """Delete the remembered choices; True when there were any."""
        key = self._pseudonyms.preferences(user_id)
        self._cache.pop(key, None)
        return await self._stored.delete_prefs(key)

    async def update(
        self, user_id: int, *, language: str | None = None, country: str | None = None, platform: str | None = None
    ) -> Prefs:
        """Remember a new language, country and/or platform; the other choices are kept."""
        current = await self.get(user_id)
        new = Prefs(language or current.language, country or current.country, platform or current.platform)
        key = self._pseudonyms.preferences(user_id)
        await self._stored.save_prefs(key, StoredPrefs(new.language, new.country, new.platform))
        self._cache[key] = new
        return new
