"""Replay a simulated day through a real hall started on this machine.

Starts Mosquitto (or the fallback broker) and the real server on a fresh SQLite
database loaded with a site made from the profile, drives the day in live mode at
``speed`` × real time, and reconciles with the database: tickets issued, calls,
duplicates, and the accuracy of the estimated waits printed on the tickets.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from simulator.day_figures import Figures, day_report
from simulator.day_simulation import DayResult, simulate_day
from simulator.hall_audit import HallAudit, audit_hall
from simulator.hall_profile import HallProfile
from simulator.hall_stack import HallStack
from simulator.live_hall import LiveHall, LiveReport
from simulator.site_for_profile import KIOSK, site_file_text


@dataclass
class ReplayOutcome:
    plan: DayResult
    offline: Figures
    live: LiveReport
    audit: HallAudit
    speed: float


def replay_day(
    profile: HallProfile,
    workdir: Path,
    *,
    speed: float = 300.0,
    seed: int = 1,
    on_progress: Callable[[int, int], None] | None = None,
    timeout_s: float | None = None,
) -> ReplayOutcome:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    plan = simulate_day(profile, seed)
    site_file = workdir / "site.toml"
    site_file.write_text(site_file_text(profile), encoding="utf-8")
    stack = HallStack(workdir, site_file=site_file, site=profile.site, http_port=0, mqtt_port=0)
    try:
        stack.start_broker()
        stack.start_server()
        hall = LiveHall(
            server_url=stack.server_url,
            token=stack.tokens[KIOSK],
            mqtt_url=stack.mqtt_url,
            site=profile.site,
            plan=plan,
            speed=speed,
            on_progress=on_progress,
            finish_queue=True,
        )
        live = hall.run(timeout_s=timeout_s)
    finally:
        stack.stop()
    audit = audit_hall(f"sqlite:///{workdir / 'motcua.db'}", profile.site, speed)
    return ReplayOutcome(plan, day_report(plan).total, live, audit, speed)


def render_replay(outcome: ReplayOutcome) -> str:
    live, audit, offline = outcome.live, outcome.audit, outcome.offline

    def minutes(seconds: float | None) -> str:
        return "-" if seconds is None else f"{seconds / 60:.1f} min"

    refused = ", ".join(f"{k} {v}" for k, v in live.refused.items()) or "0"
    return "\n".join(
        [
            f"Replay at ×{outcome.speed:g}: {live.wall_s:.0f} s of wall time",
            f"  citizens planned          {live.planned}",
            f"  tickets issued (driver)   {live.issued}   refused: {refused}",
            f"  tickets in the database   {audit.tickets}",
            f"  lost / duplicated numbers {live.lost} / {live.duplicated_numbers}",
            f"  calls seen on the board   {live.calls} (+{live.recalls} recalls)",
            f"  'called' events in the DB {audit.called_events} "
            f"for {audit.called_tickets} tickets",
            f"  duplicate calls           {live.duplicate_calls}",
            f"  statuses                  {audit.statuses}",
            "",
            "Estimated wait printed on tickets vs the real wait (hall time):",
            f"  mean real wait            {minutes(audit.mean_wait_s)}"
            f"   (offline simulation of the same day: {minutes(offline.wait_mean_s)})",
            f"  mean printed estimate     {minutes(audit.mean_estimate_s)}",
            f"  mean absolute error       {minutes(audit.estimate_mae_s)}",
            f"  offline, server's rule    {minutes(offline.estimate_mae_s)}; "
            f"proposed rule {minutes(offline.proposed_estimate_mae_s)}",
        ]
    )
