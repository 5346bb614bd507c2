"""``/healthz`` (liveness with database and broker state) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from queue_server.domain.ticket_status import EventKind
from queue_server.queue_views import waiting_counts
from queue_server.storage.tables import Service, Ticket, TicketEvent
from queue_server.web.context import runtime
from queue_server.webhook_delivery import endpoint_statuses

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    """200 ``ok`` when the database answers and the broker link (if any) is up, else 503
    ``degraded``: without the broker no counter can call and no board shows a call."""
    rt = runtime()
    try:
        with rt.hall.read() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as exc:
        database = f"error: {type(exc).__name__}"
    if rt.bridge is None:
        broker = "disabled"
    else:
        broker = "connected" if rt.bridge.connected else "disconnected"
    healthy = database == "ok" and broker != "disconnected"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
        "site": rt.config.site,
    }
    return jsonify(body), 200 if healthy else 503


#: upper bounds (seconds) of the wait-time histogram buckets
WAIT_BUCKETS_S = (60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def wait_histogram(waits: list[float]) -> list[tuple[str, int]]:
    """Cumulative Prometheus buckets (``le`` label, count) for wait times in seconds."""
    buckets = [(str(b), sum(1 for w in waits if w <= b)) for b in WAIT_BUCKETS_S]
    return buckets + [("+Inf", len(waits))]


@blueprint.get("/metrics")
def metrics():
    """Prometheus text format: counts from the database (the truth), broker state."""
    rt = runtime()
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.extend([f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"])

    with rt.hall.read() as session:
        site = rt.hall.site(session)
        codes = dict(session.execute(select(Service.id, Service.code).where(
            Service.site_id == site.id)).all())
        issued = dict(session.execute(
            select(Ticket.issue_service_id, func.count(Ticket.id))
            .where(Ticket.site_id == site.id).group_by(Ticket.issue_service_id)).all())
        calls = dict(session.execute(
            select(Ticket.service_id, func.count(TicketEvent.id))
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.site_id == site.id,
                   TicketEvent.kind.in_([EventKind.CALLED, EventKind.RECALLED]))
            .group_by(Ticket.service_id)).all())
        waiting = waiting_counts(session, site)
        start, end = rt.hall.day_bounds(site, rt.hall.local_day(site))
        waits: dict[int, list[float]] = {}
        for sid, issued_at, called_at in session.execute(
            select(Ticket.issue_service_id, Ticket.issued_at, Ticket.called_at).where(
                Ticket.site_id == site.id, Ticket.called_at >= start, Ticket.called_at < end)):
            waits.setdefault(sid, []).append(max(0.0, (called_at - issued_at).total_seconds()))

    family("motcua_tickets_issued_total", "counter", "Tickets issued, per service.")
    for sid, code in codes.items():
        label = f'service="{_label(code)}"'
        lines.append(f"motcua_tickets_issued_total{{{label}}} {issued.get(sid, 0)}")
    family("motcua_calls_total", "counter", "Calls and recalls of tickets, per service.")
    for sid, code in codes.items():
        lines.append(f'motcua_calls_total{{service="{_label(code)}"}} {calls.get(sid, 0)}')
    family("motcua_waiting", "gauge", "Tickets waiting now, per service.")
    for code, count in waiting.items():
        lines.append(f'motcua_waiting{{service="{_label(code)}"}} {count}')
    family("motcua_wait_seconds", "histogram",
           "Wait from issue to first call of tickets called today (site's local day).")
    for sid, code in codes.items():
        samples = waits.get(sid, [])
        for le, count in wait_histogram(samples):
            label = f'service="{_label(code)}",le="{le}"'
            lines.append(f"motcua_wait_seconds_bucket{{{label}}} {count}")
        lines.append(f'motcua_wait_seconds_sum{{service="{_label(code)}"}} {sum(samples):.1f}')
        lines.append(f'motcua_wait_seconds_count{{service="{_label(code)}"}} {len(samples)}')
    family("motcua_mqtt_connected", "gauge", "1 when the server is connected to the broker.")
    lines.append(f"motcua_mqtt_connected {int(rt.bridge is not None and rt.bridge.connected)}")
    if rt.bridge is not None:
        family("motcua_mqtt_handled_total", "counter", "MQTT messages applied.")
        lines.append(f"motcua_mqtt_handled_total {rt.bridge.handled}")
        family("motcua_mqtt_dropped_total", "counter",
               "Malformed or failing MQTT messages dropped.")
        lines.append(f"motcua_mqtt_dropped_total {rt.bridge.dropped}")
    _webhook_metrics(rt, family, lines)
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")


def _webhook_metrics(rt, family, lines: list[str]) -> None:
    """The event feed per receiver: how far behind, how many waiting, how many dead."""
    statuses = endpoint_statuses(rt.hall)
    for name, kind, text_, value in (
        ("motcua_webhook_lag_seconds", "gauge",
         "Age of the oldest event not yet delivered to a webhook receiver.", "lag_s"),
        ("motcua_webhook_pending", "gauge", "Events waiting for a webhook receiver.", "pending"),
        ("motcua_webhook_dead_letters", "gauge",
         "Events a webhook receiver kept refusing, waiting for a retry in /admin.", "dead"),
        ("motcua_webhook_failures", "gauge",
         "Failed delivery rounds in a row of a webhook receiver.", "failures"),
    ):
        family(name, kind, text_)
        for status in statuses:
            label = f'endpoint="{status.id}",url="{_label(status.url)}"'
            number = getattr(status, value)
            lines.append(f"{name}{{{label}}} {number:.3f}" if isinstance(number, float)
                         else f"{name}{{{label}}} {number}")
