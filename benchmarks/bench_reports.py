"""Manager figures over one year of a busy centre (1,000,000 tickets), SQLite and PostgreSQL.

The tickets are written straight into the database (executemany on SQLite, COPY on
PostgreSQL), not through the API: issuing a million tickets one request at a time
would measure the ticket API, not the reports. The SQLite file is kept in
``var/bench/`` so a second run starts measuring at once. Requests go through the
real Flask app (test client, in process) with a logged-in manager.

Finished days are read from the daily roll-up: a running server stores each day at
the rollover; here the year is stored once with the ``rollup`` command (timed and
reported as its own figure) before the requests are timed.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.figures import Figure
from queue_server.statistics.rollup_command import roll_up_command

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench"
SITE_FILE = ROOT / "firmware_config" / "examples" / "site.toml"
TICKETS = 1_000_000
YEAR = 2025
#: bump when the generated data changes, so a stale cached file is rebuilt
DATA_VERSION = 2
MANAGER = ("bench-manager", "bench-manager-password")
GOAL = "< 1 s"
REPEATS = 3

#: share of arrivals per service code, and per local hour (a morning peak)
SERVICE_SHARE = {"A": 0.25, "B": 0.22, "C": 0.15, "D": 0.12, "E": 0.16, "U": 0.10}
HOUR_SHARE = {7: 10, 8: 16, 9: 15, 10: 12, 11: 4, 13: 6, 14: 12, 15: 12, 16: 8}

TICKET_COLUMNS = (
    "public_id", "site_id", "service_id", "issue_service_id", "service_day", "sequence",
    "number", "priority", "status", "transferred", "issued_at", "called_at", "done_at",
    "counter_id", "officer_id", "ahead_at_issue", "estimated_wait_s", "rating",
)

Progress = Callable[[str], None]


@dataclass
class SiteIds:
    site_id: int
    tz: ZoneInfo
    services: dict[str, tuple[int, str]]  # code → (id, prefix)
    counters_of: dict[str, list[int]]  # service code → counter ids
    officers: list[int]


def _working_days() -> list[date]:
    """Monday to Friday, plus Saturday mornings (weekday 6) as many centres do."""
    day, days = date(YEAR, 1, 1), []
    while day.year == YEAR:
        if day.isoweekday() <= 6:
            days.append(day)
        day += timedelta(days=1)
    return days


def _tickets(ids: SiteIds, progress: Progress) -> Iterator[tuple]:
    """The year's tickets as rows of ``TICKET_COLUMNS`` (aware UTC datetimes)."""
    rng = random.Random(20250101)
    days = _working_days()
    weights = [1.0 if d.isoweekday() <= 5 else 0.5 for d in days]
    per_weight = TICKETS / sum(weights)
    made, ticket_no = 0, 0
    hours_all = list(HOUR_SHARE)
    for index, day in enumerate(days):
        if index % 30 == 0:
            progress(f"generating tickets: {made:,} of {TICKETS:,}")
        saturday = day.isoweekday() == 6
        hours = [h for h in hours_all if not saturday or h < 12]
        hour_weights = [HOUR_SHARE[h] for h in hours]
        remaining = TICKETS - made
        day_total = remaining if index == len(days) - 1 else round(per_weight * weights[index])
        day_total = min(day_total, remaining)
        midnight = datetime(day.year, day.month, day.day, tzinfo=ids.tz)
        staff = {cid: ids.officers[(cid + index) % len(ids.officers)]
                 for cids in ids.counters_of.values() for cid in cids}
        for code, share in SERVICE_SHARE.items():
            service_id, prefix = ids.services[code]
            count = round(day_total * share) if code != "U" else day_total - sum(
                round(day_total * s) for c, s in SERVICE_SHARE.items() if c != "U")
            picks = sorted(
                h * 3600 + rng.randrange(3600) for h in rng.choices(hours, hour_weights, k=count)
            )
            for seq, second in enumerate(picks, 1):
                ticket_no += 1
                issued = (midnight + timedelta(seconds=second)).astimezone(UTC)
                busy = 1.6 if second // 3600 in (8, 9, 14) else 1.0
                wait = int(rng.gammavariate(2.0, 300 * busy))
                counter = rng.choice(ids.counters_of[code])
                r = rng.random()
                called = done = rating = None
                transferred = False
                counter_id = officer_id = None
                if r < 0.01:
                    status = "cancelled"
                elif r < 0.03:
                    status = "expired"
                else:
                    called = issued + timedelta(seconds=wait)
                    counter_id, officer_id = counter, staff[counter]
                    if r < 0.09:
                        status = "no_show"
                        done = called + timedelta(seconds=90)
                    else:
                        status = "done"
                        done = called + timedelta(seconds=60 + int(rng.gammavariate(2.5, 160)))
                        transferred = r > 0.97
                        if rng.random() < 0.6:
                            rating = rng.choices((4, 3, 2, 1), (50, 30, 15, 5))[0]
                estimate = max(0, wait + int(rng.gauss(0, 240)))
                yield (
                    f"bench{ticket_no}", ids.site_id, service_id, service_id, day, seq,
                    f"{prefix}{seq:03d}", code == "U", status, transferred, issued, called,
                    done, counter_id, officer_id, seq // 4, estimate, rating,
                )
            made += count
    progress(f"generated {made:,} tickets")


def _prepare_schema(url: str, progress: Progress) -> SiteIds:
    """Schema by Alembic, the example site, a dozen officers and a manager account."""
    from sqlalchemy import select

    from queue_server.accounts import create_user
    from queue_server.domain.site_spec import parse_site
    from queue_server.site_loader import load_site
    from queue_server.storage.database import make_engine, make_session_factory
    from queue_server.storage.migrate import upgrade
    from queue_server.storage.tables import Counter, CounterService, Service, Site, User

    engine = make_engine(url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        spec = parse_site(SITE_FILE.read_text(encoding="utf-8"), str(SITE_FILE))
        load_site(session, spec)
        site = session.scalar(select(Site).where(Site.code == spec.id))
        officers = []
        for n in range(1, 13):
            user = create_user(session, f"canbo{n:02d}", "bench-officer-pw", "officer",
                               full_name=f"Cán bộ {n:02d}")
            officers.append(user.id)
        create_user(session, *MANAGER, "manager")
        services = {s.code: (s.id, s.prefix) for s in
                    session.scalars(select(Service).where(Service.site_id == site.id))}
        counters_of: dict[str, list[int]] = {code: [] for code in services}
        for code, cid in session.execute(
            select(Service.code, Counter.id)
            .join(CounterService, CounterService.service_id == Service.id)
            .join(Counter, Counter.id == CounterService.counter_id)
            .where(Service.site_id == site.id)
        ):
            counters_of[code].append(cid)
        ids = SiteIds(site.id, ZoneInfo(site.timezone), services, counters_of, officers)
        assert session.scalar(select(User.id).where(User.username == MANAGER[0]))
    engine.dispose()
    progress("schema, site and accounts ready")
    return ids


def _sqlite_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def build_sqlite(path: Path, progress: Progress) -> str:
    """The cached year on SQLite (rebuilt only when missing or from an older generator)."""
    url = f"sqlite:///{path}"
    marker = path.with_suffix(".version")
    if path.exists() and marker.exists() and marker.read_text() == str(DATA_VERSION):
        progress(f"using cached {path}")
        return url
    for stale in (path, marker, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = _prepare_schema(url, progress)
    started = time.monotonic()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    sql = (f"INSERT INTO tickets ({', '.join(TICKET_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(TICKET_COLUMNS))})")
    batch: list[tuple] = []
    for row in _tickets(ids, progress):
        row = list(row)
        row[4] = row[4].isoformat()
        row[10], row[11], row[12] = map(_sqlite_text, row[10:13])
        batch.append(row)
        if len(batch) >= 20000:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    marker.write_text(str(DATA_VERSION))
    progress(f"SQLite year written in {time.monotonic() - started:.0f} s")
    return url


def build_postgresql(url: str, progress: Progress) -> None:
    """The same year on PostgreSQL through COPY."""
    import psycopg

    ids = _prepare_schema(url, progress)
    started = time.monotonic()
    from sqlalchemy.engine import make_url

    sa_url = make_url(url)
    dsn = sa_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY tickets ({', '.join(TICKET_COLUMNS)}) FROM STDIN") as copy:
            for row in _tickets(ids, progress):
                copy.write_row(row)
        cur.execute("ANALYZE tickets")
    progress(f"PostgreSQL year written in {time.monotonic() - started:.0f} s")


def _app_client(url: str, data_dir: Path):
    from queue_server.runtime import Runtime
    from queue_server.server_config import ServerConfig
    from queue_server.storage.migrate import upgrade
    from queue_server.web import create_app

    config = ServerConfig(site="camau-hcc", database_url=url, mqtt_url=None,
                          data_dir=data_dir, secret_key="bench-secret-key")
    runtime = Runtime.build(config)
    upgrade(runtime.engine)  # a cached file may predate the roll-up tables
    app = create_app(runtime, testing=True)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    reply = client.post("/login", data={"username": MANAGER[0], "password": MANAGER[1]})
    if reply.status_code != 302:
        raise RuntimeError(f"bench manager cannot log in: {reply.status_code}")
    return runtime, client


def _timed(client, path: str) -> float:
    """The median of a few runs of one request, in seconds (after one warm-up)."""
    reply = client.get(path)
    if reply.status_code != 200:
        raise RuntimeError(f"{path} answered {reply.status_code}: {reply.data[:300]!r}")
    samples = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        reply = client.get(path)
        samples.append(time.perf_counter() - t0)
        assert reply.status_code == 200
    return statistics.median(samples)


def _measure(db: str, url: str, data_dir: Path, progress: Progress) -> list[Figure]:
    runtime, client = _app_client(url, data_dir)
    year = f"from={YEAR}-01-01&to={YEAR}-12-31"
    month = f"from={YEAR}-10-01&to={YEAR}-10-31"
    method = (f"median of {REPEATS} requests after a warm-up, Flask test client in process, "
              f"{TICKETS:,} tickets in {YEAR}")
    figures = []
    try:
        progress(f"{db}: storing the daily roll-up of {YEAR}")
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            roll_up_command(runtime.engine, "camau-hcc", f"{YEAR}-01-01", f"{YEAR}-12-31")
        figures.append(Figure(
            f"daily roll-up of one year, once ({db})", time.perf_counter() - started, "s",
            "one-off", "`python -m queue_server rollup` over 365 days, one transaction per day",
        ))
        for label, path in (
            ("stats summary, one year", f"/api/v1/stats/summary?{year}"),
            ("stats summary, one month", f"/api/v1/stats/summary?{month}"),
            ("/reports page, one year", f"/reports?{year}"),
            ("/reports page, one month", f"/reports?{month}"),
        ):
            progress(f"{db}: timing {label}")
            seconds = _timed(client, path)
            figures.append(Figure(f"{label} ({db})", seconds, "s", GOAL, method))
    finally:
        runtime.stop()
    return figures


def run(progress: Progress) -> list[Figure]:
    figures: list[Figure] = []
    CACHE.mkdir(parents=True, exist_ok=True)
    sqlite_url = build_sqlite(CACHE / "reports-year.db", progress)
    figures += _measure("SQLite", sqlite_url, CACHE, progress)

    from tests.support.postgres import create_schema, drop_schema

    try:
        schema, pg_url = create_schema()
    except ConnectionError as exc:
        progress(f"PostgreSQL skipped: {exc}")
        figures.append(Figure("reports on PostgreSQL", "skipped", "", GOAL,
                              f"no server: {exc}"[:120]))
        return figures
    try:
        build_postgresql(pg_url, progress)
        figures += _measure("PostgreSQL", pg_url, CACHE, progress)
    finally:
        drop_schema(schema)
    return figures


if __name__ == "__main__":  # a quick look without rewriting BENCHMARKS.md
    for fig in run(lambda text: print(" …", text, flush=True)):
        print(fig.name, fig.value_text())
    os._exit(0)
