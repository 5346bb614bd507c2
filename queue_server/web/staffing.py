"""``/reports/staffing``: how many counters a field needs each hour for a target.

Arrivals per hour default to the field's average over the last four weeks, the
service time to its recent mean; the plan is Erlang C (``domain.staffing_plan``).
``python -m simulator what-if`` answers the same question and checks it by simulation.
With a share of booked citizens, a second table shows what keeping counters for
appointments does to each hour (``domain.staffing_plan.reserved_counters``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from queue_server.domain.staffing_plan import HourPlan, reserved_counters, staffing_plan
from queue_server.queue_views import mean_service_s
from queue_server.storage.tables import Service, Ticket
from queue_server.web.auth import roles_required
from queue_server.web.context import runtime

blueprint = Blueprint("staffing", __name__, url_prefix="/reports")

FIRST_HOUR, LAST_HOUR = 7, 17  # the hours a plan covers: 07:00 … 17:59
HISTORY_DAYS = 28


@dataclass
class StaffingForm:
    service: str
    arrivals: list[float]
    service_min: float
    target_pct: float
    target_min: float
    errors: list[str]
    booked_pct: float = 0.0
    reserved: int = 1


def _history(session, service: Service, tz: ZoneInfo, today) -> tuple[list[float], float]:
    """Average arrivals per hour on days with tickets, and the recent mean service time."""
    start = today - timedelta(days=HISTORY_DAYS)
    rows = session.execute(
        select(Ticket.issued_at, Ticket.service_day).where(
            Ticket.issue_service_id == service.id,
            Ticket.service_day >= start,
            Ticket.service_day < today,
        )
    )
    per_hour = [0] * (LAST_HOUR - FIRST_HOUR + 1)
    days = set()
    for issued_at, day in rows:
        days.add(day)
        hour = issued_at.astimezone(tz).hour
        if FIRST_HOUR <= hour <= LAST_HOUR:
            per_hour[hour - FIRST_HOUR] += 1
    n = max(len(days), 1)
    return [round(c / n, 1) for c in per_hour], mean_service_s(session, service)


def _number(
    name: str, label: str, default: float, low: float, high: float, errors: list[str]
) -> float:
    """A number from the query string; a bad one keeps the default and says why."""
    raw = request.args.get(name, "").strip().replace(",", ".")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        errors.append(_("“%(name)s” must be a number.", name=label))
        return default
    if not low <= value <= high:
        errors.append(
            _(
                "“%(name)s” must be between %(low)s and %(high)s.",
                name=label,
                low=f"{low:g}",
                high=f"{high:g}",
            )
        )
        return default
    return value


@blueprint.get("/staffing")
@roles_required("manager")
def staffing():
    rt = runtime()
    with rt.hall.read() as session:
        site = rt.hall.site(session)
        services = list(
            session.scalars(
                select(Service)
                .where(Service.site_id == site.id, Service.active.is_(True))
                .order_by(Service.position)
            )
        )
        chosen = next((s for s in services if s.code == request.args.get("service")), services[0])
        tz = ZoneInfo(site.timezone)
        history, mean_s = _history(session, chosen, tz, rt.hall.local_day(site))
        has_history = session.scalar(
            select(func.count(Ticket.id)).where(Ticket.issue_service_id == chosen.id)
        )
    errors: list[str] = []
    arrivals = history
    raw_arrivals = request.args.get("arrivals", "").strip()
    if raw_arrivals:
        try:
            arrivals = [float(x.replace(",", ".")) for x in raw_arrivals.split()]
            if len(arrivals) != len(history) or any(a < 0 or a > 10000 for a in arrivals):
                raise ValueError
        except ValueError:
            errors.append(
                _(
                    "Give %(n)d numbers of arrivals, one per hour from %(first)d:00.",
                    n=len(history),
                    first=FIRST_HOUR,
                )
            )
            arrivals = history
    form = StaffingForm(
        service=chosen.code,
        arrivals=arrivals,
        service_min=_number(
            "service_min", _("Mean service time (minutes)"), round(mean_s / 60, 1), 0.5, 240, errors
        ),
        target_pct=_number(
            "target_pct", _("Target: share served in time (percent)"), 80, 1, 99.9, errors
        ),
        target_min=_number(
            "target_min", _("Target wait (minutes)"), float(chosen.target_wait_min), 1, 240, errors
        ),
        errors=errors,
        booked_pct=_number(
            "booked_pct", _("Citizens with a booking (percent)"), 0, 0, 100, errors
        ),
        reserved=int(_number(
            "reserved", _("Counters kept for appointments"), 1, 0, 100, errors
        )),
    )
    plan: list[HourPlan] = staffing_plan(
        form.arrivals,
        form.service_min * 60,
        form.target_pct / 100,
        form.target_min * 60,
        first_hour=FIRST_HOUR,
    )
    kept = (
        reserved_counters(plan, form.service_min * 60, form.target_pct / 100,
                          form.target_min * 60, form.booked_pct / 100, form.reserved)
        if form.booked_pct > 0
        else []
    )
    return render_template(
        "reports_staffing.html",
        kept=kept,
        services=services,
        chosen=chosen,
        form=form,
        plan=plan,
        has_history=bool(has_history),
        history_days=HISTORY_DAYS,
    ), 400 if errors else 200
