"""What a release measures: the answers of a report as attributes with fixed codes, and the list
of marginals (tables of counts by a few attributes) that get noise.

Built from the survey (content/survey.yaml), so a new choice question joins the release without
code: every choice question is measured with the country (a star around it, which is also the
tree synthetic records are drawn along, bot/releases/synthesize.py), pay as unit and band
together, and the few pairs in EXTRA that researchers need beyond the star.

A full cross of every answer would be millions of cells for a few thousand reports: noise would
swamp it. Two- and three-way tables keep each cell's noise small against its count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.content.model import Content
from bot.content.schema import OTHER_COUNTRY
from bot.releases.pay import PAY_CHECKS, classify

NOT_ANSWERED = "not_answered"
OTHER_CURRENCY = "other_currency"  # a pay band in a currency that is not the country's own
CENTER = "country"
PAY_BAND, PAY_CHECK = "pay_band", "pay_check"
# Pairs measured beyond the star: how often content moderators see distressing material.
EXTRA = (("task", "exposure"),)


@dataclass(frozen=True)
class Design:
    attributes: dict[str, tuple[str, ...]]  # attribute -> its codes, in content order
    marginals: tuple[tuple[str, ...], ...]

    def shape(self, marginal: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(len(self.attributes[name]) for name in marginal)

    def cells(self) -> int:
        total = 0
        for marginal in self.marginals:
            size = 1
            for n in self.shape(marginal):
                size *= n
            total += size
        return total


def design_for(content: Content) -> Design:
    survey = content.survey
    choices = [q for q in survey.questions if q.kind == "choice"]
    attributes: dict[str, tuple[str, ...]] = {CENTER: (*content.countries, OTHER_COUNTRY)}
    for question in choices:
        attributes[question.id] = (*question.options, NOT_ANSWERED)
    marginals: list[tuple[str, ...]] = []
    has_pay = any(q.kind == "number" and q.id == "pay_amount" for q in survey.questions)
    if has_pay:
        attributes[PAY_BAND] = (*(f"{band:g}" for band in survey.pay_bands), OTHER_CURRENCY, NOT_ANSWERED)
        attributes[PAY_CHECK] = PAY_CHECKS
    for question in choices:
        if has_pay and question.id == "pay_unit":
            marginals.append((CENTER, "pay_unit", PAY_BAND))
        else:
            marginals.append((CENTER, question.id))
    if has_pay:
        marginals.append((CENTER, PAY_CHECK))
    marginals += [pair for pair in EXTRA if all(name in attributes for name in pair)]
    return Design(attributes, tuple(marginals))


# The stored answers the derived pay codes depend on.
PAY_ANSWERS = ("country", "pay_unit", "pay_amount_band", "pay_amount_currency", "hours")


def derive(answers: Mapping[str, str], content: Content, design: Design) -> dict[str, str]:
    """One report's stored answers as the design's codes: anything not a known code is
    NOT_ANSWERED (a question added after the report was sent, or an answer since removed)."""
    values = derive_choices(answers, content, design)
    codes = design.attributes
    if PAY_BAND in codes:
        values[PAY_BAND] = _pay_band(answers, content, codes[PAY_BAND])
        values[PAY_CHECK] = classify(answers, content.countries.get(values[CENTER]), content.survey.pay_bands)
    return values


def derive_choices(answers: Mapping[str, str], content: Content, design: Design) -> dict[str, str]:
    """The country and the choice answers as the design's codes; not the derived pay codes."""
    country = answers.get(CENTER)
    values = {CENTER: country if country in content.countries else OTHER_COUNTRY}
    for name, allowed in design.attributes.items():
        if name in (CENTER, PAY_BAND, PAY_CHECK):
            continue
        value = answers.get(name)
        values[name] = value if value in allowed else NOT_ANSWERED
    return values


def _pay_band(answers: Mapping[str, str], content: Content, allowed: tuple[str, ...]) -> str:
    band = answers.get("pay_amount_band")
    if band is None:
        return NOT_ANSWERED
    country = content.countries.get(answers.get(CENTER) or "")
    if country is None or not country.currency or answers.get("pay_amount_currency") != country.currency:
        return OTHER_CURRENCY
    try:
        code = f"{float(band):g}"
    except ValueError:
        return NOT_ANSWERED
    return code if code in allowed else NOT_ANSWERED
