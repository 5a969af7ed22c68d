"""Telegram-facing code: turns updates into calls on bot/ and screens into messages."""
