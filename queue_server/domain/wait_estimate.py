"""The estimated wait printed on a ticket (DESIGN.md section 3)."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

#: service time assumed before any ticket of a service has been served
DEFAULT_SERVICE_S = 300.0


def mean_service_time(
    recent_service_s: Sequence[float], default_s: float = DEFAULT_SERVICE_S
) -> float:
    """Mean of recent service times, ignoring absurd values, or the default."""
    sane = [s for s in recent_service_s if 5 <= s <= 4 * 3600]
    return fmean(sane) if sane else default_s


def estimated_wait_s(ahead: int, mean_service_s: float, open_counters: int) -> int:
    """People ahead × mean service time ÷ counters open for the service, in whole seconds."""
    if ahead <= 0:
        return 0
    return round(ahead * mean_service_s / max(open_counters, 1))
