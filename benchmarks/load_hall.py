"""A real hall for benchmarks: Mosquitto and the server on a load-test site, torn down after.

Not a benchmark itself (no ``run``): the ``bench_*`` modules of the queue, MQTT,
simulation and processes share it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from simulator.hall_profile import PROFILES, load_profile
from simulator.hall_stack import HallStack
from simulator.site_for_profile import KIOSK, site_file_text

#: 20 counters, services A..E with no daily limit and no opening hours
LOAD_PROFILE = PROFILES / "big_hall.toml"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def thirty_counter_profile():
    """The load-test hall with 30 counters, each serving two fields."""
    from dataclasses import replace

    from simulator.hall_profile import CounterProfile

    base = load_profile(LOAD_PROFILE)
    codes = [f.code for f in base.fields]
    counters = tuple(
        CounterProfile(str(n), (codes[n % len(codes)], codes[(n + 1) % len(codes)]),
                       base.counters[0].shifts)
        for n in range(1, 31)
    )
    return replace(base, counters=counters)


@contextlib.contextmanager
def running_hall(profile=None, database_url: str | None = None,
                 threads: int | None = None) -> Iterator[HallStack]:
    """Broker + server (a subprocess each) with the profile's site loaded."""
    profile = profile or load_profile(LOAD_PROFILE)
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        workdir = Path(tmp)
        site_file = workdir / "site.toml"
        site_file.write_text(site_file_text(profile), encoding="utf-8")
        stack = HallStack(workdir, site_file=site_file, site=profile.site, http_port=0,
                          mqtt_port=0, database_url=database_url)
        try:
            stack.start_broker()
            stack.start_server()
            yield stack
        finally:
            stack.stop()


def kiosk_token(stack: HallStack) -> str:
    return stack.tokens[KIOSK]


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema (dropped afterwards); raises ConnectionError if none."""
    import sqlalchemy as sa

    base = os.environ.get("MOTCUA_TEST_PG_URL", DEFAULT_PG_URL)
    schema = f"motcua_bench_{secrets.token_hex(4)}"
    try:
        engine = sa.create_engine(base, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:
        raise ConnectionError(f"PostgreSQL not reachable at {base}: {exc}") from None
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def proc_status(pid: int, key: str) -> int:
    """A ``/proc/PID/status`` figure in kB (VmRSS, VmHWM …)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
