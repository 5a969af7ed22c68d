"""/export for researchers, without Telegram: which tier, then for tables which period, then the
export arrives as one zip document (bot/exports/run.py makes it, handlers/exports.py sends it).

  /export ──▶ tier ──▶ tables: period (month | quarter) ──▶ the zip, or why not
                 └──▶ microdata (always by month) ─────────▶
  ex:t:<tier>          ex:p:tables:<period>
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.exports.options import PERIODS, TIERS, ExportOptions, ExportRefused
from bot.ui import callbacks
from bot.ui.screens import Button, Screen
from bot.ui.texts import Texts

PREFIX = callbacks.EXPORT


@dataclass(frozen=True)
class Step:
    """What a press asks for: a screen in place of the pressed one and, once it shows, maybe an
    export to run; for a stale button no screen, only a toast."""

    screen: Screen | None = None
    export: ExportOptions | None = None
    toast: str | None = None


def tier_picker(t: Texts) -> Screen:
    rows = tuple((Button(t.plain(f"export_tier_{tier}"), f"{PREFIX}:t:{tier}"),) for tier in TIERS)
    return Screen(t.ui("export_choose_tier"), rows)


def on_press(data: str, t: Texts) -> Step:
    """The answer to a press of an export button."""
    parts = data.split(":")[1:] if data.startswith(f"{PREFIX}:") else []
    match parts:
        case ["t", "microdata"]:
            return Step(Screen(t.ui("export_working")), ExportOptions(tier="microdata"))
        case ["t", tier] if tier in TIERS:
            return Step(_period_picker(t, tier))
        case ["p", "tables", period] if period in PERIODS:
            return Step(Screen(t.ui("export_working")), ExportOptions(tier="tables", period=period))
    return Step(toast=t.plain("stale_button"))


def _period_picker(t: Texts, tier: str) -> Screen:
    rows = tuple((Button(t.plain(f"export_period_{period}"), f"{PREFIX}:p:{tier}:{period}"),) for period in PERIODS)
    return Screen(t.ui("export_choose_period"), rows)


def refused_screen(t: Texts, refused: ExportRefused) -> Screen:
    return Screen(t.ui("export_refused", reason=str(refused)))
