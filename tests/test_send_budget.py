"""The one send budget (bot/sending/budget.py) on its own: Telegram's overall and per-chat limits,
replies before broadcasts (and never held by the overall rate), retry_after held by every
sender, paid broadcasts on their own cap.
Times are the real clock's: the budget's waits are the behaviour under test."""

import asyncio
import time

import pytest

from bot.sending.budget import CHAT_BURST, Lane, SendBudget


async def taken(budget: SendBudget, takers: list[tuple[object, Lane]]) -> list[tuple[int, float]]:
    """Start every take at once, in this order; returns (index, time granted) in the order granted."""
    granted: list[tuple[int, float]] = []

    async def take(index: int, chat, lane: Lane) -> None:
        await budget.take(chat, lane)
        granted.append((index, time.monotonic()))

    await asyncio.gather(*(take(i, chat, lane) for i, (chat, lane) in enumerate(takers)))
    return granted


async def test_replies_waiting_go_before_the_broadcast():
    budget = SendBudget(rate=20)
    # A broadcast's sends are queued, then three workers' replies arrive behind them.
    takers = [(1000 + i, Lane.BROADCAST) for i in range(6)] + [(2000 + i, Lane.REPLY) for i in range(3)]
    order = [index for index, _ in await taken(budget, takers)]
    # The first broadcast send had the budget to itself; every reply then comes before the rest.
    assert order == [0, 6, 7, 8, 1, 2, 3, 4, 5]


async def test_broadcast_turns_are_evenly_spaced_at_the_rate_with_no_burst():
    budget = SendBudget(rate=25)
    times = [t for _, t in await taken(budget, [(3000 + i, Lane.BROADCAST) for i in range(26)])]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.9 / 25  # a burst would show gaps near 0
    assert 25 / 1.05 <= (len(times) - 1) / (times[-1] - times[0]) <= 25 * 1.01


async def test_replies_are_never_held_by_the_overall_rate_but_push_the_broadcast_back():
    budget = SendBudget(rate=20)
    started = time.monotonic()
    replies = await taken(budget, [(6000 + i, Lane.REPLY) for i in range(10)])
    assert max(t for _, t in replies) - started < 0.1  # ten workers answered at once
    await budget.take(7000, Lane.BROADCAST)
    assert time.monotonic() - started >= 0.45  # the broadcast waits out the ten turns the replies took


async def test_after_a_retry_after_replies_are_paced_too_so_they_do_not_draw_429s_again():
    budget = SendBudget(rate=20)
    budget.hold(0.2)
    times = [t for _, t in await taken(budget, [(8000 + i, Lane.REPLY) for i in range(11)])]
    assert times[-1] - times[0] >= 0.45  # ten intervals of 1/20 s, not all at once when the hold ends


async def test_one_chat_gets_a_short_burst_then_one_message_a_second():
    budget = SendBudget()
    times = [t for _, t in await taken(budget, [(42, Lane.REPLY)] * (CHAT_BURST + 2))]
    burst, later = times[:CHAT_BURST], times[CHAT_BURST:]
    assert burst[-1] - burst[0] < 0.5
    assert later[0] - burst[0] >= 0.95 and later[1] - later[0] >= 0.95
    # Meanwhile another chat is not held up by this one.
    started = time.monotonic()
    await budget.take(43, Lane.REPLY)
    assert time.monotonic() - started < 0.2


async def test_retry_after_holds_every_sender_and_every_lane():
    budget = SendBudget()
    budget.hold(1.0)
    assert budget.held() > 0.9
    started = time.monotonic()
    await taken(budget, [(1, Lane.REPLY), (2, Lane.BROADCAST), (3, Lane.PAID)])
    await budget.held_out()
    assert time.monotonic() - started >= 0.99
    assert budget.held() == 0


async def test_paid_broadcasts_take_no_turn_of_the_overall_rate():
    budget = SendBudget(rate=5)
    started = time.monotonic()
    await taken(budget, [(5000 + i, Lane.PAID) for i in range(200)])
    assert time.monotonic() - started < 0.5  # at 5 a second, 200 ordinary sends would take 40 s


async def test_a_cancelled_wait_gives_its_place_up():
    budget = SendBudget(rate=2)
    await budget.take(1, Lane.BROADCAST)
    first = time.monotonic()
    with pytest.raises(TimeoutError):  # the caller gives up before its turn, half a second on
        await asyncio.wait_for(budget.take(2, Lane.BROADCAST), 0.1)
    await budget.take(3, Lane.BROADCAST)  # so that turn is this one's, not the one after
    assert 0.45 <= time.monotonic() - first < 0.8


def test_rates_that_would_never_send_are_refused():
    for rate, chat_rate in ((0, 1), (-1, 1), (28, 0)):
        with pytest.raises(ValueError):
            SendBudget(rate=rate, chat_rate=chat_rate)
