"""Staffing what-if: counters needed per hour for a service-level target.

``staffing_plan`` is pure and fast (Erlang C), for the reports page and the CLI;
``simulated_service_levels`` checks a plan by simulating the day many times with
exactly that staffing, because Erlang C assumes a steady state that an hour with
a queue carried over from the hour before does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from queue_server.domain.staffing_plan import (  # noqa: F401
    HourPlan,
    ReservedHour,
    reserved_counters,
    staffing_plan,
)
from simulator.hall_profile import CounterProfile, FieldProfile, HallProfile


def plan_as_profile(
    plans: Sequence[HourPlan],
    mean_service_s: float,
    service_cv: float,
    target_wait_s: float,
    field_code: str = "A",
) -> HallProfile:
    """A one-field hall staffed as the plan says: counter k works the hours needing ≥ k.

    No no-shows and no priority: the question is pure capacity.
    """
    field = FieldProfile(
        code=field_code,
        arrivals_per_hour={p.hour: p.arrivals for p in plans},
        service_mean_s=mean_service_s,
        service_cv=service_cv,
        target_wait_s=target_wait_s,
    )
    counters = []
    for k in range(1, max((p.counters for p in plans), default=0) + 1):
        hours = [p.hour for p in plans if p.counters >= k]
        spans: list[tuple[float, float]] = []
        for h in hours:
            if spans and spans[-1][1] == h * 3600:
                spans[-1] = (spans[-1][0], (h + 1) * 3600.0)
            else:
                spans.append((h * 3600.0, (h + 1) * 3600.0))
        if spans:  # the last shift runs on until the queue is empty at day's end
            last = spans[-1]
            if last[1] == (plans[-1].hour + 1) * 3600:
                spans[-1] = (last[0], 24 * 3600.0)
        counters.append(CounterProfile(str(k), (field_code,), tuple(spans)))
    return HallProfile(
        fields=(field,), counters=tuple(counters), no_show_share=0.0, priority_share=0.0
    )


def simulated_service_levels(
    profile: HallProfile,
    runs: int = 200,
    seed: int = 1,
    exponential_service: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[int, tuple[float, float]]:
    """Hour → (share called within target, mean wait s), pooled over ``runs`` simulated days."""
    from simulator.day_simulation import simulate_day

    target = profile.fields[0].target_wait_s
    within: dict[int, int] = {}
    called: dict[int, int] = {}
    waited: dict[int, float] = {}
    for run in range(runs):
        result = simulate_day(profile, seed + run, exponential_service=exponential_service)
        for t in result.tickets:
            if t.wait_s is None:
                continue
            hour = int(t.issued_at // 3600)
            called[hour] = called.get(hour, 0) + 1
            within[hour] = within.get(hour, 0) + (t.wait_s <= target)
            waited[hour] = waited.get(hour, 0.0) + t.wait_s
        if on_progress:
            on_progress(run + 1, runs)
    return {h: (within[h] / called[h], waited[h] / called[h]) for h in sorted(called)}


_TARGET = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*%\s*(?:within|trong)\s*(\d+(?:\.\d+)?)\s*(?:min|phút|m)\w*\s*$"
)


def parse_target(text: str) -> tuple[float, float]:
    """``"80% within 15 min"`` (or ``"80% trong 15 phút"``) → (0.8, 900.0)."""
    m = _TARGET.match(text.lower())
    if not m:
        raise ValueError(f'a target looks like "80% within 15 min", got {text!r}')
    fraction, minutes = float(m.group(1)) / 100, float(m.group(2))
    if not 0 < fraction < 1:
        raise ValueError("the target share must be between 0 % and 100 %")
    return fraction, minutes * 60


def parse_arrivals(text: str) -> list[tuple[int, float]]:
    """``"8:20,9:35,10:30"`` (hour:arrivals) → [(8, 20.0), (9, 35.0), (10, 30.0)].

    Plain numbers (``"20,35,30"``) are accepted too and numbered from 8 o'clock.
    """
    out: list[tuple[int, float]] = []
    for i, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        if ":" in part:
            hour_text, count_text = part.split(":", 1)
            hour = int(hour_text)
        else:
            hour, count_text = 8 + i, part
        count = float(count_text)
        if not 0 <= hour <= 23 or count < 0:
            raise ValueError(f"bad hour:arrivals pair {part!r}")
        out.append((hour, count))
    if not out:
        raise ValueError("no arrivals given")
    hours = [h for h, _ in out]
    if hours != list(range(hours[0], hours[0] + len(hours))):
        raise ValueError("the hours must follow each other (8:…,9:…,10:…)")
    return out


def checked_staffing(
    plans: Sequence[HourPlan],
    mean_service_s: float,
    service_cv: float,
    target_fraction: float,
    target_wait_s: float,
    runs: int = 300,
    seed: int = 1,
    max_rounds: int = 6,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[list[int], dict[int, tuple[float, float]]]:
    """Counters per hour after simulation: an hour whose simulated service level misses
    the target gets one more counter, until every hour meets it (or ``max_rounds``).

    Returns (counters per hour, hour → (simulated share within target, mean wait s)).
    """
    from dataclasses import replace

    current = list(plans)
    levels: dict[int, tuple[float, float]] = {}
    for round_no in range(max_rounds):
        profile = plan_as_profile(current, mean_service_s, service_cv, target_wait_s)

        def report(done: int, total: int, r: int = round_no) -> None:
            if on_progress:
                on_progress(r * runs + done, max_rounds * runs)

        levels = simulated_service_levels(
            profile, runs, seed, exponential_service=service_cv == 1.0, on_progress=report
        )
        short = [p for p in current if levels.get(p.hour, (1.0, 0))[0] < target_fraction]
        if not short:
            break
        current = [replace(p, counters=p.counters + 1) if p in short else p for p in current]
    if on_progress:
        on_progress(1, 1)
    return [p.counters for p in current], levels
