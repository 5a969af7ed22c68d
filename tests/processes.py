"""Processes a test starts, stopped however the test ends; and waits that fail saying what is missing.

A test that starts `python bot.py run` or the broadcast worker and then fails (an assertion, a
timeout, an interrupted run) must not leave them behind: they would go on polling, sending and
holding the database long after the test. `Processes` starts each in a process group of its own
and, on leaving its block for any reason, sends the group SIGTERM, then SIGKILL after GRACE
seconds; if the block failed, the failure notes how each process had ended."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterable

import pytest

from sandbox import Sandbox

GRACE = 5.0  # seconds a process has to stop on SIGTERM before SIGKILL
EXIT_TIMEOUT = 15.0  # seconds a test waits for a process it asked to stop


class Processes:
    """`async with Processes() as processes:` then `await processes.start(argv...)`."""

    def __init__(self, grace: float = GRACE):
        self._grace = grace
        self._started: list[tuple[asyncio.subprocess.Process, str]] = []

    async def __aenter__(self) -> Processes:
        return self

    async def start(self, *argv: str, **options) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(*argv, start_new_session=True, **options)
        self._started.append((process, " ".join(os.path.basename(str(a)) for a in argv[:3])))
        return process

    async def __aexit__(self, kind, error, traceback) -> None:
        notes = []
        for process, name in self._started:
            before = process.returncode
            await self._stop(process)
            if before is None:
                notes.append(f"pid {process.pid} ({name}) was still running: stopped, exit code {process.returncode}")
            else:
                notes.append(f"pid {process.pid} ({name}) had exited with code {before}")
        if isinstance(error, BaseException) and notes:
            error.add_note("Processes the test started:\n  " + "\n  ".join(notes))

    async def _stop(self, process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            _signal_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), self._grace)
        # Whatever is left in its group (the process itself, or anything it started), even after it exited.
        _signal_group(process.pid, signal.SIGKILL)
        await process.wait()


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is empty: nothing left to stop
        os.killpg(pgid, signum)


async def exit_code(process: asyncio.subprocess.Process, timeout: float = EXIT_TIMEOUT) -> int:
    """The process's exit code, once it has exited; a failure if it has not within `timeout` s."""
    with contextlib.suppress(TimeoutError):
        return await asyncio.wait_for(process.wait(), timeout)
    pytest.fail(f"pid {process.pid} had not exited {timeout:g} s after it was asked to stop")


async def answered(
    sandbox: Sandbox, chat_ids: Iterable[int], statuses: frozenset[int] = frozenset({200}), timeout: float = 10.0
) -> None:
    """Until every chat has had a sendMessage answered with one of these statuses; otherwise a
    failure naming the chats that never had one."""
    wanted = set(chat_ids)

    def seen() -> set[int]:
        return {e.chat_id for e in sandbox.log.snapshot() if e.method == "sendMessage" and e.status in statuses}

    with contextlib.suppress(TimeoutError):
        return await sandbox.log.wait_until(lambda: wanted <= seen(), timeout)
    missing = sorted(wanted - seen())
    answers = "/".join(map(str, sorted(statuses)))
    pytest.fail(
        f"within {timeout:g} s, {len(missing)} of {len(wanted)} chats never had a sendMessage answered {answers}: "
        f"{missing}"
    )
