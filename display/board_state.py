"""What the hall board shows, kept as plain data: no pygame, no MQTT.

The server sends two kinds of message (DESIGN.md section 4): the retained ``board``
snapshot, which is the truth after any (re)connection, and ``calls``, increments
numbered by ``seq``. MQTT may hand us the same message twice (QoS 1 redelivery, a
broker that repeats a retained message) or a stale one; this class decides what is
new, so that the screen shows each call once and the loudspeaker says each call
exactly once. Keeping it free of I/O lets the rules be tested in microseconds.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from protocol import Board, Call

#: how many announced calls are remembered to refuse a repeat of the same message
_ANNOUNCED_MEMORY = 512


@dataclass(frozen=True)
class CallLine:
    """One ticket as the board shows it: which number goes to which counter."""

    ticket: str
    counter: str
    service: str
    ts: datetime
    recall: bool = False


@dataclass(frozen=True)
class Announcement:
    """A call the loudspeaker has to say once (a recall is a new announcement)."""

    seq: int
    ticket: str
    counter: str
    service: str
    recall: bool
    ts: datetime


class BoardState:
    """The board's content plus the rules for applying ``board`` and ``calls`` messages.

    ``version`` grows by one whenever something visible changes, so a screen only has
    to redraw (and a screenshot only has to be written) when it moved.
    """

    def __init__(
        self,
        recent_count: int = 8,
        highlight_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if recent_count < 1:
            raise ValueError("recent_count must be at least 1")
        self.recent_count = recent_count
        self.highlight_s = highlight_s
        self._clock = clock
        self.last_seq: int | None = None
        self.newest: CallLine | None = None
        #: monotonic time the newest call arrived through ``calls``; None = no blinking
        self.newest_at: float | None = None
        self.recent: list[CallLine] = []
        self.waiting: dict[str, int] = {}
        self.message: str = ""
        #: what is wrong with this board's setup, shown instead of the message
        self.problem: str = ""
        self.connected: bool = False
        self.version: int = 0
        self._from_snapshot = False
        #: the ticket each counter called last (what a counter's own screen shows)
        self.serving: dict[str, CallLine] = {}
        #: monotonic time a counter's ticket arrived through ``calls`` (for its blink)
        self.serving_at: dict[str, float] = {}
        self._announce: deque[Announcement] = deque()
        self._announced: set[tuple[int, datetime]] = set()
        self._announced_order: deque[tuple[int, datetime]] = deque()

    # -- applying messages -------------------------------------------------------

    def apply_board(self, board: Board) -> bool:
        """Replace everything with the snapshot; True if the screen has to change.

        A snapshot never queues an announcement: its entries are calls the hall has
        already heard, or calls made while this board was offline, which are stale by
        the time it is back. It keeps the newest call blinking only if it is the same
        call that was already blinking.
        """
        recent = _unique_by_ticket(
            CallLine(ticket=e.ticket, counter=e.counter, service=e.service, ts=e.ts)
            for e in board.recent
        )[: self.recent_count]
        newest = recent[0] if recent else None
        newest_at = self.newest_at if _same_call(newest, self.newest) else None
        if newest is not None and self.newest is not None and _same_call(newest, self.newest):
            newest = replace(newest, recall=self.newest.recall)
        self.last_seq = board.seq
        self._from_snapshot = True
        changed = (
            recent != self.recent
            or newest != self.newest
            or newest_at != self.newest_at
            or board.waiting != self.waiting
            or board.message != self.message
        )
        self.recent = recent
        self.newest = newest
        self.newest_at = newest_at
        self.waiting = dict(board.waiting)
        self.message = board.message
        # oldest first, so each counter ends with its newest ticket; a counter missing
        # from the snapshot keeps what it showed (its call fell off the list)
        for line in reversed(recent):
            before = self.serving.get(line.counter)
            if before is None or before.ticket != line.ticket:
                self._serve(line, None)
                changed = True
        if changed:
            self.version += 1
        return changed

    def apply_call(self, call: Call) -> bool:
        """Apply one call if it is new; True if it was applied.

        A call whose seq is not above the last applied one is a duplicate or arrived
        out of order, and is ignored. One exception: when the snapshot carrying this
        very call (same seq, same ticket on top) came first, the call is still shown
        as the newest and announced, so a server that publishes the board before the
        call never leaves a call unheard.
        """
        if self.last_seq is not None and call.seq <= self.last_seq:
            top = self.recent[0] if self.recent else None
            snapshot_first = (
                self._from_snapshot
                and call.seq == self.last_seq
                and (call.seq, call.ts) not in self._announced
                and top is not None
                and (top.ticket, top.counter) == (call.ticket, call.counter)
            )
            if not snapshot_first:
                return False
        line = CallLine(
            ticket=call.ticket,
            counter=call.counter,
            service=call.service,
            ts=call.ts,
            recall=call.recall,
        )
        self.last_seq = call.seq
        self._from_snapshot = False
        self.newest = line
        self.newest_at = self._clock()
        others = [r for r in self.recent if r.ticket != call.ticket]
        self.recent = [line, *others][: self.recent_count]
        self._serve(line, self.newest_at)
        self.version += 1
        self._queue_announcement(call)
        return True

    def _serve(self, line: CallLine, since: float | None) -> None:
        # a ticket is served at one counter: a transfer or a call elsewhere moves it
        for counter, other in list(self.serving.items()):
            if other.ticket == line.ticket and counter != line.counter:
                del self.serving[counter]
                self.serving_at.pop(counter, None)
        self.serving[line.counter] = line
        if since is None:
            self.serving_at.pop(line.counter, None)
        else:
            self.serving_at[line.counter] = since

    def set_connected(self, connected: bool) -> bool:
        """Record the broker link state (shown as a small indicator); True if it changed."""
        if connected == self.connected:
            return False
        self.connected = connected
        self.version += 1
        return True

    def set_problem(self, problem: str) -> bool:
        """Show ``problem`` (empty: none) instead of the message; True if it changed."""
        if problem == self.problem:
            return False
        self.problem = problem
        self.version += 1
        return True

    @property
    def ticker_text(self) -> str:
        """The ticker line: a setup problem first, else the server's message."""
        return self.problem or self.message

    # -- what the screen asks ----------------------------------------------------

    def highlight_age(self, now: float | None = None) -> float | None:
        """Seconds since the newest call arrived while it is still highlighted, else None."""
        if self.newest is None or self.newest_at is None:
            return None
        age = (self._clock() if now is None else now) - self.newest_at
        if age < 0 or age >= self.highlight_s:
            return None
        return age

    def is_highlighted(self, now: float | None = None) -> bool:
        """True while the newest call should blink."""
        return self.highlight_age(now) is not None

    def counter_highlight_age(self, counter: str, now: float | None = None) -> float | None:
        """Like ``highlight_age`` for the ticket a counter called last."""
        since = self.serving_at.get(counter)
        if since is None or counter not in self.serving:
            return None
        age = (self._clock() if now is None else now) - since
        return age if 0 <= age < self.highlight_s else None

    # -- announcements -----------------------------------------------------------

    @property
    def pending_announcements(self) -> tuple[Announcement, ...]:
        """Calls waiting to be spoken, oldest first (not removed)."""
        return tuple(self._announce)

    def next_announcement(self) -> Announcement | None:
        """Take the oldest call still to be spoken, or None."""
        return self._announce.popleft() if self._announce else None

    def take_announcements(self) -> list[Announcement]:
        """Take every call still to be spoken, oldest first."""
        items = list(self._announce)
        self._announce.clear()
        return items

    def _queue_announcement(self, call: Call) -> None:
        # (seq, ts) identifies one published call even if the server's seq restarts,
        # so a message that comes back after a resync is not spoken twice
        key = (call.seq, call.ts)
        if key in self._announced:
            return
        self._announced.add(key)
        self._announced_order.append(key)
        if len(self._announced_order) > _ANNOUNCED_MEMORY:
            self._announced.discard(self._announced_order.popleft())
        self._announce.append(
            Announcement(
                seq=call.seq,
                ticket=call.ticket,
                counter=call.counter,
                service=call.service,
                recall=call.recall,
                ts=call.ts,
            )
        )


def _same_call(a: CallLine | None, b: CallLine | None) -> bool:
    # ticket and counter only: the snapshot's timestamp of a call may differ slightly
    # from the call message's own
    return a is not None and b is not None and (a.ticket, a.counter) == (b.ticket, b.counter)


def _unique_by_ticket(lines: Iterable[CallLine]) -> list[CallLine]:
    """Newest first, one line per ticket (the server's list should already be so)."""
    seen: set[str] = set()
    out: list[CallLine] = []
    for line in lines:
        if line.ticket not in seen:
            seen.add(line.ticket)
            out.append(line)
    return out
