"""The retention sweep (bot/retention) on python-telegram-bot's JobQueue: once at start-up and
every day at 00:05 UTC. PTB's Application.stop waits for a running sweep, before post_stop
closes the database."""

from __future__ import annotations

import datetime as dt
import logging

from telegram.ext import Application, ContextTypes

from bot.retention.sweep import sweep
from handlers.services import SERVICES, Services

log = logging.getLogger(__name__)
DAILY = dt.time(0, 5, tzinfo=dt.UTC)  # just after midnight UTC, the day texts expire on
# Not skipped when late: APScheduler drops a run more than a second behind by default, and the
# start-up run waits for Application.start, which comes after polling has started.
ALWAYS = {"misfire_grace_time": None}


def schedule(app: Application) -> None:
    app.job_queue.run_once(sweep_job, when=0, name="retention at start-up", job_kwargs=ALWAYS)
    app.job_queue.run_daily(sweep_job, time=DAILY, name="retention", job_kwargs=ALWAYS)


async def sweep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    s: Services = context.bot_data[SERVICES]
    try:
        await sweep(s.store, s.clock(), s.config.text_retention_days)
    except Exception:  # a full disk, a locked file: the bot goes on, and the next sweep retries
        log.exception("The retention sweep failed; the next one (tomorrow at 00:05 UTC, or the next start) retries")
    finally:
        s.swept.set()
