"""Knowing when a python-telegram-bot Application has finished handling an update."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram.ext import Application

    from .emulator import Sandbox


def ptb_settler(
    sandbox: Sandbox, application: Application[Any, Any, Any, Any, Any, Any], timeout: float = 10.0
) -> Callable[[int], Awaitable[None]]:
    """settle(update_id) for run_terminal and tests, for an Application that polls the sandbox.

    PTB's updater puts fetched updates into application.update_queue before its next
    getUpdates confirms them, and the application marks each one done after its handlers
    ran; so confirmed + an empty, joined queue means handled. Work a handler spawns in the
    background (block=False, create_task) is not waited for.
    """

    async def settle(update_id: int) -> None:
        await sandbox.wait_confirmed(update_id, timeout)
        async with asyncio.timeout(timeout):
            await application.update_queue.join()

    return settle
