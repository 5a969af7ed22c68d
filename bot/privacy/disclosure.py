"""The threshold every number about reports follows before it leaves the server.

No count from 1 to 9 is shown or released (0 is: it is about nobody), and a median or a share
needs at least 10 reports. /stats, the counts organizers see and the research tables all follow
it: the statistics offices' usual rule of 10 (../shared/research/privacy-and-safety.md, 2.3 and
AC-13). Microdata has its own rule, k-anonymity (bot/exports/microdata.py).
"""

THRESHOLD = 10  # the smallest count that may be shown; medians and shares need this many reports
