"""Telegram's flood limits as one budget every message of the bot takes its turn from."""
