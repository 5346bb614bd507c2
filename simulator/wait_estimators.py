"""The two ways of estimating a new ticket's wait that the simulation compares.

``server_estimate`` is DESIGN.md's simple rule (ahead × mean service ÷ counters listed
for the field). ``queue_aware_estimate`` and ``across_breaks`` are what the server
prints now (``queue_server.domain.wait_estimate.queue_wait_s``): only counters staffed
now count, each for its share of recent calls to the field; zero when a counter is
free; ``(ahead + 1 − idle)`` services when all are busy; stretched over breaks. The
simulation keeps its clock in seconds, so these adapt it to the server's instants.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from queue_server.domain import wait_estimate

#: the simulation's clock zero, as an instant for the server's functions
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _instant(seconds: float) -> datetime:
    return _EPOCH + timedelta(seconds=seconds)


def server_estimate(ahead: int, mean_service_s: float, open_counters: int) -> int:
    """DESIGN.md's rule: ahead × mean service ÷ counters listed for the field."""
    return wait_estimate.estimated_wait_s(ahead, mean_service_s, open_counters)


def queue_aware_estimate(
    ahead: int, mean_service_s: float, staffed_share: float, idle_counters: int
) -> int:
    """The server's estimate before breaks (see ``wait_estimate.queue_wait_s``)."""
    pace = wait_estimate.ServicePace(mean_service_s, staffed_share, idle_counters)
    return wait_estimate.queue_wait_s(ahead, pace, _EPOCH)


def across_breaks(now_s: float, wait_s: float, breaks: list[tuple[float, float]]) -> int:
    """``wait_estimate.across_breaks`` on the simulation's clock (seconds)."""
    return wait_estimate.across_breaks(
        _instant(now_s), wait_s, [(_instant(a), _instant(b)) for a, b in breaks]
    )
