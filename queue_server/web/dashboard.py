"""``/dashboard``: the managers' live view of the hall (fields, counters, devices, alerts).

The page renders once, then ``/dashboard/events`` (Server-Sent Events) pushes freshly
rendered fragments whenever the hall changes; a small inline script swaps them in.
Fragments are rendered on the server so that every word stays in the catalogues.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, stream_with_context
from flask_babel import format_datetime, format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from queue_server.hall_dashboard import DashboardSnapshot, dashboard_snapshot
from queue_server.web.auth import roles_required
from queue_server.web.context import runtime
from queue_server.web.live_events import snapshot_stream

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")

#: the page's live regions, each rendered by the macro of the same name
PARTS = ("totals", "alerts", "fields", "counters", "devices")


def minutes_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return _("%(num)s min", num=format_decimal(round(seconds / 60)))


def percent_text(pct: float | None) -> str:
    return "–" if pct is None else format_percent(pct / 100, "#,##0%")


def when_text(at) -> str:
    return "–" if at is None else format_datetime(at, "short")


def _snapshot() -> DashboardSnapshot:
    rt = runtime()
    with rt.hall.read() as session:
        return dashboard_snapshot(rt.hall, session)


def _helpers() -> dict:
    return {"minutes_text": minutes_text, "percent_text": percent_text, "when_text": when_text}


def render_parts(snapshot: DashboardSnapshot) -> dict[str, str]:
    parts = {}
    for name in PARTS:
        parts[name] = render_template(
            "dashboard_parts.html", part=name, snap=snapshot, **_helpers()
        )
    return parts


@blueprint.get("")
@roles_required("manager")
def index():
    snapshot = _snapshot()
    return render_template(
        "dashboard.html", snap=snapshot, parts=render_parts(snapshot), **_helpers()
    )


@blueprint.get("/events")
def events():
    if not current_user.is_authenticated:
        abort(401, description=_("Please log in to continue."))
    if current_user.role not in ("manager", "admin"):
        abort(403, description=_("Your account may not open this page."))

    def render() -> tuple[int, dict]:
        snapshot = _snapshot()
        return snapshot.seq, {
            "seq": snapshot.seq,
            "updated": when_text(snapshot.at),
            "parts": render_parts(snapshot),
        }

    return Response(
        stream_with_context(snapshot_stream(render)),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
