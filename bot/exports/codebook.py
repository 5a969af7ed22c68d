"""What the codebook says of both tiers: each attribute's codes in English words, the privacy
guarantee the releases give and the noise they carry, and what is not exported."""

from __future__ import annotations

import math
from fractions import Fraction

from babel import Locale

from bot.content.model import Content
from bot.content.schema import OTHER_COUNTRY
from bot.exports.options import PERIOD, Variable
from bot.exports.periods import period_label
from bot.releases.design import CENTER, NOT_ANSWERED, OTHER_CURRENCY, PAY_BAND, PAY_CHECK
from bot.releases.pay import BELOW, NOT_BELOW, UNKNOWN, band_of
from bot.releases.release import Release

ALL = "ALL"  # a margin: the total over a dimension
MARGIN_LABEL = "All values of this dimension (a margin: the total over it)"
PAY_CHECK_LABELS = {
    BELOW: "Paid below the country's hourly minimum wage, whatever the hours in the band",
    NOT_BELOW: "Paid at least the country's hourly minimum wage, whatever the hours in the band",
    UNKNOWN: "Cannot tell: paid per day or per task, no amount, another currency, no known minimum wage, "
    "or a band that spans the minimum",
}
FREE_TEXT = (
    "Free text (the report's optional comment) is in no export: it will be released separately, after review "
    "(issue 16)."
)


def variance(scale: float) -> float:
    """The variance of the discrete Laplace noise of one cell, at this scale."""
    q = math.exp(-1 / scale)
    return 2 * q / (1 - q) ** 2


def country_name(code: str) -> str:
    if code == OTHER_COUNTRY:
        return "Another country"
    return Locale("en").territories.get(code, code)


def question_text(content: Content, name: str) -> str:
    if name == PAY_BAND:
        return "How much (the band of the amount, in the country's currency)"
    if name == PAY_CHECK:
        return "Pay against the country's hourly minimum wage (worked out from pay unit, pay band and weekly hours)"
    return content.languages["en"].survey.get(name, name)


def labels(content: Content, name: str, codes: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Each code of an attribute (or period) in English words."""
    survey = content.languages["en"].survey
    found = {}
    for code in codes:
        if code == NOT_ANSWERED:
            found[code] = "Not answered"
        elif name == PERIOD:
            found[code] = period_label(code)
        elif name == CENTER:
            found[code] = country_name(code)
        elif name == PAY_BAND:
            found[code] = _band_label(content, code)
        elif name == PAY_CHECK:
            found[code] = PAY_CHECK_LABELS.get(code, code)
        else:
            found[code] = survey.get(f"{name}_{code}", f"{code} (an answer no longer offered)")
    return found


def number(value: Fraction) -> str:
    return f"{value.numerator}" if value.denominator == 1 else f"{float(value):g}"


def _band_label(content: Content, code: str) -> str:
    if code == OTHER_CURRENCY:
        return "Paid in a currency other than the country's (or the country is 'another country'): no band"
    found = band_of(code, tuple(content.survey.pay_bands))
    if found is None:
        return code
    low, high = found
    if high is None:
        return f"{number(low)} or more, in the country's currency"
    return f"{number(low)} to less than {number(high)}, in the country's currency"


def attribute_variable(content: Content, name: str, codes: tuple[str, ...] | list[str], extra: str = "") -> Variable:
    description = f"Answer to: {question_text(content, name)}"
    if name == CENTER:
        description += f" ({OTHER_COUNTRY}: another country, or one Haki does not cover)"
    return Variable(name, description + (f" {extra}" if extra else ""), labels(content, name, codes))


def release_facts(releases: list[Release]) -> list[dict[str, object]]:
    """Each release's privacy figures, for the codebook."""
    return [
        {
            "month": r.month,
            "released_on": r.created,
            "epsilon": round(r.epsilon, 6),
            "noise_scale": round(r.scale, 6),
            "noise_standard_deviation": round(math.sqrt(variance(r.scale)), 3),
            "reports_per_month": r.reports_per_month,
        }
        for r in releases
    ]


def privacy_notes(releases: list[Release]) -> list[str]:
    """The guarantee and the noise, in plain words."""
    epsilons = sorted({round(r.epsilon, 6) for r in releases})
    scales = sorted({round(r.scale, 4) for r in releases})
    per_month = sorted({r.reports_per_month for r in releases})
    epsilon = epsilons[-1]
    odds = math.exp(epsilon)
    scale_text = f"{scales[0]:g}" if len(scales) == 1 else f"{scales[0]:g} to {scales[-1]:g}"
    sd = math.sqrt(variance(scales[-1]))
    return [
        "Differential privacy: each month's reports were measured once, after the month was over, as tables of "
        "counts with random noise added to every cell (OpenDP's discrete Laplace mechanism); this export is worked "
        "out from those stored noisy tables alone, never from the reports, which are deleted once their month is "
        "released. Whatever is published from it, with any other export or figure of the same month, it can make "
        f"no one more than {odds:.0f} times more sure about any worker's answers, or about whether they reported at "
        f"all, that month (epsilon = ln {odds:.0f} = {epsilon:.4f} per worker per month, all of a month's tables "
        "together). Months are measured apart: a worker who reported in several months has that guarantee for "
        "each of them.",
        f"The guarantee covers a worker who sends at most {', '.join(map(str, per_month))} report(s) a month "
        "(reports_per_month): the noise is scaled to what that many reports can change.",
        f"Noise scale b = {scale_text} for every measured cell: a cell's noise has a standard deviation of about "
        f"{sd:.1f} reports. Small counts are mostly noise; the noise does not shrink as counts grow, so large counts "
        "are accurate in relative terms.",
        "After the noise, each month's tables were made consistent (post-processing, which costs no privacy): "
        "every count is a whole number of at least 0, and all tables of a month agree on the totals they share "
        "(the same country total whichever table it is read from). Because no count may be negative, a cell whose "
        "true count is 0 often shows a few reports, and so can a country with no reports at all; totals can be a "
        "little above the number of reports received.",
        FREE_TEXT,
    ]
