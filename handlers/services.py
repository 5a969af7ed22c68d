"""The long-lived services every handler needs, kept in bot_data (as PTB's rules-bot does)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot.broadcasts.composer import PreviewLimit
from bot.broadcasts.delivery import Deliverer
from bot.config import Config
from bot.guide.navigation import Navigator, Prefs
from bot.guide.preferences import Preferences
from bot.privacy.pseudonyms import Pseudonyms
from bot.releases.publish import Publisher
from bot.reports.monthly_limit import MonthlyLimit
from bot.reviews.queue import ReviewQueue
from bot.store import Store
from bot.ui.texts import Texts
from bot.updates.subscriptions import Subscriptions
from handlers.broadcast_progress import ProgressBoard
from handlers.memory import Sweeper

SERVICES = "haki"


@dataclass
class Services:
    config: Config
    navigator: Navigator
    store: Store
    preferences: Preferences
    pseudonyms: Pseudonyms
    report_limit: MonthlyLimit  # REPORTS_PER_MONTH, the bound the releases' noise is scaled to
    subscriptions: Subscriptions
    deliverer: Deliverer
    progress: ProgressBoard
    publisher: Publisher  # the frozen releases every published figure comes from
    sweeper: Sweeper
    reviews: ReviewQueue  # workers' texts, one at a time to each reviewer
    preview_limit: PreviewLimit = field(default_factory=PreviewLimit)  # organizers' previews of narrowed audiences
    delivery_task: asyncio.Task[None] | None = None
    sweep_task: asyncio.Task[None] | None = None
    release_task: asyncio.Task[None] | None = None
    stop_delivery: asyncio.Event = field(default_factory=asyncio.Event)  # stops the sweeper too
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # the retention sweep's now; tests move it on
    swept: asyncio.Event = field(default_factory=asyncio.Event)  # set after each retention sweep, done or failed


async def viewer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Services, Texts, Prefs]:
    """The services, this user's language and their remembered choices, for one update."""
    s: Services = context.bot_data[SERVICES]
    user = update.effective_user
    prefs = await s.preferences.get(user.id) if user else Prefs()
    texts = s.navigator.texts_for(prefs, user.language_code if user else None)
    return s, texts, prefs
