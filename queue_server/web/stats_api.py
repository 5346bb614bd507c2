"""``GET /api/v1/stats/summary``: the manager figures as JSON, for managers' own tools.

A read with a session cookie: managers and admins only, no CSRF header needed for a
GET (it changes nothing). The same query parameters as ``/reports``.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from queue_server.domain.queue_error import QueueError
from queue_server.statistics import Report, ReportFilter, ReportFilterError, build_report
from queue_server.statistics.report_query import reading_engine
from queue_server.web.context import runtime

blueprint = Blueprint("stats_api", __name__, url_prefix="/api/v1/stats")

#: the answer's keys, exactly as DESIGN.md section 9 lists them
SUMMARY_KEYS = (
    "from", "to", "issued", "served", "no_show", "transferred", "expired", "waiting",
    "wait_s", "service_s", "service_level_pct", "ratings", "satisfied_pct", "estimate_mae_s",
    "by_service", "by_counter", "by_hour",
    # added after the fixed keys above: the appointment figures
    "appointments",
)
#: roles that may read the figures
READERS = ("manager", "admin")


def report_reader() -> Engine:
    """The lock-free reading engine of this app, made on first use."""
    extensions = current_app.extensions
    if "motcua.report_reader" not in extensions:
        extensions["motcua.report_reader"] = reading_engine(runtime().engine)
    return extensions["motcua.report_reader"]


def load_report(args: Mapping[str, str]) -> Report:
    """Parse the filter (dates default to the site's today) and compute the figures.

    Finished days come from the daily roll-up, stored first if missing (short writing
    transactions, one per day); today is counted live. Raises ReportFilterError naming
    the bad parameter.
    """
    rt = runtime()
    reader = report_reader()
    with Session(reader) as session:  # never the writers' lock, even for the lookups
        site = rt.hall.site(session)
        today = rt.hall.local_day(site)
        flt = ReportFilter.parse(args, today)
        return build_report(session, reader, site, flt, today, rollups=rt.hall.sessions,
                            now=rt.hall.now())


def filter_error_answer(exc: ReportFilterError):
    body = {
        "error": {
            "code": "bad_request",
            "message": exc.message_vi,
            "message_en": exc.message_en,
            "param": exc.param,
        }
    }
    return jsonify(body), 400


@blueprint.get("/summary")
def summary():
    if not current_user.is_authenticated:
        raise QueueError("unauthorized", "Vui lòng đăng nhập", "log in first", 401)
    if current_user.role not in READERS:
        raise QueueError(
            "forbidden", "Tài khoản không có quyền xem báo cáo", "managers and admins only", 403
        )
    try:
        report = load_report(request.args)
    except ReportFilterError as exc:
        return filter_error_answer(exc)
    return jsonify({key: report.summary[key] for key in SUMMARY_KEYS})
