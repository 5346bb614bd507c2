"""Property-based tests of the counter desk: random days of a hall keep the invariants."""

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from queue_server.domain.counter_desk import (
    Desk,
    DeskTicket,
    QueuePolicy,
    apply_to,
    decide,
)
from queue_server.domain.next_ticket import call_order
from queue_server.domain.queue_error import QueueError
from queue_server.domain.ticket_status import AT_COUNTER, EventKind, TicketStatus

COUNTERS = {"1": frozenset({"A"}), "2": frozenset({"A", "B"}), "3": frozenset({"B", "C"})}
SERVICES = frozenset({"A", "B", "C"})


class InMemoryHall(RuleBasedStateMachine):
    """A whole hall kept in dictionaries, driven only by ``decide``."""

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
        self.tickets: dict[int, DeskTicket] = {}
        self.desks = {n: Desk(n, s) for n, s in COUNTERS.items()}
        self.issued = 0
        self.calls: list[tuple[int, str]] = []
        self.policy = QueuePolicy()

    def tick(self, seconds: int = 30) -> None:
        self.now += timedelta(seconds=seconds)

    def waiting(self) -> list[DeskTicket]:
        return [t for t in self.tickets.values() if t.status == TicketStatus.WAITING]

    @rule(service=st.sampled_from(sorted(SERVICES)), priority=st.booleans())
    def issue(self, service: str, priority: bool) -> None:
        self.tick()
        self.issued += 1
        self.tickets[self.issued] = DeskTicket(
            self.issued, f"{service}{self.issued:03d}", service, priority, False,
            TicketStatus.WAITING, self.now, self.issued)

    @rule(counter=st.sampled_from(sorted(COUNTERS)),
          action=st.sampled_from(["next", "next", "recall", "skip", "complete", "transfer",
                                  "pause", "resume"]),
          to=st.sampled_from(sorted(SERVICES)))
    def act(self, counter: str, action: str, to: str) -> None:
        self.tick()
        desk = self.desks[counter]
        if desk.current is not None:
            desk = Desk(desk.number, desk.services, desk.paused, self.tickets[desk.current.id],
                        last_no_show=desk.last_no_show)
        if desk.last_no_show is not None:
            desk = Desk(desk.number, desk.services, desk.paused, desk.current,
                        last_no_show=self.tickets[desk.last_no_show.id])
        waiting = self.waiting()
        try:
            decision = decide(action, desk, waiting, self.policy, self.now,
                              target_service=to, active_services=SERVICES,
                              served_services=SERVICES)
        except QueueError as exc:
            if exc.code == "paused":
                assert desk.paused
            return
        if action == "next" and decision.result == "ok":
            assert not desk.paused
            chosen = self.tickets[decision.current]
            mine = [t for t in waiting if t.service in desk.services]
            assert chosen in mine
            assert all(call_order(chosen.candidate()) <= call_order(t.candidate()) for t in mine)
        if action == "next" and decision.result == "empty":
            assert not [t for t in waiting if t.service in desk.services]
        last_no_show = desk.last_no_show
        for step in decision.steps:
            ticket = apply_to(self.tickets[step.ticket_id], step, self.now)
            self.tickets[step.ticket_id] = ticket
            if step.announce:
                assert ticket.service in desk.services  # only fields this counter serves
                self.calls.append((ticket.id, counter))
            if step.event == EventKind.NO_SHOW:
                last_no_show = ticket
        current = self.tickets[decision.current] if decision.current else None
        self.desks[counter] = Desk(counter, desk.services, decision.paused, current,
                                   last_no_show=last_no_show)

    @rule()
    def midnight(self) -> None:
        self.tick(3600 * 8)
        for tid, t in self.tickets.items():
            if t.status == TicketStatus.WAITING:
                self.tickets[tid] = DeskTicket(**{**t.__dict__, "status": TicketStatus.EXPIRED})

    @invariant()
    def one_ticket_per_counter_and_one_counter_per_ticket(self) -> None:
        held = [d.current.id for d in self.desks.values() if d.current is not None]
        assert len(held) == len(set(held))
        for tid in held:
            assert self.tickets[tid].status in AT_COUNTER
        at_counter = {t.id for t in self.tickets.values() if t.status in AT_COUNTER}
        assert at_counter == set(held)

    @invariant()
    def counts_add_up(self) -> None:
        by_status: dict[str, int] = {}
        for t in self.tickets.values():
            by_status[t.status] = by_status.get(t.status, 0) + 1
        assert sum(by_status.values()) == self.issued
        assert set(by_status) <= {s.value for s in TicketStatus}


TestInMemoryHall = InMemoryHall.TestCase
TestInMemoryHall.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
