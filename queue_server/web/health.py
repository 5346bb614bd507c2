"""``/healthz`` (liveness with database and broker state) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from queue_server.queue_views import waiting_counts
from queue_server.web.context import runtime

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():
    rt = runtime()
    try:
        with rt.hall.transaction() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError as exc:
        database = f"error: {type(exc).__name__}"
    if rt.bridge is None:
        broker = "disabled"
    else:
        broker = "connected" if rt.bridge.connected else "disconnected"
    healthy = database == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "broker": broker,
        "site": rt.config.site,
    }
    return jsonify(body), 200 if healthy else 503


@blueprint.get("/metrics")
def metrics():
    rt = runtime()
    lines = [
        "# HELP motcua_waiting Tickets waiting now, per service.",
        "# TYPE motcua_waiting gauge",
    ]
    with rt.hall.transaction() as session:
        site = rt.hall.site(session)
        for code, count in waiting_counts(session, site).items():
            lines.append(f'motcua_waiting{{service="{code}"}} {count}')
    if rt.bridge is not None:
        lines += [
            "# HELP motcua_mqtt_connected 1 when the server is connected to the broker.",
            "# TYPE motcua_mqtt_connected gauge",
            f"motcua_mqtt_connected {int(rt.bridge.connected)}",
            "# HELP motcua_mqtt_handled_total MQTT messages applied.",
            "# TYPE motcua_mqtt_handled_total counter",
            f"motcua_mqtt_handled_total {rt.bridge.handled}",
            "# HELP motcua_mqtt_dropped_total Malformed or failing MQTT messages dropped.",
            "# TYPE motcua_mqtt_dropped_total counter",
            f"motcua_mqtt_dropped_total {rt.bridge.dropped}",
        ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
