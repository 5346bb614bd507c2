"""The report figures from the database equal a plain per-ticket computation.

Runs on SQLite and on PostgreSQL (``database_url``).
"""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.statistics import ReportFilter, ReportFilterError, build_report
from queue_server.statistics.report_query import ReportScope, reading_engine
from queue_server.statistics.ticket_rows import ticket_rows
from queue_server.storage.tables import Site
from tests.queue_server.statistics.known_day import DAY, TZ_HOURS, expected, in_range

FIGURES = ("issued", "served", "no_show", "transferred", "expired", "waiting", "wait_s",
           "service_s", "service_level_pct", "ratings", "satisfied_pct", "estimate_mae_s")


def report(known_db, args, today=DAY):
    engine, sessions, *_ = known_db
    reader = reading_engine(engine)
    with Session(reader) as session:
        site = session.scalar(select(Site))
        return build_report(session, reader, site, ReportFilter.parse(args, today), today)


def figures(summary):
    return {k: summary[k] for k in FIGURES}


def test_one_day_overall(known_db):
    specs = known_db[2]
    got = report(known_db, {"from": "2025-03-03", "to": "2025-03-03"})
    want = expected(in_range(specs, DAY, DAY), DAY)
    assert figures(got.summary) == want
    assert want["no_show"] > 0 and want["transferred"] > 0 and want["waiting"] == 3
    assert got.summary["from"] == got.summary["to"] == "2025-03-03"


def test_midnight_rollover_counts_yesterdays_waiting_as_expired(known_db):
    specs = known_db[2]
    sunday = DAY - timedelta(days=1)
    got = report(known_db, {"from": "2025-03-02", "to": "2025-03-03"})
    want = expected(in_range(specs, sunday, DAY), DAY)
    assert figures(got.summary) == want
    assert want["expired"] == 2
    # seen from Sunday itself, the evening ticket was still waiting
    on_sunday = report(known_db, {"from": "2025-03-02", "to": "2025-03-02"}, today=sunday)
    assert (on_sunday.summary["waiting"], on_sunday.summary["expired"]) == (1, 1)


@pytest.mark.parametrize("key, attr", [("service", "service"), ("counter", "counter")])
def test_breakdowns_equal_filtered_computation(known_db, key, attr):
    specs = in_range(known_db[2], DAY, DAY)
    got = report(known_db, {"from": "2025-03-03", "to": "2025-03-03"})
    rows = got.summary[f"by_{key}"]
    assert rows, key
    for row in rows:
        subset = [s for s in specs if getattr(s, attr) == row[key]]
        assert figures(row) == expected(subset, DAY), row[key]
        # the same figures through the filter
        filtered = report(known_db, {"from": "2025-03-03", "to": "2025-03-03", key: row[key]})
        assert figures(filtered.summary) == expected(subset, DAY)


def test_officer_filter_and_rows(known_db):
    specs = in_range(known_db[2], DAY, DAY)
    users = known_db[3]
    got = report(known_db, {"from": "2025-03-03", "to": "2025-03-03",
                            "officer": str(users["canbo2"])})
    assert figures(got.summary) == expected([s for s in specs if s.officer == "canbo2"], DAY)
    full = report(known_db, {"from": "2025-03-03", "to": "2025-03-03"})
    names = {r["officer"]: r for r in full.by_officer}
    assert set(names) == {"Nguyễn Văn officer", "Trần Thị Hai"}
    assert names["Trần Thị Hai"]["issued"] == got.summary["issued"]


def test_by_hour_heat_map_and_busiest(known_db):
    specs = [s for s in in_range(known_db[2], DAY, DAY) if s.status != "cancelled"]
    got = report(known_db, {"from": "2025-03-03", "to": "2025-03-03"})
    per_hour: dict[int, list] = {}
    for s in specs:
        per_hour.setdefault((s.issued + timedelta(hours=TZ_HOURS)).hour, []).append(s)
    assert [r["hour"] for r in got.summary["by_hour"]] == sorted(per_hour)
    for row in got.summary["by_hour"]:
        want = expected(per_hour[row["hour"]], DAY)
        assert row["issued"] == want["issued"]
        assert row["wait_s"]["mean"] == want["wait_s"]["mean"]
        assert row["service_level_pct"] == want["service_level_pct"]
    monday = got.heat_map["rows"][0]
    assert monday["weekday"] == 1
    assert dict(zip(got.heat_map["hours"], monday["cells"], strict=True)) == {
        h: len(v) for h, v in per_hour.items()}
    top = max(per_hour, key=lambda h: (len(per_hour[h]), -h))
    assert got.busiest_hours[0] == top
    assert [d["day"] for d in got.by_day] == ["2025-03-03"]


def test_empty_range_gives_nulls(known_db):
    got = report(known_db, {"from": "2025-01-01", "to": "2025-01-31"})
    assert got.summary["issued"] == 0
    assert got.summary["wait_s"]["mean"] is None
    assert got.summary["by_service"] == [] and got.summary["by_hour"] == []


def test_unknown_codes_are_refused(known_db):
    for args, param in (({"service": "Z"}, "service"), ({"counter": "99"}, "counter"),
                        ({"officer": "9999"}, "officer")):
        with pytest.raises(ReportFilterError) as caught:
            report(known_db, args)
        assert caught.value.param == param


def test_ticket_rows_for_export(known_db):
    engine, _, specs, _ = known_db
    reader = reading_engine(engine)
    flt = ReportFilter.parse({"from": "2025-03-02", "to": "2025-03-03"}, DAY)
    with Session(reader) as session:
        site = session.scalar(select(Site))
        scope = ReportScope.resolve(session, site, flt, DAY)
        rows = list(ticket_rows(session, scope, flt, DAY))
    want = sorted((s for s in in_range(specs, DAY - timedelta(days=1), DAY)
                   if s.status != "cancelled"), key=lambda s: s.issued)
    assert [r.number for r in rows] == [s.number for s in want]
    by_number = {(r.number, r.issued_at[:10]): r for r in rows}
    for s in want:
        r = by_number[(s.number, (s.issued + timedelta(hours=TZ_HOURS)).date().isoformat())]
        assert r.wait_s == s.wait_s
        assert r.service_s == (s.service_s if s.status == "done" else None)
        assert r.rating == s.rating and r.priority == s.priority
        assert r.issued_at.endswith("+07:00")
    assert [r.status for r in rows[:2]] == ["expired", "expired"]
