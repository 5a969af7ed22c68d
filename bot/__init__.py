"""Haki: guidance and anonymous reporting for data and content workers.

Domain logic lives here and knows as little of Telegram as possible; handlers/
translates Telegram updates into calls on this package.
"""

__version__ = "0.1.0"
