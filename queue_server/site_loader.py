"""Loading a site file into the database (``queue_server load-site``).

Loading is idempotent: the same file loaded twice changes nothing. Services and
counters named in the file are created or updated; existing device tokens are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from queue_server.device_tokens import hash_token, new_token
from queue_server.domain.appointment_slots import AppointmentRules
from queue_server.domain.site_spec import SiteSpec
from queue_server.storage.tables import Counter, CounterService, Device, Service, Site


@dataclass
class LoadReport:
    site: str
    services: int = 0
    counters: int = 0
    new_tokens: dict[str, str] = field(default_factory=dict)
    changed: bool = False


def _assign(obj: object, **values: object) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def appointment_columns(rules: AppointmentRules | None) -> dict[str, object]:
    """A field's appointment rules as its ``services`` columns (all None: none)."""
    if rules is None:
        return dict(
            appointment_slot_min=None, appointment_per_slot=None, appointment_days_ahead=None,
            appointment_prefix=None, appointment_hours="", appointment_weekdays="",
            appointment_max_share=None,
        )
    return dict(
        appointment_slot_min=rules.slot_min,
        appointment_per_slot=rules.per_slot,
        appointment_days_ahead=rules.days_ahead,
        appointment_prefix=rules.prefix,
        appointment_hours=",".join(rules.hours.as_text()),
        appointment_weekdays=",".join(str(d) for d in sorted(rules.hours.weekdays)),
        appointment_max_share=rules.max_share,
    )


def load_site(session: Session, spec: SiteSpec) -> LoadReport:
    """Create or update the site; returns the tokens of newly created devices (shown once)."""
    report = LoadReport(site=spec.id)
    site = session.scalar(select(Site).where(Site.code == spec.id))
    site_values = dict(
        name=spec.name,
        timezone=spec.timezone,
        board_message=spec.board_message,
        priority_mode=spec.priority_mode,
        max_priority_in_row=spec.max_priority_in_row,
        no_show_grace_min=spec.no_show_grace_min,
        closed_days=",".join(d.isoformat() for d in spec.closed_days),
        check_in_before_min=spec.check_in_before_min,
        check_in_after_min=spec.check_in_after_min,
        appointment_retention_days=spec.appointment_retention_days,
        results_when_not_ready=spec.results_when_not_ready,
    )
    if site is None:
        site = Site(code=spec.id, **site_values)
        session.add(site)
        session.flush()
        report.changed = True
    else:
        report.changed |= _assign(site, **site_values)

    services: dict[str, Service] = {
        s.code: s for s in session.scalars(select(Service).where(Service.site_id == site.id))
    }
    for position, svc in enumerate(spec.services):
        values = dict(
            prefix=svc.prefix,
            name_vi=svc.name_vi,
            name_en=svc.name_en,
            first_number=svc.first_number,
            number_width=svc.number_width,
            daily_limit=svc.daily_limit,
            target_wait_min=svc.target_wait_min,
            hours=",".join(svc.hours.as_text()),
            weekdays=",".join(str(d) for d in sorted(svc.hours.weekdays)),
            active=True,
            position=position,
            **appointment_columns(svc.appointments),
            results=svc.results,
        )
        row = services.get(svc.code)
        if row is None:
            row = services[svc.code] = Service(site_id=site.id, code=svc.code, **values)
            session.add(row)
            report.changed = True
        else:
            report.changed |= _assign(row, **values)
    for code, row in services.items():
        if code not in {s.code for s in spec.services} and row.active:
            row.active = False  # tickets keep their history; the field stops issuing
            report.changed = True
    session.flush()
    report.services = len(spec.services)

    counters = {
        c.number: c for c in session.scalars(select(Counter).where(Counter.site_id == site.id))
    }
    for cs in spec.counters:
        row = counters.get(cs.number)
        if row is None:
            row = Counter(site_id=site.id, number=cs.number, paused=False)
            session.add(row)
            session.flush()
            report.changed = True
        wanted = {services[code].id for code in cs.services}
        have = set(
            session.scalars(
                select(CounterService.service_id).where(CounterService.counter_id == row.id)
            )
        )
        if wanted != have:
            session.execute(delete(CounterService).where(CounterService.counter_id == row.id))
            for sid in wanted:
                session.add(CounterService(counter_id=row.id, service_id=sid))
            report.changed = True
    report.counters = len(spec.counters)

    devices = {d.code: d for d in session.scalars(select(Device).where(Device.site_id == site.id))}
    for ds in spec.devices:
        row = devices.get(ds.id)
        if row is None:
            token = ds.token or new_token()
            session.add(
                Device(
                    site_id=site.id,
                    code=ds.id,
                    kind=ds.kind,
                    counter_number=ds.counter,
                    token_hash=hash_token(token),
                )
            )
            if not ds.token:
                report.new_tokens[ds.id] = token
            report.changed = True
        else:
            values = dict(kind=ds.kind, counter_number=ds.counter)
            if ds.token:
                values["token_hash"] = hash_token(ds.token)
            report.changed |= _assign(row, **values)
    session.flush()
    return report
