"""A full simulated day (about 3,000 tickets, 20 counters) through the real hall, accelerated.

The day is planned by the offline simulation (simulator/profiles/big_hall.toml), then
driven live: HTTP ticket requests as a kiosk, MQTT commands as 20 counters, against
the real server subprocess and Mosquitto. Afterwards the database is reconciled
with what the driver saw. Also: how fast the offline simulation itself is.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure
from benchmarks.load_hall import LOAD_PROFILE
from simulator.day_figures import day_report
from simulator.day_simulation import simulate_day
from simulator.hall_profile import DEFAULT_PROFILE, load_profile
from simulator.replay import replay_day

SPEED = 300.0


def run(progress) -> list[Figure]:
    profile = load_profile(LOAD_PROFILE)
    t0 = time.perf_counter()
    days = 20
    for seed in range(1, days + 1):
        plan = simulate_day(profile, seed)
    offline_s = (time.perf_counter() - t0) / days
    progress(f"offline: {len(plan.tickets)} tickets in {offline_s * 1000:.0f} ms per day")
    camau = [day_report(simulate_day(load_profile(DEFAULT_PROFILE), s)).total for s in range(1, 21)]
    server_mae = sum(f.estimate_mae_s or 0 for f in camau) / len(camau)
    proposed_mae = sum(f.proposed_estimate_mae_s or 0 for f in camau) / len(camau)
    mean_wait = sum(f.wait_mean_s or 0 for f in camau) / len(camau)

    def shown(done: int, total: int) -> None:
        if done % max(1, total // 10) == 0:
            progress(f"replay ×{SPEED:g}: {done}/{total} citizens answered")

    with tempfile.TemporaryDirectory(prefix="motcua-replay-") as tmp:
        outcome = replay_day(
            profile, Path(tmp) / "replay", speed=SPEED, seed=1, on_progress=shown, timeout_s=600
        )
    live, audit = outcome.live, outcome.audit
    lost = live.planned - audit.tickets - sum(live.refused.values())
    duplicated = (audit.tickets - audit.distinct_numbers) + live.duplicate_calls
    how = (
        f"simulator/profiles/big_hall.toml (20 counters), day planned offline (seed 1), "
        f"driven live ×{SPEED:g}: kiosk HTTP + counter MQTT against the server subprocess and "
        f"Mosquitto, officers finish the queue; reconciled with the database"
    )
    called = f"{audit.called_tickets} called, {audit.statuses.get('waiting', 0)} still waiting"
    return [
        Figure(
            "Simulated day replayed live: tickets", audit.tickets, "", "≈ 3,000", f"{how}; {called}"
        ),
        Figure(
            "Simulated day replayed live: lost tickets",
            lost,
            "",
            "0",
            "planned citizens − refused − ticket rows in the database",
        ),
        Figure(
            "Simulated day replayed live: duplicated tickets/calls",
            duplicated,
            "",
            "0",
            "duplicate numbers in the database + duplicate 'calls' messages",
        ),
        Figure(
            "Simulated day replayed live: wall time",
            live.wall_s,
            "s",
            "-",
            f"10-hour day at ×{SPEED:g}",
        ),
        Figure(
            "Offline simulation of that day",
            offline_s * 1000,
            "ms",
            "seconds",
            f"pure discrete-event simulation, mean of {days} days of {len(plan.tickets)} tickets",
        ),
        Figure(
            "Estimated wait MAE, simple rule (ahead × mean ÷ counters)",
            server_mae / 60,
            "min",
            "-",
            f"offline, 20 simulated days of simulator/profiles/camau.toml (mean wait "
            f"{mean_wait / 60:.1f} min), queue_server.domain.wait_estimate.estimated_wait_s",
        ),
        Figure(
            "Estimated wait MAE, server's rule (staffed counters, free counters, breaks)",
            proposed_mae / 60,
            "min",
            "-",
            "same days; queue_server.domain.wait_estimate.queue_wait_s",
        ),
    ]
