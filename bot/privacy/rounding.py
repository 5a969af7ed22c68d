"""Numbers of people organizers see: rounded to the nearest 10, and none from 1 to 9.

An organizer can narrow a broadcast's audience to one topic, one country and one language, and
read how many people it reaches, how many it was sent to, failed or blocked the bot. Exact, those
numbers single people out ("the one Swahili speaker in Morocco who follows events blocked Haki");
by comparing two audiences that differ by one choice, even more. Rounded to the nearest 10, with
the small-count rule of disclosure.py below that, one person more or less rarely shows. Delivery
itself always counts exactly: only what is shown is rounded.
"""

from bot.privacy.disclosure import THRESHOLD

STEP = 10  # shown numbers are multiples of this


def rounded(count: int) -> int | None:
    """The count as shown: 0 stays 0; 1 to THRESHOLD - 1 is None ("fewer than 10"); from
    THRESHOLD, the nearest multiple of STEP (halves round up: 15 shows as 20)."""
    if count < 0:
        raise ValueError(f"a count of people cannot be negative: {count}")
    if count == 0:
        return 0
    if count < THRESHOLD:
        return None
    return (count + STEP // 2) // STEP * STEP
