"""Chat ids encrypted at rest, for the broadcast outbox.

A broadcast must reach each subscriber's chat, so unlike the preference pseudonyms (a one-way
HMAC) the chat id has to come back. AES-GCM under a key derived from HAKI_SECRET_KEY keeps it
unreadable to whoever holds only the database, and the tag refuses a blob that was altered.
Each blob carries its own random nonce, so the same chat encrypts differently every time and
rows cannot be matched across broadcasts by their ciphertext.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PURPOSE = b"haki/chat-cipher/v1"  # a separate key from every other use of the secret
_NONCE_BYTES = 12
# A fixed-width signed integer: every blob has the same length, so its size says nothing about
# the id (a decimal string would reveal how many digits the id has).
_CHAT_ID = struct.Struct(">q")


class ChatCipher:
    def __init__(self, secret_key: bytes):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key)
        self._aead = AESGCM(key)

    def encrypt(self, chat_id: int) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, _CHAT_ID.pack(chat_id), _PURPOSE)

    def decrypt(self, blob: bytes) -> int:
        """The chat id; ValueError if the blob was altered or made with another key."""
        try:
            plain = self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _PURPOSE)
        except InvalidTag:
            raise ValueError("the chat blob does not decrypt with this key") from None
        return _CHAT_ID.unpack(plain)[0]
