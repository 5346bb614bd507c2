"""The discrete-event core: one day of a hall in plain Python (no threads, no I/O).

Citizens arrive per field as a Poisson stream whose rate changes hour by hour;
counters work their shifts and call the next ticket with the server's own rule
(``queue_server.domain.counter_desk.choose_for_counter``), so priority, call order
and the interleave policy behave exactly as in the real hall. A share of citizens
are not there when called: the officer waits ``no_show_wait_s`` then skips them.
Each new ticket also gets the wait estimates the server would print, so their
accuracy can be measured against the wait the simulation then produces.
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter as Tally
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from queue_server.domain.counter_desk import DeskTicket, QueuePolicy, choose_for_counter
from queue_server.domain.next_ticket import people_ahead
from queue_server.domain.ticket_status import TicketStatus
from queue_server.domain.wait_estimate import mean_service_time
from simulator.hall_profile import FieldProfile, HallProfile
from simulator.wait_estimators import across_breaks, queue_aware_estimate, server_estimate

#: the server's sample of recent service times per field
RECENT_SERVICE_SAMPLES = 20
#: a counter that called nobody for this long counts as unstaffed for the estimate
STAFFED_WITHIN_S = 30 * 60
#: how many of a counter's latest calls tell its share between fields
SHARE_WINDOW = 20
_DAY = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; only differences matter

ARRIVAL, FREE, SHIFT_START, SHIFT_END = 0, 1, 2, 3


@dataclass
class SimTicket:
    """One citizen's ticket and what became of it (times in seconds after midnight)."""

    id: int
    field: str
    priority: bool
    issued_at: float
    no_show: bool
    service_s: float
    ahead: int = 0
    estimate_s: int = 0
    proposed_estimate_s: int = 0
    called_at: float | None = None
    done_at: float | None = None
    counter: str | None = None
    status: str = "waiting"
    #: booked ahead (``HallProfile.booking_share``): a live drive books and checks in
    booked: bool = False

    @property
    def wait_s(self) -> float | None:
        return None if self.called_at is None else self.called_at - self.issued_at


@dataclass
class _Desk:
    number: str
    fields: frozenset[str]
    on_shift: bool = False
    current: SimTicket | None = None
    priority_run: int = 0
    last_call_at: float = -math.inf
    recent_fields: deque = field(default_factory=lambda: deque(maxlen=SHARE_WINDOW))


@dataclass
class DayResult:
    profile: HallProfile
    tickets: list[SimTicket]
    #: counters on shift per hour of day
    counters_by_hour: dict[int, int]


def service_sampler(f: FieldProfile, rng: random.Random) -> Callable[[], float]:
    """Draws one service time: from measured samples if any, else lognormal(mean, CV)."""
    if f.service_samples:
        samples = f.service_samples
        return lambda: rng.choice(samples)
    if f.service_cv <= 0:
        return lambda: f.service_mean_s
    sigma2 = math.log(1 + f.service_cv**2)
    mu, sigma = math.log(f.service_mean_s) - sigma2 / 2, math.sqrt(sigma2)
    return lambda: rng.lognormvariate(mu, sigma)


def _breaks(profile: HallProfile, code: str) -> list[tuple[float, float]]:
    """Gaps within the day when no counter serving the field is on shift."""
    spans = sorted(s for c in profile.counters if code in c.fields for s in c.shifts)
    gaps: list[tuple[float, float]] = []
    reach = None
    for start, end in spans:
        if reach is not None and start > reach:
            gaps.append((reach, start))
        reach = end if reach is None else max(reach, end)
    return gaps


def arrival_times(f: FieldProfile, rng: random.Random) -> list[float]:
    """A Poisson stream whose rate is constant within each hour."""
    times: list[float] = []
    for hour, count in f.arrivals_per_hour.items():
        if count <= 0:
            continue
        rate = count / 3600.0
        t, end = hour * 3600.0, (hour + 1) * 3600.0
        while True:
            t += rng.expovariate(rate)
            if t >= end:
                break
            times.append(t)
    return times


class DaySimulation:
    """Run with ``run()``; ``on_progress(done, total)`` is told how far the day is."""

    def __init__(
        self,
        profile: HallProfile,
        seed: int = 1,
        *,
        exponential_service: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.profile = profile
        self.rng = random.Random(seed)
        self.policy = QueuePolicy(profile.priority_mode, profile.max_priority_in_row)
        self.on_progress = on_progress
        self._samplers = {
            f.code: (
                (lambda m=f.service_mean_s: self.rng.expovariate(1 / m))
                if exponential_service
                else service_sampler(f, self.rng)
            )
            for f in profile.fields
        }
        self._desks = {c.number: _Desk(c.number, frozenset(c.fields)) for c in profile.counters}
        self._waiting: dict[str, dict[int, DeskTicket]] = {f.code: {} for f in profile.fields}
        self._tickets: dict[int, SimTicket] = {}
        self._recent: dict[str, deque] = {
            f.code: deque(maxlen=RECENT_SERVICE_SAMPLES) for f in profile.fields
        }
        self._listed = Tally(code for c in profile.counters for code in c.fields)
        self._breaks = {f.code: _breaks(profile, f.code) for f in profile.fields}
        self._events: list[tuple[float, int, int, object]] = []
        self._n = 0
        self.now = 0.0

    def _push(self, at: float, kind: int, what: object) -> None:
        self._n += 1
        heapq.heappush(self._events, (at, self._n, kind, what))

    def run(self) -> DayResult:
        arrivals = sorted(
            (t, f.code) for f in self.profile.fields for t in arrival_times(f, self.rng)
        )
        for t, code in arrivals:
            self._push(t, ARRIVAL, code)
        for c in self.profile.counters:
            for start, end in c.shifts:
                self._push(start, SHIFT_START, c.number)
                self._push(end, SHIFT_END, c.number)
        total, handled = len(arrivals), 0
        step = max(1, total // 100)
        while self._events:
            self.now, _, kind, what = heapq.heappop(self._events)
            if kind == ARRIVAL:
                self._arrive(str(what))
                handled += 1
                if self.on_progress and handled % step == 0:
                    self.on_progress(handled, total)
            elif kind == FREE:
                self._free(self._desks[str(what)])
            elif kind == SHIFT_START:
                desk = self._desks[str(what)]
                desk.on_shift = True
                if desk.current is None:
                    self._call(desk)
            else:
                self._desks[str(what)].on_shift = False
        for t in self._tickets.values():
            if t.status == "waiting":
                t.status = "expired"
        if self.on_progress:
            self.on_progress(total, total)
        return DayResult(self.profile, list(self._tickets.values()), self._staffing_by_hour())

    def _staffing_by_hour(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for hour in range(24):
            mid = hour * 3600 + 1800
            n = sum(1 for c in self.profile.counters if any(a <= mid < b for a, b in c.shifts))
            if n:
                out[hour] = n
        return out

    def _arrive(self, code: str) -> None:
        ticket_id = len(self._tickets) + 1
        priority = self.rng.random() < self.profile.priority_share
        no_show = self.rng.random() < self.profile.no_show_share
        ticket = SimTicket(ticket_id, code, priority, self.now, no_show, self._samplers[code]())
        if self.profile.booking_share:  # drawn only then: days without bookings stay the same
            ticket.booked = self.rng.random() < self.profile.booking_share
        desk_ticket = DeskTicket(
            id=ticket_id,
            number=f"{code}{ticket_id:03d}",
            service=code,
            priority=priority,
            transferred=False,
            status=TicketStatus.WAITING,
            queued_at=_DAY + timedelta(seconds=self.now),
            sequence=ticket_id,
        )
        queue = self._waiting[code]
        others = (t.candidate() for t in queue.values())
        ticket.ahead = people_ahead(desk_ticket.candidate(), others)
        self._estimate(ticket)
        queue[ticket_id] = desk_ticket
        self._tickets[ticket_id] = ticket
        for desk in self._desks.values():
            if desk.on_shift and desk.current is None and code in desk.fields:
                self._call(desk)
                break

    def _estimate(self, ticket: SimTicket) -> None:
        mean_s = mean_service_time(self._recent[ticket.field])
        ticket.estimate_s = server_estimate(ticket.ahead, mean_s, self._listed[ticket.field])
        share, idle = 0.0, 0
        for desk in self._desks.values():
            if ticket.field not in desk.fields or not self._staffed(desk):
                continue
            calls = desk.recent_fields
            share += calls.count(ticket.field) / len(calls) if calls else 1.0 / len(desk.fields)
            if desk.current is None and desk.on_shift:
                idle += 1
        estimate = queue_aware_estimate(ticket.ahead, mean_s, share, idle)
        breaks = self._breaks[ticket.field]
        ticket.proposed_estimate_s = across_breaks(self.now, estimate, breaks)

    def _staffed(self, desk: _Desk) -> bool:
        """Staffed as the server can tell: a call lately, or an idle officer pressing next."""
        recently = self.now - desk.last_call_at <= STAFFED_WITHIN_S
        return recently or (desk.on_shift and desk.current is None)

    def _call(self, desk: _Desk) -> None:
        pool = [t for code in desk.fields for t in self._waiting[code].values()]
        chosen = choose_for_counter(pool, self.policy, desk.priority_run)
        if chosen is None:
            return
        del self._waiting[chosen.service][chosen.id]
        ticket = self._tickets[chosen.id]
        ticket.called_at = self.now
        ticket.counter = desk.number
        ticket.status = "called"
        desk.current = ticket
        desk.priority_run = desk.priority_run + 1 if ticket.priority else 0
        desk.last_call_at = self.now
        desk.recent_fields.append(ticket.field)
        busy = self.profile.no_show_wait_s if ticket.no_show else ticket.service_s
        self._push(self.now + busy, FREE, desk.number)

    def _free(self, desk: _Desk) -> None:
        ticket = desk.current
        if ticket is not None:
            ticket.done_at = self.now
            if ticket.no_show:
                ticket.status = "no_show"
            else:
                ticket.status = "done"
                self._recent[ticket.field].appendleft(ticket.service_s)
        desk.current = None
        if desk.on_shift:
            self._call(desk)


def simulate_day(
    profile: HallProfile,
    seed: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    exponential_service: bool = False,
) -> DayResult:
    """One simulated day of ``profile``; the same seed gives the same day."""
    return DaySimulation(
        profile, seed, exponential_service=exponential_service, on_progress=on_progress
    ).run()
