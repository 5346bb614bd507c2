"""The daily roll-up gives the figures a live count gives, on SQLite and PostgreSQL.

Checked against the independent per-ticket computation of ``known_day``: counts, sums,
means, service level, ratings and longest wait exactly; medians and p90 read from the
stored buckets within the bound ``duration_buckets.error_bound`` states.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.cli import main as cli_main
from queue_server.day_rollover import DayRollover
from queue_server.statistics import ReportFilter, build_report
from queue_server.statistics.daily_rollup import SiteDays, days_between, refresh
from queue_server.statistics.duration_buckets import error_bound
from queue_server.statistics.report_query import reading_engine
from queue_server.storage.database import make_engine, make_session_factory
from queue_server.storage.tables import DailyRollup, DailyRollupDay, Site
from queue_server.ticket_issuer import issue_ticket
from tests.queue_server.statistics.known_day import (
    DAY,
    Spec,
    expected,
    in_range,
    local,
    p,
    prepare_database,
    r1,
    write_specs,
)

WEDNESDAY = DAY + timedelta(days=2)
SUNDAY_TO_TUESDAY = {"from": "2025-03-02", "to": "2025-03-04"}
EXACT = ("issued", "served", "no_show", "transferred", "expired", "waiting",
         "service_level_pct", "ratings", "satisfied_pct", "estimate_mae_s")


def report(engine, args, today, rollups=None):
    reader = reading_engine(engine)
    with Session(reader) as session:
        site = session.scalar(select(Site))
        return build_report(session, reader, site, ReportFilter.parse(args, today), today,
                            rollups=rollups)


def store(sessions, first: date, last: date, today: date, again=False):
    with sessions() as session:
        site = SiteDays.of(session.scalar(select(Site)))
    return refresh(sessions, site, today, days_between(first, last), again=again)


def assert_close(got: dict, want: dict, label="") -> None:
    """Exact figures equal; median and p90 within the stated bound (plus rounding)."""
    assert {k: got[k] for k in EXACT} == {k: want[k] for k in EXACT}, label
    assert got["wait_s"]["mean"] == want["wait_s"]["mean"], label
    assert got["wait_s"]["max"] == want["wait_s"]["max"], label
    assert got["service_s"]["mean"] == want["service_s"]["mean"], label
    for kind in ("wait_s", "service_s"):
        for q in ("median", "p90"):
            exact, approx = want[kind][q], got[kind][q]
            if exact is None:
                assert approx is None, (label, kind, q)
                continue
            assert abs(approx - exact) <= error_bound(exact) + 0.1, (label, kind, q, approx, exact)


def stored_rows(sessions):
    with sessions() as session:
        rows = session.execute(select(DailyRollup).order_by(
            DailyRollup.day, DailyRollup.service_id, DailyRollup.counter_id,
            DailyRollup.officer_id, DailyRollup.hour)).scalars().all()
        days = session.execute(select(DailyRollupDay).order_by(DailyRollupDay.day)).scalars().all()
        return ([{c.key: getattr(r, c.key) for c in r.__table__.c if c.key != "id"} for r in rows],
                [(d.day, d.tickets, d.histograms) for d in days])


def test_same_figures_with_the_roll_up_missing_and_present(known_db):
    engine, sessions, specs, users = known_db
    want = expected(in_range(specs, DAY - timedelta(days=1), DAY + timedelta(days=1)), WEDNESDAY)

    missing = report(engine, SUNDAY_TO_TUESDAY, WEDNESDAY)  # nothing stored: counted live
    assert {k: missing.summary[k] for k in want} == want
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DailyRollupDay)) == 0

    present = report(engine, SUNDAY_TO_TUESDAY, WEDNESDAY, rollups=sessions)  # stores them
    with sessions() as session:
        assert sorted(session.scalars(select(DailyRollupDay.day))) == days_between(
            DAY - timedelta(days=1), DAY + timedelta(days=1))
    again = report(engine, SUNDAY_TO_TUESDAY, WEDNESDAY)  # read from the stored days
    for got in (present, again):
        assert_close(got.summary, want)
        assert got.by_day == missing.by_day
        assert got.summary["by_hour"] == missing.summary["by_hour"]
        assert got.heat_map == missing.heat_map and got.busiest_hours == missing.busiest_hours
        for key in ("by_service", "by_counter"):
            assert [r[key[3:]] for r in got.summary[key]] == [
                r[key[3:]] for r in missing.summary[key]]
            for mine, live in zip(got.summary[key], missing.summary[key], strict=True):
                assert_close(mine, live, mine[key[3:]])
        for mine, live in zip(got.by_officer, missing.by_officer, strict=True):
            assert mine["officer"] == live["officer"]
            assert_close(mine, live, mine["officer"])


@pytest.mark.parametrize("key, value", [("service", "A"), ("service", "D"), ("counter", "2"),
                                        ("counter", "6"), ("officer", "canbo2")])
def test_filters_from_the_roll_up(known_db, key, value):
    engine, sessions, specs, users = known_db
    store(sessions, DAY - timedelta(days=1), DAY + timedelta(days=1), WEDNESDAY)
    attr = {"service": "service", "counter": "counter", "officer": "officer"}[key]
    arg = str(users[value]) if key == "officer" else value
    subset = [s for s in in_range(specs, DAY - timedelta(days=1), DAY + timedelta(days=1))
              if getattr(s, attr) == value]
    got = report(engine, {**SUNDAY_TO_TUESDAY, key: arg}, WEDNESDAY)
    assert_close(got.summary, expected(subset, WEDNESDAY), f"{key}={value}")


def test_today_is_live_and_merged_with_stored_days(known_db):
    engine, sessions, specs, _ = known_db
    tuesday = DAY + timedelta(days=1)
    got = report(engine, {"from": "2025-03-02", "to": "2025-03-04"}, tuesday, rollups=sessions)
    with sessions() as session:  # Sunday and Monday stored, Tuesday (today) not
        assert sorted(session.scalars(select(DailyRollupDay.day))) == [DAY - timedelta(days=1),
                                                                        DAY]
    assert_close(got.summary, expected(in_range(specs, DAY - timedelta(days=1), tuesday),
                                       tuesday))
    assert [d["day"] for d in got.by_day] == ["2025-03-02", "2025-03-03", "2025-03-04"]


def test_storing_again_changes_nothing_and_empty_days_are_stored(known_db):
    engine, sessions, *_ = known_db
    first = store(sessions, DAY - timedelta(days=3), DAY + timedelta(days=1), WEDNESDAY)
    assert len(first.stored) == 5
    before = stored_rows(sessions)
    assert [t for _, t, _ in before[1]] == [0, 0, 2, 39, 1]  # Fri, Sat empty; cancelled not
    second = store(sessions, DAY - timedelta(days=3), DAY + timedelta(days=1), WEDNESDAY)
    assert second.stored == [] and second.changed == []  # already stored: nothing to do
    store(sessions, DAY - timedelta(days=3), DAY + timedelta(days=1), WEDNESDAY, again=True)
    assert stored_rows(sessions) == before


def test_cli_rollup(known_db, tmp_path, capsys, database_url):
    config = tmp_path / "server.toml"
    config.write_text(f'site = "camau-hcc"\ndatabase_url = "{database_url}"\n'
                      f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    assert cli_main(["rollup", "--config", str(config), "--from", "2025-03-02",
                     "--to", "2025-03-04"]) == 0
    assert "3 days stored" in capsys.readouterr().out
    engine, sessions, specs, _ = known_db
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DailyRollupDay)) == 3
    got = report(engine, SUNDAY_TO_TUESDAY, WEDNESDAY)
    assert_close(got.summary, expected(in_range(specs, DAY - timedelta(days=1),
                                                DAY + timedelta(days=1)), WEDNESDAY))
    assert cli_main(["rollup", "--config", str(config), "--from", "2025-3-2"]) == 2
    assert "--from" in capsys.readouterr().err


# --- a busy day: the bucket percentiles against the exact ones


def busy_day(n: int, seed: int) -> list[Spec]:
    rng = random.Random(seed)
    day = date(2025, 3, 5)
    specs = []
    for i in range(n):
        code = "ABCU"[i % 4]
        issued = local(day, 7, 0) + timedelta(seconds=rng.randrange(9 * 3600))
        wait = int(rng.gammavariate(1.6, 700)) if rng.random() > 0.02 else None
        service_s = 30 + int(rng.gammavariate(2.2, 180))
        status = "done" if wait is not None and rng.random() > 0.08 else "no_show"
        if wait is None:
            status, service_s = "expired", None
        elif status == "no_show":
            service_s = None
        counter = {"A": "1", "B": "3", "C": "5", "U": "6"}[code] if wait is not None else None
        specs.append(Spec(f"{code}{i // 4 + 1:03d}", code, code, day, issued, wait, service_s,
                          status, False, False, rng.choice((None, 1, 2, 3, 4)),
                          max(0, (wait or 0) + rng.randint(-300, 300)), counter,
                          "canbo1" if counter else None))
    return specs


def test_bucket_percentiles_within_the_bound_on_a_busy_day(database_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    prepare_database(engine, sessions)
    specs = busy_day(3000, 7)
    write_specs(sessions, specs)
    day = date(2025, 3, 5)
    thursday = day + timedelta(days=1)
    got = report(engine, {"from": "2025-03-05", "to": "2025-03-05"}, thursday, rollups=sessions)
    with sessions() as session:
        assert session.scalar(select(DailyRollupDay.tickets)) == 3000
    waits = [s.wait_s for s in specs if s.wait_s is not None]
    services = [s.service_s for s in specs if s.status == "done"]
    for name, values, figure in (("wait", waits, got.summary["wait_s"]),
                                 ("service", services, got.summary["service_s"])):
        for q, key in ((0.5, "median"), (0.9, "p90")):
            exact = r1(p(values, q))
            assert abs(figure[key] - exact) <= error_bound(exact) + 0.1, (name, key)
    assert_close(got.summary, expected(specs, thursday))
    for row in got.summary["by_service"]:
        subset = [s for s in specs if s.service == row["service"]]
        assert_close(row, expected(subset, thursday), row["service"])
    engine.dispose()


# --- late changes through the real counter actions


def test_a_late_rating_stores_the_day_again(in_process_hall):
    h = in_process_hall
    h.clock.now = datetime(2026, 11, 25, 16, 40, tzinfo=UTC)  # 23:40 in Cà Mau
    issue_ticket(h.hall, service_code="B", priority=False, idempotency_key=None)  # open late
    h.clock.advance(minutes=5)
    assert h.command("3", "next").state.ticket == "B001"
    h.clock.advance(minutes=12)
    assert h.command("3", "complete").state.result == "ok"  # 23:57
    h.clock.now = datetime(2026, 11, 25, 17, 0, 30, tzinfo=UTC)  # 00:00:30 the next day
    rollover = DayRollover(h.publisher)
    rollover.check()  # stores the finished days of the last week
    engine = h.hall.sessions.kw["bind"]
    day, today = date(2026, 11, 25), date(2026, 11, 26)
    args = {"from": "2026-11-25", "to": "2026-11-25"}
    with h.hall.sessions() as session:
        assert list(session.scalars(select(DailyRollupDay.day).order_by(
            DailyRollupDay.day))) == days_between(day - timedelta(days=6), day)
    before = report(engine, args, today).summary
    assert before["served"] == 1 and before["ratings"]["4"] == 0
    assert before["wait_s"]["max"] == 300 and before["service_s"]["mean"] == 720.0

    assert h.command("3", "rate", rating=4).state.result == "ok"  # after midnight
    stale = report(engine, args, today).summary  # the stored day, not yet looked at again
    assert stale["ratings"]["4"] == 0
    rollover.check()
    after = report(engine, args, today).summary
    assert after["ratings"] == {"1": 0, "2": 0, "3": 0, "4": 1}
    assert after["satisfied_pct"] == 100.0
    with h.hall.sessions() as session:
        assert session.scalar(select(func.count()).select_from(DailyRollupDay)) == 7
