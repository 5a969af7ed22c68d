"""At most REPORTS_PER_MONTH reports per person per month, without knowing who anyone is.

The monthly releases (bot/releases) scale their noise to one person sending at most
bot/privacy/disclosure.py's REPORTS_PER_MONTH reports into a month; this is what holds each
person to it. The month is a release month: the month of the ISO week a report is stamped with
(the week's Thursday), given as `month_of` (bot/releases/periods.py current_month, which this
package sits below), so the limit's month and the month a report is released in never differ.

Each month gets a fresh random key that lives only in memory; a person is counted under
HMAC(the month's key, their Telegram id), and the receipt codes given this month are remembered
as HMAC(the month's key, the code), apart from who got them. The key, the counts and the codes
are dropped on the first use in the next month and on restart: neither the database nor a later
memory dump links a report, or a month, to a person. The price: a restart starts every count
again, so someone who sent this month's report before a restart can send one more after it
(docs/privacy.md says so).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable


class MonthlyLimit:
    def __init__(
        self,
        per_month: int,
        month_of: Callable[[dt.date], str],
        today: Callable[[], dt.date] = dt.date.today,
    ):
        self.per_month = per_month
        self._month_of = month_of
        self._today = today
        self._month = ""
        self._reopens: dt.date | None = None  # worked out once a month
        self._key = b""
        self._counts: dict[bytes, int] = {}  # person's tag -> reports counted this month
        self._issued: set[bytes] = set()  # tags of this month's receipt codes; a set has no arrival order

    def _now(self) -> dt.date:
        """Today, after turning to a new key when the month has changed since the last use."""
        today = self._today()
        month = self._month_of(today)
        if month != self._month:
            self._month, self._key, self._counts, self._issued = month, secrets.token_bytes(32), {}, set()
            self._reopens = None
        return today

    def _tag(self, kind: bytes, value: str) -> bytes:
        return hmac.new(self._key, kind + b":" + value.encode(), hashlib.sha256).digest()[:16]

    def remaining(self, user_id: int) -> int:
        """Reports this person may still send this month."""
        self._now()
        return self.per_month - self._counts.get(self._tag(b"person", str(user_id)), 0)

    def reopens(self) -> dt.date:
        """The first day of the next month: a Monday, the first day of its first ISO week."""
        today = self._now()
        if self._reopens is None:
            day = today + dt.timedelta(days=1)
            while self._month_of(day) == self._month:
                day += dt.timedelta(days=1)
            self._reopens = day
        return self._reopens

    def take(self, user_id: int, code: str) -> dt.date | None:
        """Count one report under receipt `code`, before it is written: the day it counts on
        (stamp the report with this day's week, so that it lands in the month it was counted
        in), or None, and nothing counted, when this month's reports are all sent. No await
        between the test and the count, so two reports at once cannot both pass."""
        today = self._now()
        person = self._tag(b"person", str(user_id))
        if self._counts.get(person, 0) >= self.per_month:
            return None
        self._counts[person] = self._counts.get(person, 0) + 1
        self._issued.add(self._tag(b"receipt", code))
        return today

    def give_back(self, user_id: int, code: str) -> bool:
        """After the report of receipt `code` was deleted (withdrawn), or was never written:
        `user_id` may send one more this month, if `code` was given this month. Whether it was.

        Why a person still cannot have more than `per_month` of their reports in this month:
        - a count is at most `per_month` (take refuses beyond it) and never below 0 (it comes
          down only from 1 or more);
        - a count comes down only when one of this month's reports is gone for good: a code
          issued this month, whose report was deleted (or never written), and each such code
          only once (it is forgotten here). Withdrawing a report of an earlier month, of before
          a restart, or a code already used, gives nothing back: otherwise withdrawing last
          month's report would let someone send a second one this month;
        - so someone who withdraws only their own codes never has more reports of this month
          (saved since the key was made) than their count. The one way around it: a second
          person hands over the code of their own report of this month, and loses that report.
          The two then hold at most two reports, as one person with two Telegram accounts
          always could. Nothing here ties a code to the person it was given to: that tie, in
          memory, would let a memory dump and the secret key find a person's report by trying
          the 31**8 codes.
        """
        self._now()
        receipt = self._tag(b"receipt", code)
        if receipt not in self._issued:
            return False
        self._issued.discard(receipt)
        person = self._tag(b"person", str(user_id))
        count = self._counts.get(person, 0)
        if count > 1:
            self._counts[person] = count - 1
        else:
            self._counts.pop(person, None)  # no entry at 0: the month's memory holds only who still counts
        return True
