"""Counters needed per hour for a service-level target, by Erlang C.

Pure and fast, for the reports page and ``python -m simulator what-if`` (which also
checks a plan by simulation); ``reserved_counters`` says what keeping some counters for
appointments does to a plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from queue_server.domain import erlang_c


@dataclass(frozen=True)
class HourPlan:
    """One hour of the plan; ``hour`` is the index in the given list (or the hour of day)."""

    hour: int
    arrivals: float
    load_erlangs: float
    counters: int
    probability_of_waiting: float
    service_level: float
    mean_wait_s: float


def staffing_plan(
    arrivals_per_hour: list[float],
    mean_service_s: float,
    target_fraction: float,
    target_wait_s: float,
    first_hour: int = 0,
) -> list[HourPlan]:
    """For each hour, the fewest counters whose Erlang C service level meets the target."""
    if mean_service_s <= 0:
        raise ValueError("the mean service time must be positive")
    plans = []
    for i, arrivals in enumerate(arrivals_per_hour):
        if arrivals < 0:
            raise ValueError("arrivals per hour must not be negative")
        load = arrivals * mean_service_s / 3600.0
        n = erlang_c.agents_needed(load, mean_service_s, target_fraction, target_wait_s)
        plans.append(
            HourPlan(
                hour=first_hour + i,
                arrivals=arrivals,
                load_erlangs=load,
                counters=n,
                probability_of_waiting=erlang_c.probability_of_waiting(n, load),
                service_level=erlang_c.service_level(n, load, mean_service_s, target_wait_s),
                mean_wait_s=erlang_c.average_speed_of_answer(n, load, mean_service_s),
            )
        )
    return plans


@dataclass(frozen=True)
class ReservedHour:
    """One hour of the plan with ``reserved`` of its counters kept for appointments."""

    hour: int
    walk_ins: float
    appointments: float
    #: counters of the plan (everyone served by every counter, one queue)
    pooled: int
    reserved: int
    walk_in_service_level: float
    walk_in_mean_wait_s: float
    appointment_service_level: float
    #: counters the target needs when appointments have counters of their own
    needed_split: int

    @property
    def extra(self) -> int:
        """Counters more than the pooled plan when appointments are kept apart."""
        return self.needed_split - self.pooled


def reserved_counters(
    plans: Sequence[HourPlan],
    mean_service_s: float,
    target_fraction: float,
    target_wait_s: float,
    appointment_share: float,
    reserved: int,
) -> list[ReservedHour]:
    """What keeping ``reserved`` counters for appointments does to each hour of ``plans``.

    ``appointment_share`` of the arrivals have booked. The walk-ins get the plan's other
    counters; the appointments get the reserved ones (counted as random arrivals too,
    which is cautious: booked citizens come spread over their slots). ``needed_split``
    is the fewest counters meeting the target for both groups served apart; the
    difference from the pooled plan is the price of reserving.
    """
    if not 0 <= appointment_share <= 1:
        raise ValueError("the appointment share must be between 0 and 1")
    if reserved < 0:
        raise ValueError("the reserved counters must not be negative")
    out = []
    for p in plans:
        booked = p.arrivals * appointment_share
        walk_ins = p.arrivals - booked
        walk_load = walk_ins * mean_service_s / 3600.0
        booked_load = booked * mean_service_s / 3600.0
        left = max(p.counters - reserved, 0)
        kept = min(reserved, p.counters)
        needed = erlang_c.agents_needed(walk_load, mean_service_s, target_fraction,
                                        target_wait_s)
        needed_booked = erlang_c.agents_needed(booked_load, mean_service_s, target_fraction,
                                               target_wait_s)
        out.append(ReservedHour(
            hour=p.hour,
            walk_ins=walk_ins,
            appointments=booked,
            pooled=p.counters,
            reserved=kept,
            walk_in_service_level=erlang_c.service_level(left, walk_load, mean_service_s,
                                                         target_wait_s),
            walk_in_mean_wait_s=erlang_c.average_speed_of_answer(left, walk_load,
                                                                 mean_service_s),
            appointment_service_level=erlang_c.service_level(kept, booked_load, mean_service_s,
                                                             target_wait_s),
            needed_split=needed + needed_booked,
        ))
    return out
