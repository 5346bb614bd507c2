"""Ticket issue throughput and latency: 50 concurrent kiosk clients, SQLite and PostgreSQL.

Debian's ``wrk`` (C, so the load generator is not the bottleneck) posts tickets with a
fresh Idempotency-Key each, against the real server subprocess (waitress, its default 32 threads)
with Mosquitto, on a site without daily limits.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

from benchmarks.figures import Figure
from benchmarks.load_hall import kiosk_token, postgres_schema, running_hall

CONNECTIONS = 50
SECONDS = 12
SCRIPT = Path(__file__).with_name("issue_tickets.lua")


def wrk_issue(url: str, token: str, seconds: int = SECONDS, connections: int = CONNECTIONS) -> dict:
    """Run wrk against ``url``; returns its JSON summary (times in microseconds)."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            url,
            "--",
            token,
            uuid.uuid4().hex[:8],
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")
    return json.loads(line)


def _measure(label: str, database_url: str | None, progress) -> list[Figure]:
    progress(f"{label}: starting server and broker")
    with running_hall(database_url=database_url) as stack:
        progress(f"{label}: {CONNECTIONS} clients for {SECONDS} s")
        r = wrk_issue(stack.server_url, kiosk_token(stack))
    ok = r["requests"] - r["non2xx"]
    rate = ok / (r["duration_us"] / 1e6)
    how = (
        f"wrk -c{CONNECTIONS} -d{SECONDS}s, POST /api/v1/tickets with a new Idempotency-Key "
        f"each, 5 fields, server subprocess (waitress 32 threads) + Mosquitto; {ok} tickets, "
        f"{r['non2xx']} non-2xx, {r['socket_errors']} socket errors"
    )
    return [
        Figure(
            f"Ticket issue throughput, {label}",
            rate,
            "tickets/s",
            "≥ 500/s on SQLite" if label == "SQLite" else "-",
            how,
        ),
        Figure(f"Ticket issue latency p50, {label}", r["p50_us"] / 1000, "ms", "-", how),
        Figure(f"Ticket issue latency p99, {label}", r["p99_us"] / 1000, "ms", "< 25 ms", how),
    ]


def run(progress) -> list[Figure]:
    if shutil.which("wrk") is None:
        return [
            Figure(
                "Ticket issue throughput",
                "not measured",
                "",
                "≥ 500/s",
                "wrk is not installed (apt install wrk)",
            )
        ]
    figures = _measure("SQLite", None, progress)
    try:
        with postgres_schema() as url:
            figures += _measure("PostgreSQL", url, progress)
    except ConnectionError as exc:
        figures.append(
            Figure("Ticket issue throughput, PostgreSQL", "not measured", "", "-", str(exc))
        )
    return figures
