"""A booking's states: ``booked`` → ``checked_in`` | ``cancelled`` | ``no_show``.

Only a ``booked`` booking changes: checking in gives it a ticket, cancelling frees
its place (before the slot begins), and one nobody checked in by the end of the
check-in window is a no-show. The three others are final.
"""

from __future__ import annotations

from enum import StrEnum


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
