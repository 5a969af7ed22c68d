"""Which released texts may leave the server, and with what: a research export's texts file
(bot/exports/run.py) and the organizers' document (/texts) follow the same rule.

A released text carries only its month and its report's country, never a link to the report's
other answers (bot/store/texts.py). Even so, "the only text from Madagascar in March" points
at the few Malagasy workers who reported that month. So a text leaves only with a closed month
(one already released: no more reports can join it), and only where that month holds at least
MIN_TEXTS released texts from its country; a smaller group stays (counted as withheld). Nothing
is pooled across countries: as reviewers release more texts of a month, a group only grows, so
every text that went out once goes out again with the same label, and two pulls compared tell
nothing about the groups still too small. The order is shuffled anew each time, so it says
nothing about arrival or review.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from bot.privacy.disclosure import THRESHOLD
from bot.store.texts import Released
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts

MIN_TEXTS = THRESHOLD  # as for any count shown: a group smaller than this does not go out as such
_SHUFFLE = random.SystemRandom()


@dataclass(frozen=True)
class Publishable:
    texts: list[Released]  # shuffled
    withheld: int


def publishable(texts: list[Released], minimum: int = MIN_TEXTS) -> Publishable:
    """The texts that may go out (of closed months only: the caller's choice of months)."""
    groups: dict[tuple[str, str | None], list[Released]] = defaultdict(list)
    for text in texts:
        groups[(text.month, text.country)].append(text)
    out = [text for group in groups.values() if len(group) >= minimum for text in group]
    _SHUFFLE.shuffle(out)
    return Publishable(out, len(texts) - len(out))


def by_month(texts: list[Released]) -> dict[str, Publishable]:
    """What may go out of each month's texts (the months given: closed ones), newest month first."""
    months: dict[str, list[Released]] = defaultdict(list)
    for text in texts:
        months[text.month].append(text)
    return {month: publishable(months[month]) for month in sorted(months, reverse=True)}


def months_screen(t: Texts, months: dict[str, Publishable]) -> Screen:
    """/texts: a button per closed month with texts that may go out."""
    shown = {month: found for month, found in months.items() if found.texts}
    if not shown:
        return Screen(t.ui("texts_none", limit=MIN_TEXTS))
    rows = tuple(
        (Button(t.plain("texts_month", month=t.month(month), count=len(found.texts)), f"{callbacks.TEXTS}:{month}"),)
        for month, found in shown.items()
    )
    return Screen(t.ui("texts_pick", limit=MIN_TEXTS), rows)


def document(t: Texts, month: str, found: Publishable) -> str:
    """The organizers' document of a month's texts: plain text, each with its country where shown."""
    lines = [t.plain("texts_title", month=t.month(month)), t.plain("texts_note"), ""]
    for text in found.texts:
        if text.country is None:
            where = t.plain("stats_not_given")
        elif text.country in t.content.countries:
            where = t.country_name(text.country)
        else:
            where = t.plain("stats_other_country")
        lines += [f"— {where}", text.text, ""]
    if found.withheld:
        lines.append(t.plain("texts_withheld", limit=MIN_TEXTS))
    return "\n".join(lines)
