"""``/reports``: the manager figures for any date range, charts, heat map and exports.

Everything is drawn on the server (tables, pygal SVG, a shaded table for the
weekday × hour heat map), so the page needs no JavaScript and no internet.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    flash,
    render_template,
    request,
    send_file,
    stream_with_context,
)
from flask_babel import format_decimal, lazy_gettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from queue_server.domain.dossier_receipt import is_dossier_code
from queue_server.statistics import ReportFilter, ReportFilterError, report_charts
from queue_server.statistics.booking_rows import (
    booking_rows,
    bookings_csv_chunks,
    write_bookings_xlsx,
)
from queue_server.statistics.dossier_tickets import dossier_tickets
from queue_server.statistics.report_query import ReportScope
from queue_server.statistics.ticket_export import csv_chunks, write_xlsx
from queue_server.statistics.ticket_rows import ticket_rows
from queue_server.storage.tables import Counter, Service, User
from queue_server.web.auth import roles_required
from queue_server.web.context import runtime
from queue_server.web.stats_api import load_report, report_reader

blueprint = Blueprint("reports", __name__, url_prefix="/reports")

WEEKDAYS = {
    1: lazy_gettext("Mon"), 2: lazy_gettext("Tue"), 3: lazy_gettext("Wed"),
    4: lazy_gettext("Thu"), 5: lazy_gettext("Fri"), 6: lazy_gettext("Sat"),
    7: lazy_gettext("Sun"),
}
STATUS_LABELS = {
    "waiting": lazy_gettext("Waiting"), "called": lazy_gettext("Called"),
    "serving": lazy_gettext("Being served"), "done": lazy_gettext("Served"),
    "no_show": lazy_gettext("No-show"), "transferred": lazy_gettext("Transferred"),
    "cancelled": lazy_gettext("Cancelled"), "expired": lazy_gettext("Expired"),
}
RATING_LABELS = {
    "4": lazy_gettext("Very satisfied"), "3": lazy_gettext("Satisfied"),
    "2": lazy_gettext("Neutral"), "1": lazy_gettext("Dissatisfied"),
}


def minutes(seconds: float | None) -> str:
    """Seconds shown as minutes with one decimal, in the page's locale ("–" when absent)."""
    if not isinstance(seconds, int | float):
        return "–"
    return format_decimal(seconds / 60, "#,##0.0")


def percent(value: float | None) -> str:
    return "–" if value is None else format_decimal(value, "#,##0.0") + " %"


def number(value: int | None) -> str:
    return "–" if value is None else format_decimal(value)


def heat_colour(count: int, peak: int) -> str:
    """A blue whose strength follows the count (white for none)."""
    share = count / peak if peak else 0
    return f"rgba(11, 61, 145, {0.08 + 0.85 * share:.2f})" if count else "transparent"


def _choices() -> dict:
    """Fields, counters and officers for the filter form."""
    rt = runtime()
    with Session(report_reader()) as session:
        site = rt.hall.site(session)
        services = [
            (s.code, s.name_vi, s.name_en)
            for s in session.scalars(
                select(Service).where(Service.site_id == site.id).order_by(Service.position)
            )
        ]
        counters = sorted(
            session.scalars(select(Counter.number).where(Counter.site_id == site.id)),
            key=lambda n: (int(n), n) if n.isdigit() else (1 << 30, n),
        )
        officers = [
            (uid, full_name or username)
            for uid, username, full_name in session.execute(
                select(User.id, User.username, User.full_name)
                .where(User.role == "officer")
                .order_by(User.username)
            )
        ]
    return {"services": services, "counters": counters, "officers": officers}


def _charts(report) -> dict[str, str]:
    s = report.summary
    return {
        "wait": report_charts.wait_by_service(
            s["by_service"], _("Waiting time by field (minutes)"),
            {"mean": _("Mean"), "median": _("Median"), "p90": _("90th percentile"),
             "target": _("Target")},
        ),
        "hours": report_charts.arrivals_by_hour(
            s["by_hour"], _("Arrivals and mean wait by hour"),
            {"issued": _("Tickets issued"), "mean_wait": _("Mean wait (min)")},
        ),
        "days": report_charts.days_trend(
            report.by_day, _("Tickets per day and service level"),
            {"issued": _("Issued"), "served": _("Served"),
             "service_level": _("Service level (%)")},
        ),
        "ratings": report_charts.ratings(
            s["ratings"], _("Citizen ratings"), {k: str(v) for k, v in RATING_LABELS.items()}
        ),
    }


@blueprint.get("")
@roles_required("manager")
def index():
    status = 200
    try:
        report = load_report(request.args)
    except ReportFilterError as exc:
        flash(_("Bad value for “%(param)s”: showing today instead.", param=exc.param))
        report = load_report({})
        status = 400
    return render_template(
        "reports.html",
        report=report,
        s=report.summary,
        flt=report.flt,
        charts=_charts(report),
        choices=_choices(),
        weekdays=WEEKDAYS,
        rating_labels=RATING_LABELS,
        minutes=minutes,
        percent=percent,
        number=number,
        heat_colour=heat_colour,
    ), status


def _export_scope():
    """Filter, scope, today and summary of an export request (400 page on a bad filter)."""
    reader, flt, scope, today, _ = _export_site()
    return reader, flt, scope, today


def _export_site():
    rt = runtime()
    reader = report_reader()
    with Session(reader) as session:
        site = rt.hall.site(session)
        today = rt.hall.local_day(site)
        flt = ReportFilter.parse(request.args, today)
        scope = ReportScope.resolve(session, site, flt, today)
        after = timedelta(minutes=site.check_in_after_min)
    return reader, flt, scope, today, after


def _file_name(flt: ReportFilter, extension: str) -> str:
    return f"bao-cao-{flt.first.isoformat()}_{flt.last.isoformat()}.{extension}"


def _csv_download(chunks, name: str) -> Response:
    """A CSV streamed as it is made (``chunks`` yields its text)."""
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def _xlsx_download(write, name: str):
    """An Excel file ``write(out)`` fills, sent from a spooled temporary file."""
    # closed by send_file once the answer is sent
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write(out)
    out.seek(0)
    return send_file(
        out,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
    )


@blueprint.get("/export.csv")
@roles_required("manager")
def export_csv():
    try:
        reader, flt, scope, today = _export_scope()
    except ReportFilterError as exc:
        return render_template("error.html", message=exc.message_vi, status=400), 400

    def generate():
        with Session(reader) as session:
            yield from csv_chunks(ticket_rows(session, scope, flt, today))

    return _csv_download(generate(), _file_name(flt, "csv"))


@blueprint.get("/export.xlsx")
@roles_required("manager")
def export_xlsx():
    try:
        reader, flt, scope, today = _export_scope()
        report = load_report(request.args)
    except ReportFilterError as exc:
        return render_template("error.html", message=exc.message_vi, status=400), 400

    def write(out) -> None:
        with Session(reader) as session:
            write_xlsx(ticket_rows(session, scope, flt, today), report.summary, out)

    return _xlsx_download(write, _file_name(flt, "xlsx"))


def _booking_file_name(flt: ReportFilter, extension: str) -> str:
    return f"lich-hen-{flt.first.isoformat()}_{flt.last.isoformat()}.{extension}"


@blueprint.get("/bookings.csv")
@roles_required("manager")
def bookings_csv():
    """One row per booking of the period (by slot day): no name or phone."""
    try:
        reader, flt, scope, _today, after = _export_site()
    except ReportFilterError as exc:
        return render_template("error.html", message=exc.message_vi, status=400), 400
    now = runtime().hall.now()

    def generate():
        with Session(reader) as session:
            yield from bookings_csv_chunks(booking_rows(session, scope, flt, now, after))

    return _csv_download(generate(), _booking_file_name(flt, "csv"))


@blueprint.get("/bookings.xlsx")
@roles_required("manager")
def bookings_xlsx():
    try:
        reader, flt, scope, _today, after = _export_site()
    except ReportFilterError as exc:
        return render_template("error.html", message=exc.message_vi, status=400), 400
    now = runtime().hall.now()

    def write(out) -> None:
        with Session(reader) as session:
            write_bookings_xlsx(booking_rows(session, scope, flt, now, after), out)

    return _xlsx_download(write, _booking_file_name(flt, "xlsx"))


@blueprint.get("/dossiers")
@roles_required("manager")
def dossier():
    """Search by dossier code: the tickets that came for it, with wait, service and rating."""
    rt = runtime()
    raw = request.args.get("code", "").strip()
    code = raw if is_dossier_code(raw) else None
    tickets = []
    if code is not None:
        with Session(report_reader()) as session:
            site = rt.hall.site(session)
            tickets = dossier_tickets(session, site.id, code, site.timezone)
    return render_template(
        "reports_dossier.html", query=raw, code=code, tickets=tickets, minutes=minutes,
        rating_labels=RATING_LABELS, status_labels=STATUS_LABELS,
    ), 400 if raw and code is None else 200
