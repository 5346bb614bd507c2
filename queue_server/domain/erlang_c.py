"""Erlang C: the queueing formulas behind the staffing what-if.

Citizens arrive at random (Poisson), each needs an exponential service time with
mean ``aht_s`` (average handling time), ``agents`` counters serve one queue in order.
The offered load ``A = arrival rate × aht`` is measured in Erlangs. These formulas
hold in the steady state; the simulation checks how well they fit a real day.
"""

from __future__ import annotations

import math


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of Erlang B, by the stable recurrence B(n) = A·B(n-1)/(n + A·B(n-1))."""
    if agents < 0 or load < 0:
        raise ValueError("agents and load must not be negative")
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def probability_of_waiting(agents: int, load: float) -> float:
    """Erlang C: the chance that an arriving citizen has to wait (all counters busy).

    1.0 when the load reaches the number of counters: the queue grows without end.
    """
    if load <= 0:
        return 0.0
    if agents <= load:
        return 1.0
    b = erlang_b(agents, load)
    return agents * b / (agents - load * (1 - b))


def service_level(agents: int, load: float, aht_s: float, target_s: float) -> float:
    """P(wait ≤ target) = 1 − C · e^(−(N − A)·t / AHT)."""
    if load <= 0:
        return 1.0
    if agents <= load:
        return 0.0
    c = probability_of_waiting(agents, load)
    return 1.0 - c * math.exp(-(agents - load) * target_s / aht_s)


def average_speed_of_answer(agents: int, load: float, aht_s: float) -> float:
    """Mean wait over all citizens (ASA) = C · AHT / (N − A), in seconds."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return math.inf
    return probability_of_waiting(agents, load) * aht_s / (agents - load)


def agents_needed(
    load: float, aht_s: float, target_fraction: float, target_s: float, max_agents: int = 1000
) -> int:
    """The smallest number of counters whose service level meets the target."""
    if not 0 < target_fraction < 1:
        raise ValueError("the target fraction must be between 0 and 1 (e.g. 0.8)")
    if load <= 0:
        return 0
    agents = max(1, math.floor(load) + 1)
    while agents <= max_agents:
        if service_level(agents, load, aht_s, target_s) >= target_fraction:
            return agents
        agents += 1
    raise ValueError(f"more than {max_agents} counters would be needed")
