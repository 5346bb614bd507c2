"""What the managers' live dashboard shows: the hall now and today, read from the database.

Figures for today are computed from tickets of the site's local day; the device table
is what the MQTT bridge last recorded from each device's retained status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from queue_server.domain.ticket_status import AT_COUNTER, TicketStatus
from queue_server.hall import Hall
from queue_server.queue_views import last_seq, open_counters
from queue_server.storage.tables import Counter, Device, Service, Ticket, User
from queue_server.unknown_devices import UnknownDevice


@dataclass(frozen=True)
class FieldNow:
    code: str
    name_vi: str
    name_en: str
    target_wait_s: int
    waiting: int
    longest_wait_s: int | None
    oldest_issued_at: datetime | None
    open_counters: int
    served_today: int
    called_today: int
    mean_wait_today_s: float | None
    service_level_pct: float | None

    @property
    def over_target(self) -> bool:
        return self.longest_wait_s is not None and self.longest_wait_s > self.target_wait_s


@dataclass(frozen=True)
class CounterNow:
    number: str
    officer: str | None
    ticket: str | None
    state: str  # "paused", "serving" or "idle"
    services: tuple[str, ...]


@dataclass(frozen=True)
class DeviceNow:
    code: str
    kind: str
    counter: str | None
    online: bool
    printer: str | None
    version: str | None
    last_seen: datetime | None


@dataclass(frozen=True)
class Alert:
    kind: str  # "paper_out", "paper_low", "printer_offline", "device_offline",
    # "unknown_device", "unknown_site_device", "wait_over_target"
    subject: str
    severity: str  # "critical" or "warning"
    minutes: int | None = None
    target_minutes: int | None = None
    #: the site an unknown device reports for
    site: str | None = None


@dataclass(frozen=True)
class DashboardSnapshot:
    seq: int
    at: datetime
    site_name: str
    fields: list[FieldNow]
    counters: list[CounterNow]
    devices: list[DeviceNow]
    alerts: list[Alert] = field(default_factory=list)
    #: devices reporting status that this server does not know
    unknown_devices: list[UnknownDevice] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {
            "waiting": sum(f.waiting for f in self.fields),
            "served_today": sum(f.served_today for f in self.fields),
            "open_counters": sum(1 for c in self.counters if c.state != "paused"),
            "devices_offline": sum(1 for d in self.devices if not d.online),
        }


def change_marker(session: Session, site_id: int) -> tuple:
    """A cheap value that changes whenever anything the dashboard shows changes.

    The newest event id covers every ticket transition; counters and devices are read
    whole because pausing a counter or a device's status writes no ticket event.
    """
    counters = session.execute(
        select(Counter.id, Counter.paused, Counter.current_ticket_id, Counter.officer_id)
        .where(Counter.site_id == site_id)
        .order_by(Counter.id)
    ).all()
    devices = session.execute(
        select(Device.id, Device.online, Device.printer, Device.last_seen, Device.counter_number)
        .where(Device.site_id == site_id, Device.active.is_(True))
        .order_by(Device.id)
    ).all()
    services = session.execute(
        select(Service.id, Service.name_vi, Service.name_en, Service.active,
               Service.target_wait_min)
        .where(Service.site_id == site_id)
        .order_by(Service.id)
    ).all()
    return (last_seq(session), tuple(counters), tuple(devices), tuple(services))


def _fields(hall: Hall, session: Session, site, now: datetime) -> list[FieldNow]:
    start, end = hall.day_bounds(site, hall.local_day(site, now))
    waiting_rows = dict(
        (sid, (count, oldest))
        for sid, count, oldest in session.execute(
            select(Ticket.service_id, func.count(Ticket.id), func.min(Ticket.issued_at))
            .where(Ticket.site_id == site.id, Ticket.status == TicketStatus.WAITING)
            .group_by(Ticket.service_id)
        )
    )
    served = dict(
        session.execute(
            select(Ticket.service_id, func.count(Ticket.id))
            .where(
                Ticket.site_id == site.id,
                Ticket.status == TicketStatus.DONE,
                Ticket.done_at >= start,
                Ticket.done_at < end,
            )
            .group_by(Ticket.service_id)
        ).all()
    )
    waits: dict[int, list[float]] = {}
    for sid, issued_at, called_at in session.execute(
        select(Ticket.issue_service_id, Ticket.issued_at, Ticket.called_at).where(
            Ticket.site_id == site.id, Ticket.called_at >= start, Ticket.called_at < end
        )
    ):
        waits.setdefault(sid, []).append(max(0.0, (called_at - issued_at).total_seconds()))
    result = []
    for svc in session.scalars(
        select(Service)
        .where(Service.site_id == site.id, Service.active.is_(True))
        .order_by(Service.position)
    ):
        count, oldest = waiting_rows.get(svc.id, (0, None))
        samples = waits.get(svc.id, [])
        target_s = svc.target_wait_min * 60
        result.append(
            FieldNow(
                code=svc.code,
                name_vi=svc.name_vi,
                name_en=svc.name_en,
                target_wait_s=target_s,
                waiting=count,
                longest_wait_s=max(0, int((now - oldest).total_seconds())) if oldest else None,
                oldest_issued_at=oldest,
                open_counters=open_counters(session, svc),
                served_today=served.get(svc.id, 0),
                called_today=len(samples),
                mean_wait_today_s=sum(samples) / len(samples) if samples else None,
                service_level_pct=(
                    100.0 * sum(1 for w in samples if w <= target_s) / len(samples)
                    if samples
                    else None
                ),
            )
        )
    return result


def _counters(session: Session, site) -> list[CounterNow]:
    result = []
    for counter in session.scalars(
        select(Counter).where(Counter.site_id == site.id).order_by(Counter.number)
    ):
        officer = session.get(User, counter.officer_id) if counter.officer_id else None
        ticket = None
        if counter.current_ticket_id:
            ticket = session.get(Ticket, counter.current_ticket_id)
        if ticket is not None and ticket.status not in AT_COUNTER:
            ticket = None
        if counter.paused:
            state = "paused"
        elif ticket is not None:
            state = "serving"
        else:
            state = "idle"
        result.append(
            CounterNow(
                number=counter.number,
                officer=(officer.full_name or officer.username) if officer else None,
                ticket=ticket.number if ticket else None,
                state=state,
                services=tuple(s.code for s in counter.services),
            )
        )
    return sorted(result, key=lambda c: (len(c.number), c.number))


def _devices(session: Session, site) -> list[DeviceNow]:
    return [
        DeviceNow(d.code, d.kind, d.counter_number, d.online, d.printer, d.version, d.last_seen)
        for d in session.scalars(
            select(Device)
            .where(Device.site_id == site.id, Device.active.is_(True))
            .order_by(Device.kind, Device.code)
        )
    ]


def alerts_for(
    fields: list[FieldNow],
    devices: list[DeviceNow],
    unknown: list[UnknownDevice] = (),
) -> list[Alert]:
    """Printers without paper first, then devices offline, devices the server does not
    know, then fields over their target."""
    alerts: list[Alert] = []
    for d in devices:
        if not d.online:
            alerts.append(Alert("device_offline", d.code, "critical"))
        elif d.printer == "paper_out":
            alerts.append(Alert("paper_out", d.code, "critical"))
        elif d.printer == "offline":
            alerts.append(Alert("printer_offline", d.code, "critical"))
        elif d.printer == "paper_low":
            alerts.append(Alert("paper_low", d.code, "warning"))
    for u in unknown:
        kind = "unknown_site_device" if u.other_site else "unknown_device"
        alerts.append(Alert(kind, u.device, "warning", site=u.site))
    for f in fields:
        if f.over_target:
            alerts.append(
                Alert(
                    "wait_over_target",
                    f.code,
                    "warning",
                    minutes=(f.longest_wait_s or 0) // 60,
                    target_minutes=f.target_wait_s // 60,
                )
            )
    order = {"paper_out": 0, "printer_offline": 1, "device_offline": 2,
             "unknown_device": 3, "unknown_site_device": 3, "paper_low": 4}
    return sorted(alerts, key=lambda a: order.get(a.kind, 5))


def dashboard_snapshot(hall: Hall, session: Session) -> DashboardSnapshot:
    site = hall.site(session)
    now = hall.now()
    fields = _fields(hall, session, site, now)
    devices = _devices(session, site)
    unknown = hall.unknown_devices.listed(known={d.code for d in devices})
    return DashboardSnapshot(
        seq=last_seq(session),
        at=now,
        site_name=site.name,
        fields=fields,
        counters=_counters(session, site),
        devices=devices,
        alerts=alerts_for(fields, devices, unknown),
        unknown_devices=unknown,
    )
