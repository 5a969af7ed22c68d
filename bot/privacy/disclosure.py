"""The limits every number about reports follows before it leaves the server.

Differential privacy (bot/releases): each closed month's reports are measured once, with noise,
and everything shown or exported about them is worked out from that frozen release. Whatever is
published, nobody can become more than EPSILON's factor (e**EPSILON = 3) more sure about one
worker's answers, or about whether they reported at all, in that month
(../shared/research/dp-releases.md; docs/privacy.md).

On top, for readers, the statistics offices' rule of 10: a count under 10 shows as "<10", and a
median or a share needs at least 10 reports. After noise it protects nobody further; it keeps
people from reading meaning into numbers that noise dominates.
"""

import math

EPSILON = math.log(3)  # per worker, per month, all releases together
REPORTS_PER_MONTH = 1  # what one person may send in a month: the sensitivity the noise is scaled to
THRESHOLD = 10  # the smallest count shown as a number; medians and shares need this many reports
