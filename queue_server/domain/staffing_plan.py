"""Counters needed per hour for a service-level target, by Erlang C.

Pure and fast, for the reports page and ``python -m simulator what-if`` (which also
checks a plan by simulation).
"""

from __future__ import annotations

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
