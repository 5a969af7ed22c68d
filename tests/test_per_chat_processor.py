"""Updates run concurrently across chats and strictly in order within a chat."""

import asyncio

from telegram import Update

from handlers.per_chat import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "x"},
                "text": "hi",
            },
        },
        None,
    )


async def test_one_slow_chat_neither_blocks_others_nor_lets_its_own_updates_overtake():
    processor = PerChatUpdateProcessor()
    log: list[str] = []
    release_a1 = asyncio.Event()

    async def handle(name: str, gate: asyncio.Event | None = None) -> None:
        log.append(f"start {name}")
        if gate:
            await gate.wait()
        log.append(f"end {name}")

    a1 = asyncio.create_task(processor.process_update(update(1, 100), handle("A1", release_a1)))
    a2 = asyncio.create_task(processor.process_update(update(2, 100), handle("A2")))
    b1 = asyncio.create_task(processor.process_update(update(3, 200), handle("B1")))

    await b1  # chat B finishes while chat A's first update is still running
    assert "end B1" in log and "start A1" in log
    assert "start A2" not in log  # A2 waits for A1

    release_a1.set()
    await asyncio.gather(a1, a2)
    assert log.index("end A1") < log.index("start A2")
    assert processor._tails == {}  # finished chats are forgotten


async def test_a_failing_update_does_not_stall_its_chat():
    processor = PerChatUpdateProcessor()
    done: list[int] = []
    processor.on_processed.append(lambda u: done.append(u.update_id))

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> None:
        pass

    first = asyncio.create_task(processor.process_update(update(1, 7), boom()))
    second = asyncio.create_task(processor.process_update(update(2, 7), fine()))
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    assert done == [1, 2]


async def test_many_updates_of_one_chat_keep_their_order():
    processor = PerChatUpdateProcessor(max_running=4)
    seen: list[int] = []

    async def record(i: int) -> None:
        for _ in range((i * 7) % 5):  # uneven work, so an unordered processor would reorder
            await asyncio.sleep(0)
        seen.append(i)

    await asyncio.gather(*(processor.process_update(update(i, 1 + i % 3), record(i)) for i in range(300)))
    for chat in range(3):
        mine = [i for i in seen if i % 3 == chat]
        assert mine == sorted(mine)
    assert len(seen) == 300
