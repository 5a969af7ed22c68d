"""Pay against the minimum wage, from one report's answers: the derived answer a release counts
(pay_check) and the bands it is worked out from."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from fractions import Fraction

from bot.content.model import Country
from bot.tools.fairpay import minimum_hourly

# Weekly hours bands of the report (content/survey.yaml), as (at least, less than) hours a week:
# wide enough to hold any answer a person could mean by the band.
WEEKLY_HOURS = {"lt20": (0, 20), "h20_39": (20, 40), "h40_48": (40, 49), "h49_60": (49, 61), "gt60": (60, 168)}
WEEKS_PER_MONTH = Fraction(52, 12)
BELOW, NOT_BELOW, UNKNOWN = "below", "not_below", "unknown"
PAY_CHECKS = (BELOW, NOT_BELOW, UNKNOWN)


def classify(answers: Mapping[str, str], country: Country | None, pay_bands: Sequence[float]) -> str:
    """BELOW, NOT_BELOW or UNKNOWN the country's hourly minimum wage, from one report's stored answers."""
    minimum = minimum_hourly(country) if country else None
    if minimum is None or not country.currency or answers.get("pay_amount_currency") != country.currency:
        return UNKNOWN
    band = band_of(answers.get("pay_amount_band"), tuple(pay_bands))
    hourly = hourly_range(answers.get("pay_unit"), band, answers.get("hours")) if band else None
    if hourly is None:
        return UNKNOWN
    lowest, highest = hourly
    # A band's top is not part of it (a band is [low, high)), so pay at most the top is below.
    if highest is not None and highest <= minimum:
        return BELOW
    if lowest >= minimum:
        return NOT_BELOW
    return UNKNOWN


def hourly_range(
    unit: str | None, band: tuple[Fraction, Fraction | None], hours: str | None
) -> tuple[Fraction, Fraction | None] | None:
    """The lowest and highest hourly pay a pay band can mean (None: no upper limit), or None when
    it cannot be told: pay per day or per task says nothing of the hours."""
    low, high = band
    if unit == "hour":
        return low, high
    if unit not in ("week", "month") or hours not in WEEKLY_HOURS:
        return None
    least, most = (Fraction(h) * (1 if unit == "week" else WEEKS_PER_MONTH) for h in WEEKLY_HOURS[hours])
    return low / most, (high / least if high is not None and least else None)


@functools.lru_cache(maxsize=1024)
def band_of(band: str | None, pay_bands: tuple[float, ...]) -> tuple[Fraction, Fraction | None] | None:
    """A stored pay band ("100") as [low, high): high is the next band's start, None for the top."""
    if band is None:
        return None
    try:
        low = Fraction(band)
    except ValueError:
        return None
    higher = [Fraction(str(b)) for b in pay_bands if Fraction(str(b)) > low]
    return low, (min(higher) if higher else None)
