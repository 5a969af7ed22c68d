"""Haki: guidance and anonymous reporting for data and content workers.

The Telegram-free core: a package per feature (guide, tools, reports, updates, broadcasts,
stats, exports) on a shared engine (content, ui, privacy, store). handlers/ translates
Telegram updates into calls on it; import-linter holds the layering (docs/architecture.md).
"""

__version__ = "0.1.0"
