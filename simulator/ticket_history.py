"""Learn a hall profile from real tickets: arrivals per field per hour, service times.

Reads the server's database (SQLite or PostgreSQL) through SQLAlchemy, read-only.
Arrivals per hour are averaged over the days of the range (only the chosen weekday
when one is given), so "Monday morning" means the mean of the Mondays in the range.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from protocol.config_file import ConfigError
from queue_server.domain.ticket_status import TicketStatus
from queue_server.storage.tables import Counter, CounterService, Service, Site, Ticket
from simulator.hall_profile import CounterProfile, FieldProfile, HallProfile

#: service times kept per field (a larger sample adds nothing to a day's simulation)
MAX_SAMPLES = 2000


def _days(first: date, last: date, weekday: int | None) -> int:
    """How many days of the range count (ISO weekday 1 = Monday)."""
    n, day = 0, first
    while day <= last:
        if weekday is None or day.isoweekday() == weekday:
            n += 1
        day += timedelta(days=1)
    return n


def learn_profile(
    database_url: str,
    site_code: str,
    first: date,
    last: date,
    weekday: int | None = None,
) -> HallProfile:
    """A profile whose arrivals, service times, no-show and priority shares are measured."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            site = session.scalar(select(Site).where(Site.code == site_code))
            if site is None:
                raise ConfigError(f"site {site_code!r} is not in the database")
            tz = ZoneInfo(site.timezone)
            services = list(
                session.scalars(
                    select(Service)
                    .where(Service.site_id == site.id, Service.active.is_(True))
                    .order_by(Service.position)
                )
            )
            code_of = {s.id: s.code for s in services}
            rows = session.execute(
                select(
                    Ticket.issue_service_id,
                    Ticket.service_day,
                    Ticket.issued_at,
                    Ticket.called_at,
                    Ticket.done_at,
                    Ticket.status,
                    Ticket.priority,
                ).where(
                    Ticket.site_id == site.id,
                    Ticket.service_day >= first,
                    Ticket.service_day <= last,
                )
            ).all()
            links = session.execute(
                select(Counter.number, CounterService.service_id)
                .join(CounterService, CounterService.counter_id == Counter.id)
                .where(Counter.site_id == site.id)
                .order_by(Counter.id)
            ).all()
    finally:
        engine.dispose()
    if weekday is not None:
        rows = [r for r in rows if r.service_day.isoweekday() == weekday]
    if not rows:
        raise ConfigError(f"no tickets of {site_code!r} from {first} to {last}")
    days = _days(first, last, weekday)
    arrivals: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    samples: dict[str, list[float]] = defaultdict(list)
    called = no_show = priority = 0
    hours: set[int] = set()
    for r in rows:
        code = code_of.get(r.issue_service_id)
        if code is None:
            continue
        hour = r.issued_at.astimezone(tz).hour
        hours.add(hour)
        arrivals[code][hour] += 1 / days
        priority += bool(r.priority)
        if r.called_at is not None:
            called += 1
            no_show += r.status == TicketStatus.NO_SHOW
        if r.status == TicketStatus.DONE and r.called_at and r.done_at:
            seconds = (r.done_at - r.called_at).total_seconds()
            if 5 <= seconds <= 4 * 3600 and len(samples[code]) < MAX_SAMPLES:
                samples[code].append(seconds)
    fields = []
    for s in services:
        measured = samples.get(s.code, [])
        fields.append(
            FieldProfile(
                code=s.code,
                name=s.name_vi,
                arrivals_per_hour=dict(sorted(arrivals.get(s.code, {}).items())),
                service_mean_s=sum(measured) / len(measured) if measured else 600.0,
                service_samples=tuple(measured),
                target_wait_s=s.target_wait_min * 60.0,
            )
        )
    served: dict[str, list[str]] = defaultdict(list)
    for number, service_id in links:
        if service_id in code_of:
            served[number].append(code_of[service_id])
    day = ((min(hours) * 3600.0, (max(hours) + 1) * 3600.0),)
    counters = tuple(CounterProfile(n, tuple(codes), day) for n, codes in served.items())
    return HallProfile(
        fields=tuple(fields),
        counters=counters,
        name=site.name,
        site=site_code,
        no_show_share=no_show / called if called else 0.0,
        priority_share=priority / len(rows),
        priority_mode=site.priority_mode,
        max_priority_in_row=site.max_priority_in_row,
    )
