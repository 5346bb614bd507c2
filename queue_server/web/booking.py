"""``/booking``: citizens book an appointment from a phone; ``/console/booking``: staff
book for a citizen on the phone.

Server-rendered forms that work without JavaScript: choose a field, then a day, then a
free slot together with a name and a phone number. The booking's own page
(``/booking/<CODE>``, what its QR code opens) shows it and lets the citizen cancel it
or move it to another free slot. Every change goes through ``appointment_book``, the
same service the JSON API uses, with its capacity rule and its limits; lookups by
code count against the code-guessing throttle.
"""

from __future__ import annotations

import math
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from queue_server.appointment_book import (
    BookingLimits,
    BookingRequest,
    book,
    cancel_booking,
    clean_name,
    day_of,
    move_booking,
    normalise_phone,
    slots_of_day,
)
from queue_server.booking_views import booking_days, booking_details, booking_fields, booking_site
from queue_server.domain.booking_code import display_code, normalise_code
from queue_server.domain.queue_error import QueueError
from queue_server.web.auth import roles_required
from queue_server.web.booking_qr import qr_svg
from queue_server.web.booking_throttle import guarded
from queue_server.web.context import runtime
from queue_server.web.i18n import current_language

blueprint = Blueprint("booking", __name__, url_prefix="/booking")
staff_blueprint = Blueprint("staff_booking", __name__, url_prefix="/console/booking")

#: service errors a form answers on the same page (the others get an error page)
FORM_ERRORS = ("closed", "slot_full", "bad_request")


def phone_for_booking(text: str) -> str | None:
    """A mobile or landline number of 10 digits: ``0…`` or ``+84…`` (spaces, dots allowed)."""
    phone = normalise_phone((text or "").strip())
    return phone if phone is not None and len(phone) == 10 else None


def message_of(exc: QueueError) -> str:
    return exc.message_en if current_language() == "en" else exc.message_vi


def day_text(day) -> str:
    return format_date(day, "EEEE, dd/MM/yyyy")


def time_text(at: datetime) -> str:
    return format_datetime(at, "HH:mm")


def when_text(at: datetime) -> str:
    return f"{format_datetime(at, 'HH:mm')}, {format_date(at, 'EEEE, dd/MM/yyyy')}"


@blueprint.app_context_processor
def _booking_helpers() -> dict:
    return {"day_text": day_text, "time_text": time_text, "when_text": when_text}


def _wait_message(exc: QueueError) -> str:
    minutes = max(1, math.ceil((exc.retry_after_s or 60) / 60))
    if minutes >= 60:
        hours = max(1, round(minutes / 60))
        wait = ngettext("Please try again in %(num)d hour.",
                        "Please try again in %(num)d hours.", hours)
    else:
        wait = ngettext("Please try again in %(num)d minute.",
                        "Please try again in %(num)d minutes.", minutes)
    return f"{message_of(exc)}. {wait}"


def _error_page(exc: QueueError):
    """A booking error as a page in the reader's language; 429 says how long to wait."""
    message = _wait_message(exc) if exc.status == 429 else message_of(exc)
    response = render_template("booking_error.html", message=message, status=exc.status)
    headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s else {}
    return response, exc.status, headers


blueprint.register_error_handler(QueueError, _error_page)
staff_blueprint.register_error_handler(QueueError, _error_page)


def _chosen_day(service: str | None):
    text = request.values.get("day", "").strip()
    return day_of(text) if service and text else None


def _picker(mode: str, *, code: str | None = None, service: str | None = None,
            values: dict | None = None, errors: dict | None = None, problem: str | None = None,
            status: int = 200):
    """The choose-a-field, a-day, a-slot page of ``mode`` (public, staff or move)."""
    rt = runtime()
    day = _chosen_day(service)
    with rt.hall.read() as session:
        site = booking_site(rt.hall, session)
        fields = booking_fields(rt.hall, session)
        field = next((f for f in fields if f["code"] == service), None)
        if service and field is None:
            raise QueueError("unknown_service", "Lĩnh vực này không nhận đặt lịch hẹn",
                             "this field takes no appointments", 404)
        days = booking_days(rt.hall, session, service) if field else []
        today = rt.hall.local_day(rt.hall.site(session))
        booking = booking_details(rt.hall, session, code) if code else None
    slots = None
    if field and day is not None:
        slots = [
            {**s, "at": datetime.fromisoformat(s["start"])}
            for s in slots_of_day(rt.hall, service, day)["slots"]
        ]
    return render_template(
        "booking.html", mode=mode, site=site, fields=fields, field=field, days=days,
        day=day, slots=slots, booking=booking, values=values or {}, errors=errors or {},
        problem=problem, step_url=_step_url(mode, code), today=today,
    ), status


def _step_url(mode: str, code: str | None):
    def url(**args) -> str:
        if mode == "move":
            return url_for("booking.move", code=code, **args)
        if mode == "staff":
            return url_for("staff_booking.index", **args)
        return url_for("booking.index", **args)
    return url


def _submitted() -> tuple[dict, dict]:
    """The booking form's values and, per field, what is wrong with them."""
    values = {k: request.form.get(k, "") for k in ("service", "day", "start", "name", "phone")}
    errors = {}
    if not values["start"]:
        errors["start"] = _("Choose a time.")
    if clean_name(values["name"]) is None:
        errors["name"] = _("Enter your full name (1 to 100 characters).")
    if phone_for_booking(values["phone"]) is None:
        errors["phone"] = _("Enter a phone number of 10 digits starting with 0 (for example "
                            "0912 345 678), or starting with +84.")
    return values, errors


def _start_of(values: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(values["start"])
    except ValueError:
        return None


def _book_from_form(mode: str):
    values, errors = _submitted()
    service = values["service"].strip() or None
    start = _start_of(values) if values["start"] else None
    if values["start"] and start is None:
        errors["start"] = _("Choose a time from the list.")
    if errors:
        return _picker(mode, service=service, values=values, errors=errors, status=400)
    rt = runtime()
    staff = mode == "staff"
    try:
        booking, _created = book(
            rt.hall,
            BookingRequest(
                service=service or "",
                start=start,
                name=values["name"],
                phone=values["phone"].strip(),
                client_address=None if staff else request.remote_addr,
                booked_by_id=current_user.id if staff else None,
            ),
            BookingLimits(rt.config.booking_limit_per_phone, rt.config.booking_limit_per_address),
        )
    except QueueError as exc:
        if exc.code not in FORM_ERRORS:
            raise
        if exc.code == "closed" and start <= rt.hall.now():
            problem = _("This time has already passed. Please choose another time.")
        else:
            problem = message_of(exc)
        return _picker(mode, service=service, values=values, problem=problem, status=exc.status)
    return redirect(url_for("booking.show", code=booking["code"], new=1))


@blueprint.get("")
def index():
    return _picker("public", service=request.args.get("service") or None)


@blueprint.post("")
def create():
    return _book_from_form("public")


def _details(code: str) -> dict:
    rt = runtime()

    def lookup() -> dict:
        with rt.hall.read() as session:
            return booking_details(rt.hall, session, code)

    return guarded(lookup)


@blueprint.get("/<code>")
def show(code: str):
    booking = _details(code)
    if display_code(normalise_code(code)) != code:
        return redirect(url_for("booking.show", code=booking["code"], **request.args))
    rt = runtime()
    with rt.hall.read() as session:
        site = booking_site(rt.hall, session)
    may_change = _may_change(booking)
    return render_template(
        "booking_show.html", booking=booking, site=site, new=request.args.get("new") == "1",
        may_change=may_change,
        qr=qr_svg(booking["cancel_url"], _("QR code of booking %(code)s", code=booking["code"])),
    )


def _may_change(booking: dict) -> bool:
    """Whether the booking's page offers to cancel or move it (booked, slot not begun)."""
    return booking["status"] == "booked" and runtime().hall.now() < booking["start_at"]


@blueprint.route("/<code>/cancel", methods=["GET", "POST"])
def cancel(code: str):
    booking = _details(code)
    if request.method == "GET":
        return render_template("booking_cancel.html", booking=booking)
    rt = runtime()
    try:
        guarded(lambda: cancel_booking(rt.hall, code))
    except QueueError as exc:
        if exc.status != 409:
            raise
        flash(message_of(exc), "error")
        return redirect(url_for("booking.show", code=booking["code"]))
    flash(_("The booking is cancelled. Its place is free for someone else."), "ok")
    return redirect(url_for("booking.show", code=booking["code"]))


@blueprint.route("/<code>/move", methods=["GET", "POST"])
def move(code: str):
    booking = _details(code)
    if request.method == "GET":
        if not _may_change(booking):
            return redirect(url_for("booking.show", code=booking["code"]))
        return _picker("move", code=code, service=booking["service"])
    values = {"start": request.form.get("start", ""), "day": request.form.get("day", "")}
    start = _start_of(values) if values["start"] else None
    if start is None:
        return _picker("move", code=code, service=booking["service"], values=values,
                       errors={"start": _("Choose a time from the list.")}, status=400)
    rt = runtime()
    try:
        guarded(lambda: move_booking(rt.hall, code, start))
    except QueueError as exc:
        if exc.code not in FORM_ERRORS:
            raise
        problem = message_of(exc)
        if exc.code == "closed" and start <= rt.hall.now():
            problem = _("This time has already passed. Please choose another time.")
        return _picker("move", code=code, service=booking["service"], values=values,
                       problem=problem, status=exc.status)
    flash(_("The booking is moved to the new time."), "ok")
    return redirect(url_for("booking.show", code=booking["code"]))


@staff_blueprint.get("", endpoint="index")
@roles_required("officer", "manager")
def index_for_staff():
    return _picker("staff", service=request.args.get("service") or None)


@staff_blueprint.post("", endpoint="create")
@roles_required("officer", "manager")
def create_for_staff():
    return _book_from_form("staff")
