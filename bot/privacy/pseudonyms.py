"""Keyed pseudonyms for Telegram ids.

A plain hash of a Telegram id is not anonymous: ids are few enough to enumerate, and
checking one suspect costs a single hash. A keyed HMAC needs HAKI_SECRET_KEY, which never
sits next to the database. Each purpose gets its own derived key, so pseudonyms from
different tables cannot be joined.
"""

from __future__ import annotations

import hashlib
import hmac


class Pseudonyms:
    def __init__(self, secret_key: bytes):
        self._preferences_key = _derive(secret_key, b"preferences")
        self._receipt_key = _derive(secret_key, b"receipts")
        self._subscriber_key = _derive(secret_key, b"subscriptions")
        self._invite_key = _derive(secret_key, b"invites")

    def preferences(self, user_id: int) -> bytes:
        return hmac.new(self._preferences_key, str(user_id).encode(), hashlib.sha256).digest()

    def receipt(self, code: str) -> bytes:
        """The stored form of a report's receipt code (the code itself is shown once, never kept)."""
        return hmac.new(self._receipt_key, code.encode(), hashlib.sha256).digest()

    def subscriber(self, user_id: int) -> bytes:
        return hmac.new(self._subscriber_key, str(user_id).encode(), hashlib.sha256).digest()

    def invite(self, token: str) -> bytes:
        """The stored form of an invite link's token (the link is shown once, never kept)."""
        return hmac.new(self._invite_key, token.encode(), hashlib.sha256).digest()


def _derive(secret_key: bytes, purpose: bytes) -> bytes:
    return hmac.new(secret_key, b"haki/" + purpose, hashlib.sha256).digest()
