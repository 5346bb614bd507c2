"""A day of tickets with known timings, written straight into the tables, and plain
per-ticket arithmetic to check the report figures against.

Monday 2025-03-03 in Cà Mau (UTC+7): forty tickets over A, B, C and U with no-shows,
transfers (A → D), priority tickets, one cancelled ticket, ratings and three tickets
still waiting; Sunday evening left one ticket waiting past midnight (expired by the
rollover, even before the sweep) and one already swept to ``expired``; Tuesday has
one ticket outside a Monday report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from queue_server.accounts import create_user
from queue_server.domain.site_spec import parse_site
from queue_server.site_loader import load_site
from queue_server.storage.migrate import upgrade
from queue_server.storage.tables import Counter, Service, Site, Ticket

ROOT = Path(__file__).resolve().parents[3]
SITE_FILE = ROOT / "firmware_config" / "examples" / "site.toml"
DAY = date(2025, 3, 3)
TZ_HOURS = 7
STAFF = {
    "admin": ("quantri", "quan-tri-mat-khau-1"),
    "manager": ("lanhdao", "lanh-dao-mat-khau-1"),
    "officer": ("canbo1", "can-bo-mat-khau-1"),
}
SERVICES = ("A", "B", "C", "U")
#: counter number → the officer (by username) staffing it all day
COUNTER_OF = {"A": "1", "B": "3", "C": "5", "U": "6", "D": "2"}


@dataclass
class Spec:
    """One ticket as the test knows it (times as local datetimes)."""

    number: str
    service: str  # the service it ends in
    issue_service: str
    day: date
    issued: datetime
    wait_s: int | None
    service_s: int | None
    status: str
    transferred: bool
    priority: bool
    rating: int | None
    estimate: int
    counter: str | None
    officer: str | None


def local(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC) - timedelta(
        hours=TZ_HOURS
    )


def known_specs() -> list[Spec]:
    specs: list[Spec] = []
    seq: dict[tuple[date, str], int] = {}

    def number(day: date, service: str) -> str:
        seq[(day, service)] = seq.get((day, service), 0) + 1
        return f"{service}{seq[(day, service)]:03d}"

    for i in range(40):
        code = SERVICES[i % 4]
        issued = local(DAY, 7, 0) + timedelta(minutes=i * 7, seconds=i * 13)
        wait = (i * 97) % 1800 + 30
        service_s = 120 + (i * 53) % 600
        status, transferred, final = "done", False, code
        if i % 10 == 3:
            status, service_s = "no_show", None
        if i % 10 == 7:
            transferred, final = True, "D"
        if i == 5:
            status, wait, service_s = "cancelled", None, None
        if i >= 37:
            status, wait, service_s = "waiting", None, None
        rating = (i % 4) + 1 if status == "done" and i % 3 == 0 else None
        counter = COUNTER_OF[final] if wait is not None else None
        officer = ("canbo1" if counter in ("1", "2", "3") else "canbo2") if counter else None
        specs.append(Spec(number(DAY, code), final, code, DAY, issued, wait, service_s, status,
                          transferred, i % 8 == 0, rating, max(0, (wait or 0) + (i * 31) % 200
                                                                 - 100), counter, officer))
    sunday = DAY - timedelta(days=1)
    specs.append(Spec(number(sunday, "B"), "B", "B", sunday, local(sunday, 16, 55), None, None,
                      "waiting", False, False, None, 600, None, None))
    specs.append(Spec(number(sunday, "B"), "B", "B", sunday, local(sunday, 16, 58), None, None,
                      "expired", False, False, None, 700, None, None))
    tuesday = DAY + timedelta(days=1)
    specs.append(Spec(number(tuesday, "A"), "A", "A", tuesday, local(tuesday, 8, 0), 60, 300,
                      "done", False, False, 4, 90, "1", "canbo1"))
    return specs


def prepare_database(engine, sessions) -> None:
    """Schema, the example site, the staff accounts and two officers."""
    upgrade(engine)
    with sessions() as db, db.begin():
        load_site(db, parse_site(SITE_FILE.read_text(encoding="utf-8"), str(SITE_FILE)))
        for role, (username, password) in STAFF.items():
            create_user(db, username, password, role, full_name=f"Nguyễn Văn {role}")
        create_user(db, "canbo2", "can-bo-mat-khau-2", "officer", full_name="Trần Thị Hai")


def write_specs(sessions, specs: list[Spec]) -> dict[str, int]:
    """Insert the tickets; returns username → user id."""
    from queue_server.storage.tables import User

    with sessions() as db, db.begin():
        site = db.scalar(select(Site))
        services = {s.code: s for s in db.scalars(select(Service))}
        counters = {c.number: c.id for c in db.scalars(select(Counter))}
        users = {u.username: u.id for u in db.scalars(select(User))}
        for n, spec in enumerate(specs):
            called = spec.issued + timedelta(seconds=spec.wait_s) if spec.wait_s is not None \
                else None
            done = None
            if called is not None and spec.status == "done":
                done = called + timedelta(seconds=spec.service_s)
            elif called is not None and spec.status == "no_show":
                done = called + timedelta(seconds=60)
            db.add(Ticket(
                public_id=f"known{n}", site_id=site.id, service_id=services[spec.service].id,
                issue_service_id=services[spec.issue_service].id, service_day=spec.day,
                sequence=int(spec.number[1:]), number=spec.number, priority=spec.priority,
                status=spec.status, transferred=spec.transferred, issued_at=spec.issued,
                called_at=called, done_at=done,
                counter_id=counters[spec.counter] if spec.counter else None,
                officer_id=users[spec.officer] if spec.officer else None,
                estimated_wait_s=spec.estimate, rating=spec.rating,
            ))
    return users


# --- the independent computation: plain loops over the specs, nothing shared with the app


def p(values: list[float], q: float) -> float | None:
    """Percentile by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * q
    f, c = math.floor(k), math.ceil(k)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def r1(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


TARGET_MIN = {"A": 20, "B": 15, "C": 15, "D": 20, "E": 15, "U": 10}


def expected(specs: list[Spec], today: date) -> dict:
    tickets = [s for s in specs if s.status != "cancelled"]
    called = [s for s in tickets if s.wait_s is not None]
    served = [s for s in tickets if s.status == "done"]
    waits = [s.wait_s for s in called]
    services = [s.service_s for s in served]
    ratings = {str(k): sum(1 for s in tickets if s.rating == k) for k in (1, 2, 3, 4)}
    rated = sum(ratings.values())
    return {
        "issued": len(tickets),
        "served": len(served),
        "no_show": sum(1 for s in tickets if s.status == "no_show"),
        "transferred": sum(1 for s in tickets if s.transferred),
        "expired": sum(1 for s in tickets if s.status == "expired"
                       or (s.status == "waiting" and s.day < today)),
        "waiting": sum(1 for s in tickets if s.status == "waiting" and s.day >= today),
        "wait_s": {
            "mean": r1(sum(waits) / len(waits)) if waits else None,
            "median": r1(p(waits, 0.5)),
            "p90": r1(p(waits, 0.9)),
            "max": max(waits) if waits else None,
        },
        "service_s": {
            "mean": r1(sum(services) / len(services)) if services else None,
            "median": r1(p(services, 0.5)),
            "p90": r1(p(services, 0.9)),
        },
        "service_level_pct": r1(100 * sum(1 for s in called
                                          if s.wait_s <= TARGET_MIN[s.service] * 60)
                                / len(called)) if called else None,
        "ratings": ratings,
        "satisfied_pct": r1(100 * (ratings["3"] + ratings["4"]) / rated) if rated else None,
        "estimate_mae_s": r1(sum(abs(s.estimate - s.wait_s) for s in called) / len(called))
        if called else None,
    }


def in_range(specs: list[Spec], first: date, last: date) -> list[Spec]:
    return [s for s in specs if first <= (s.issued + timedelta(hours=TZ_HOURS)).date() <= last]
