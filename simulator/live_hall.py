"""Live mode: a simulated day driven into a real hall, in real or accelerated time.

Citizens take tickets over HTTP exactly as a kiosk does (device token, one
Idempotency-Key per citizen, retried with the same key on a network error), and
officers send the counters' MQTT commands (``next``, ``skip``, ``complete``) exactly
as a call station does, each answered on the counter's ``state`` topic. Who gets
called is decided by the real server; the day's plan only says when citizens come,
which field, whether they are priority or absent, and how long each service takes.

Citizens who booked ahead (``SimTicket.booked``) book the slot that begins next
through the public booking API and check in through the kiosk's own client
(``kiosk.server_client``), as a citizen with a booking slip at a kiosk does; the
server calls their appointment tickets once the slot has begun (in real time, also
when the drive runs faster). One who cannot book takes a walk-in ticket.

One scheduler thread runs every decision, so the officers' logic has no races; HTTP
requests go to a small pool and MQTT answers are handed back to the scheduler.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import uuid
from collections import Counter as Tally
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from protocol import Call, Command, CounterState, ProtocolError, Topics, decode, encode
from protocol.broker_url import BrokerUrl
from protocol.mqtt_link import make_client, start
from simulator.booking_citizen import BookingCitizens, BookingTally
from simulator.day_simulation import DayResult, SimTicket
from simulator.hall_profile import CounterProfile, HallProfile

log = logging.getLogger(__name__)

#: an officer with nothing to do presses "next" again after this many simulated seconds
IDLE_POLL_SIM_S = 120.0
#: but never more often than this (real seconds), so a fast replay does not flood the broker
IDLE_POLL_MIN_S = 0.5
#: a command unanswered this long (real seconds) is sent again with the same id
COMMAND_TIMEOUT_S = 10.0


@dataclass
class LiveReport:
    """What the drive did, as the driver saw it; reconciled with the database by tests."""

    planned: int = 0
    issued: int = 0
    refused: Tally = field(default_factory=Tally)
    retried_requests: int = 0
    commands: Tally = field(default_factory=Tally)
    results: Tally = field(default_factory=Tally)
    calls: int = 0
    recalls: int = 0
    duplicate_calls: int = 0
    numbers: list[str] = field(default_factory=list)
    called_numbers: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    finished: bool = False
    #: citizens who booked ahead: booked, checked in, and who took a walk-in instead
    bookings: BookingTally = field(default_factory=BookingTally)

    @property
    def lost(self) -> int:
        """Citizens whose ticket request got no ticket and no refusal."""
        return self.planned - self.issued - sum(self.refused.values())

    @property
    def duplicated_numbers(self) -> int:
        return len(self.numbers) - len(set(self.numbers))


@dataclass
class _Officer:
    spec: CounterProfile
    client: object = None
    on_shift: bool = False
    current: str | None = None
    pending: Command | None = None
    pending_sent: float = 0.0
    timer: int = 0  # generation of the officer's scheduled action; older ones are void
    waiting: int = 0  # tickets waiting for this counter's fields, from its last state


class LiveHall:
    """Drive ``plan`` (a simulated day) into the hall at ``speed`` × real time."""

    def __init__(
        self,
        *,
        server_url: str,
        token: str,
        mqtt_url: str,
        site: str,
        plan: DayResult,
        speed: float = 1.0,
        on_progress: Callable[[int, int], None] | None = None,
        http_workers: int = 8,
        finish_queue: bool = False,
    ) -> None:
        """``finish_queue``: officers stay past their shift until nobody waits for them."""
        self.finish_queue = finish_queue
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.broker = BrokerUrl.parse(mqtt_url)
        self.topics = Topics(site)
        self.site = site
        self.profile: HallProfile = plan.profile
        self.arrivals = sorted(plan.tickets, key=lambda t: t.issued_at)
        self.speed = speed
        self.on_progress = on_progress
        self.report = LiveReport(planned=len(self.arrivals))
        self._pool = ThreadPoolExecutor(http_workers, thread_name_prefix="citizen")
        self._local = threading.local()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._officers = {c.number: _Officer(c) for c in self.profile.counters}
        self._planned: dict[str, SimTicket] = {}
        self._outstanding = 0
        self._seen_calls: set[str] = set()
        self._watch = None
        self._bookers = BookingCitizens(
            self.server_url, self._kiosk_check_in, tally=self.report.bookings
        )
        starts = [a for c in self.profile.counters for a, _ in c.shifts]
        first_arrival = self.arrivals[0].issued_at if self.arrivals else 0.0
        self.day_start = min([first_arrival, *starts])
        self.day_end = max([b for c in self.profile.counters for _, b in c.shifts], default=0.0)
        self._t0 = 0.0

    # -- time ---------------------------------------------------------------------------

    def real_at(self, sim_s: float) -> float:
        return self._t0 + (sim_s - self.day_start) / self.speed

    def sim_now(self) -> float:
        return self.day_start + (time.monotonic() - self._t0) * self.speed

    def _at(self, real: float, action: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (real, next(self._order), action))
            self._cond.notify()

    def _soon(self, action: Callable[[], None]) -> None:
        self._at(0.0, action)

    # -- running ------------------------------------------------------------------------

    def run(self, timeout_s: float | None = None) -> LiveReport:
        """Drive the whole day; returns when it is over (or after ``timeout_s``)."""
        self._connect()
        self._t0 = time.monotonic()
        started = self._t0
        for ticket in self.arrivals:
            self._at(self.real_at(ticket.issued_at), lambda t=ticket: self._arrive(t))
        for officer in self._officers.values():
            for a, b in officer.spec.shifts:
                self._at(self.real_at(a), lambda o=officer: self._shift_start(o))
                self._at(self.real_at(b), lambda o=officer: self._shift_end(o))
        deadline = started + timeout_s if timeout_s else None
        try:
            while True:
                with self._cond:
                    while True:
                        now = time.monotonic()
                        if self._heap and self._heap[0][0] <= now:
                            _, _, action = heapq.heappop(self._heap)
                            break
                        if self._finished(now) or (deadline and now > deadline):
                            action = None
                            break
                        wait = self._heap[0][0] - now if self._heap else 0.2
                        self._cond.wait(min(max(wait, 0.0), 0.2))
                if action is None:
                    break
                try:
                    action()
                except Exception:
                    log.exception("live hall step failed")
            self.report.finished = self._finished(time.monotonic())
        finally:
            self._pool.shutdown(wait=True)
            self._wait_for_last_calls()
            self._disconnect()
            self.report.wall_s = time.monotonic() - started
        return self.report

    def _finished(self, now: float) -> bool:
        """Every citizen came and got an answer, and every officer is done for the day."""
        if self.report.issued + sum(self.report.refused.values()) < len(self.arrivals):
            return False
        if self._outstanding:
            return False
        officers = self._officers.values()
        if any(o.pending is not None or o.current is not None for o in officers):
            return False
        nobody_waits = self.report.calls >= self.report.issued
        day_over = self.sim_now() >= self.day_end and not any(o.on_shift for o in officers)
        return nobody_waits or day_over

    def _wait_for_last_calls(self, timeout: float = 5.0) -> None:
        """Calls travel separately from the counter's answer: let the last ones arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if self.report.calls >= self.report.results["called"]:
                    return
            time.sleep(0.05)

    # -- MQTT ---------------------------------------------------------------------------

    def _connect(self) -> None:
        self._watch = make_client(
            self.broker,
            f"sim-watch-{self.site}-{uuid.uuid4().hex[:6]}",
            on_connect=lambda c: c.subscribe(self.topics.calls, qos=1),
        )
        self._watch.on_message = self._on_call
        start(self._watch, self.broker)
        ready = []
        for officer in self._officers.values():
            connected = threading.Event()
            ready.append(connected)

            def subscribe(c, o=officer, ev=connected) -> None:
                c.subscribe(self.topics.state(o.spec.number), qos=1)
                ev.set()

            client = make_client(
                self.broker,
                f"sim-officer-{self.site}-{officer.spec.number}-{uuid.uuid4().hex[:6]}",
                on_connect=subscribe,
            )
            client.on_message = lambda c, u, msg, o=officer: self._on_state(o, msg.payload)
            officer.client = client
            start(client, self.broker)
        for ev in ready:
            if not ev.wait(15):
                raise RuntimeError(f"could not connect to the broker at {self.broker.host}")
        time.sleep(0.3)  # let the subscriptions settle before the first command

    def _disconnect(self) -> None:
        for client in [self._watch, *(o.client for o in self._officers.values())]:
            if client is not None:
                client.disconnect()
                client.loop_stop()

    def _on_call(self, client, userdata, msg) -> None:
        try:
            call = decode(msg.payload, Call)
        except ProtocolError:
            return
        with self._cond:
            if call.recall:
                self.report.recalls += 1
                return
            self.report.calls += 1
            self.report.called_numbers.append(call.ticket)
            if call.ticket in self._seen_calls:
                self.report.duplicate_calls += 1
            self._seen_calls.add(call.ticket)

    def _on_state(self, officer: _Officer, payload: bytes) -> None:
        try:
            state = decode(payload, CounterState)
        except ProtocolError:
            return
        self._soon(lambda: self._answered(officer, state))

    # -- citizens -----------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self.token}"
            self._local.session = session
        return session

    def _arrive(self, ticket: SimTicket) -> None:
        self._outstanding += 1
        self._pool.submit(self._take_ticket, ticket)

    def _kiosk_check_in(self, code: str) -> dict:
        """Check a booking in as the kiosk does (its own HTTP client, its token)."""
        from kiosk.server_client import ServerClient

        client = getattr(self._local, "kiosk", None)
        if client is None:
            client = self._local.kiosk = ServerClient(self.server_url, self.token, timeout=15)
        return client.check_in(code)

    def _take_ticket(self, ticket: SimTicket) -> None:
        if ticket.booked:
            appointment = self._bookers.visit(ticket.field)
            if appointment is not None:
                self._soon(lambda: self._ticket_answered(ticket, "issued",
                                                         appointment["number"]))
                return
        key = str(uuid.uuid4())
        body = {"service": ticket.field, "priority": ticket.priority}
        outcome: tuple[str, object] = ("lost", None)
        for attempt in range(4):
            try:
                r = self._session().post(
                    f"{self.server_url}/api/v1/tickets",
                    json=body,
                    headers={"Idempotency-Key": key},
                    timeout=15,
                )
            except requests.RequestException as exc:
                log.warning("ticket request failed (%s); retrying with the same key", exc)
                with self._cond:
                    self.report.retried_requests += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            if r.status_code in (200, 201):
                outcome = ("issued", r.json()["number"])
            elif 400 <= r.status_code < 500:
                try:
                    code = r.json()["error"]["code"]
                except (ValueError, KeyError, TypeError):
                    code = str(r.status_code)
                outcome = ("refused", code)
            else:
                with self._cond:
                    self.report.retried_requests += 1
                time.sleep(0.2 * (attempt + 1))
                continue
            break
        self._soon(lambda: self._ticket_answered(ticket, *outcome))

    def _ticket_answered(self, ticket: SimTicket, what: str, detail: object) -> None:
        self._outstanding -= 1
        if what == "issued":
            number = str(detail)
            self.report.issued += 1
            self.report.numbers.append(number)
            self._planned[number] = ticket
            self._wake_one(ticket.field)
        elif what == "refused":
            self.report.refused[str(detail)] += 1
        if self.on_progress:
            answered = self.report.issued + sum(self.report.refused.values())
            self.on_progress(answered, len(self.arrivals))

    # -- officers -----------------------------------------------------------------------

    def _idle(self, o: _Officer) -> bool:
        return o.on_shift and o.current is None and o.pending is None

    def _wake_one(self, field_code: str) -> None:
        """A new ticket: one idle officer of its field presses next at once."""
        for o in self._officers.values():
            if self._idle(o) and field_code in o.spec.fields:
                self._press(o, "next")
                return

    def _shift_start(self, o: _Officer) -> None:
        o.on_shift = True
        if self._idle(o):
            self._press(o, "next")

    def _shift_end(self, o: _Officer) -> None:
        o.on_shift = False

    def _press(self, o: _Officer, action: str) -> None:
        command = Command(id=str(uuid.uuid4()), action=action)
        o.pending = command
        o.timer += 1
        self._send(o, command)

    def _send(self, o: _Officer, command: Command) -> None:
        o.pending_sent = time.monotonic()
        self.report.commands[command.action] += 1
        o.client.publish(self.topics.cmd(o.spec.number), encode(command), qos=1)
        generation = o.timer
        self._at(
            o.pending_sent + COMMAND_TIMEOUT_S,
            lambda: self._resend_if_unanswered(o, command, generation),
        )

    def _resend_if_unanswered(self, o: _Officer, command: Command, generation: int) -> None:
        if o.pending is command and o.timer == generation:
            log.warning("counter %s: no answer to %s; sending it again", o.spec.number, command.id)
            self._send(o, command)

    def _later(self, o: _Officer, sim_seconds: float, action: Callable[[], None]) -> None:
        o.timer += 1
        generation = o.timer

        def run() -> None:
            if o.timer == generation:
                action()

        self._at(time.monotonic() + sim_seconds / self.speed, run)

    def _answered(self, o: _Officer, state: CounterState) -> None:
        if o.pending is None or state.last_cmd != o.pending.id:
            return  # a retained state from before, or a repeat answer
        action = o.pending.action
        o.pending = None
        o.waiting = state.waiting
        self.report.results[state.result] += 1
        if state.result == "ok" and state.ticket and action == "next":
            self.report.results["called"] += 1
            o.current = state.ticket
            planned = self._planned.get(state.ticket)
            if planned is not None and planned.no_show:
                self._later(o, self.profile.no_show_wait_s, lambda: self._press(o, "skip"))
            else:
                seconds = planned.service_s if planned else self._mean_service(o)
                self._later(o, seconds, lambda: self._finish(o))
            return
        o.current = None
        if not self._working(o):
            return
        if action == "next" and state.result != "ok":
            # nobody waiting (or refused): look again a little later, or when a ticket comes
            poll = max(IDLE_POLL_SIM_S / self.speed, IDLE_POLL_MIN_S)
            o.timer += 1
            generation = o.timer
            self._at(
                time.monotonic() + poll,
                lambda: self._poll(o, generation),
            )
            return
        self._press(o, "next")

    def _poll(self, o: _Officer, generation: int) -> None:
        if self._idle(o) and o.timer == generation:
            self._press(o, "next")

    def _working(self, o: _Officer) -> bool:
        return o.on_shift or (self.finish_queue and o.waiting > 0)

    def _finish(self, o: _Officer) -> None:
        """The service is over: the next citizen, or ``complete`` at the end of the shift."""
        self._press(o, "next" if self._working(o) else "complete")

    def _mean_service(self, o: _Officer) -> float:
        field_profile = self.profile.field(o.spec.fields[0])
        return field_profile.service_mean_s
