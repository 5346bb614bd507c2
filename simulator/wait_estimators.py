"""Ways to estimate a new ticket's wait, compared by the simulation.

``server_estimate`` is the rule the server prints on tickets today (it calls the
server's own pure function). ``queue_aware_estimate`` is the proposed improvement:

- it counts only the counters actually staffed now (a counter that has called a
  ticket recently), not every counter the site file lists for the field: outside an
  officer's shift a counter serves nobody;
- a counter serving several fields gives each of them only its share of its time
  (measured as its share of recent calls);
- it adds the one service that must end before the citizen's own call when every
  counter is busy ((ahead + 1) / c services, the M/M/c expectation), and says zero
  when a counter is free.
"""

from __future__ import annotations

from queue_server.domain.wait_estimate import estimated_wait_s


def server_estimate(ahead: int, mean_service_s: float, open_counters: int) -> int:
    """What the server prints today: ahead × mean service ÷ counters listed for the field."""
    return estimated_wait_s(ahead, mean_service_s, open_counters)


def queue_aware_estimate(
    ahead: int, mean_service_s: float, staffed_share: float, idle_counters: int
) -> int:
    """The proposed estimate.

    ``staffed_share``: the sum, over counters that called a ticket recently and serve the
    field, of the share of that counter's recent calls that went to this field (a
    counter serving only this field counts 1). ``idle_counters``: staffed counters of
    the field with nobody at them now.
    """
    if ahead < idle_counters:
        return 0
    capacity = max(staffed_share, 1.0)
    return round((ahead + 1 - idle_counters) * mean_service_s / capacity)


def across_breaks(now_s: float, wait_s: float, breaks: list[tuple[float, float]]) -> int:
    """Stretch a wait over the breaks it runs into (e.g. the lunch break 11:30–13:30).

    ``breaks`` are (start, end) times, in the same clock as ``now_s``, when no counter
    serves the field; in the server these are the gaps between the service's opening
    hours. Work left at a break's start resumes at its end.
    """
    end = now_s + wait_s
    for start, stop in sorted(breaks):
        if stop <= now_s:
            continue
        if start <= now_s < stop:  # issued during the break: nothing moves until it ends
            end += stop - now_s
        elif start < end:
            end += stop - start
    return round(end - now_s)
