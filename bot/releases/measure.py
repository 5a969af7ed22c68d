"""The one noisy measurement of a month: OpenDP's discrete Laplace mechanism on every marginal's
counts at once, scaled so that the whole month costs EPSILON per worker.

One report adds 1 to one cell of each marginal, so a worker who sends REPORTS_PER_MONTH reports
changes the concatenated counts by at most REPORTS_PER_MONTH x (number of marginals) in L1
distance. OpenDP finds the smallest noise scale whose privacy map, at that distance, stays within
EPSILON (binary_search_param), and samples the noise with its own secure sampler. opendp is
imported on first use: it loads a native library the bot's start-up does without.
"""

from __future__ import annotations

import functools

from bot.privacy.disclosure import EPSILON, REPORTS_PER_MONTH
from bot.releases.design import Design


def sensitivity(design: Design) -> int:
    """How far one worker's reports of a month can move the counts (L1 distance)."""
    return REPORTS_PER_MONTH * len(design.marginals)


def mechanism(design: Design):
    """The OpenDP measurement (a vector of counts in, the same vector with noise out) and its scale."""
    import opendp.prelude as dp

    scale = _scale(sensitivity(design))
    return dp.m.make_laplace(*_space(), scale=scale), scale


def _space():
    import opendp.prelude as dp

    # OpenDP marks its Laplace constructor "contrib": implemented and proven in its docs, not yet
    # through its formal vetting (https://docs.opendp.org/en/stable/api/user-guide/).
    dp.enable_features("contrib")
    return dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)


@functools.cache
def _scale(distance: int) -> float:
    """The smallest scale whose privacy map at `distance` stays within EPSILON (a search: cached)."""
    import opendp.prelude as dp

    return dp.binary_search_param(lambda s: dp.m.make_laplace(*_space(), scale=s), d_in=distance, d_out=EPSILON)


def privacy_loss(design: Design) -> float:
    """The epsilon one worker's reports of a month cost, as OpenDP's privacy map states it."""
    return float(mechanism(design)[0].map(sensitivity(design)))


def measure(design: Design, counts: list[int]) -> tuple[list[int], float]:
    """The counts with noise, and the noise scale used."""
    meas, scale = mechanism(design)
    return list(meas(counts)), float(scale)
