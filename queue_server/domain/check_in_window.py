"""When a citizen with a booking may check in at the kiosk.

From ``before`` ahead of the slot's start until ``after`` past it (the site's
``check_in_before_min`` and ``check_in_after_min``). Earlier, the kiosk says when to
come back; later, the booking is lost and the citizen takes a walk-in ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal


@dataclass(frozen=True)
class CheckInVerdict:
    outcome: Literal["ok", "too_early", "too_late"]
    #: the first moment check-in opens (set for ``too_early``)
    come_back_at: datetime | None = None


def check_in_verdict(
    start: datetime, now: datetime, before: timedelta, after: timedelta
) -> CheckInVerdict:
    """``ok`` inside ``[start - before, start + after]``, else too early or too late."""
    opens = start - before
    if now < opens:
        return CheckInVerdict("too_early", opens)
    if now > start + after:
        return CheckInVerdict("too_late")
    return CheckInVerdict("ok")


def missed(start: datetime, now: datetime, after: timedelta) -> bool:
    """True once check-in has closed for a slot: a booking still open is a no-show."""
    return now > start + after
