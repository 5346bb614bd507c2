"""``/api/v1``: the JSON API of DESIGN.md section 5.

Bodies are validated by the msgspec types of ``api_schema``; each route documents
itself for the OpenAPI document at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

import msgspec
from flask import Blueprint, Response, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from protocol import ACTIONS, Command, CounterState, encode
from protocol.messages import now_utc
from queue_server.appointment_book import (
    BookingLimits,
    BookingRequest,
    book,
    cancel_booking,
    day_of,
    find_booking,
    list_bookings,
    slots_of_day,
)
from queue_server.appointment_check_in import check_in
from queue_server.domain.queue_error import QueueError
from queue_server.queue_views import services_overview
from queue_server.storage.tables import Counter, Service
from queue_server.ticket_dossiers import NOT_READY, checked_code, dossier_code_from, look_up
from queue_server.ticket_issuer import attach_dossier, cancel_ticket, find_ticket, issue_ticket
from queue_server.web.api_schema import (
    AppointmentRequest,
    BookingOut,
    BookingsOut,
    CancelRequest,
    CounterActionRequest,
    CounterRejectedOut,
    DossierAttachRequest,
    DossierOut,
    ErrorOut,
    ServicesOut,
    SlotsOut,
    TicketOut,
    TicketRequest,
)
from queue_server.web.booking_throttle import guarded
from queue_server.web.context import runtime
from queue_server.web.device_auth import bearer_device, bearer_integrator, require_user
from queue_server.web.openapi import documented, header, openapi_document, path_param, query

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
T = TypeVar("T")

_REASONS = {
    "unknown_counter": "Không có quầy này",
    "paused": "Quầy đang tạm dừng",
    "no_current_ticket": "Quầy chưa gọi số nào",
    "unknown_service": "Không có lĩnh vực này",
    "same_service": "Phiếu đã thuộc lĩnh vực này",
    "not_served": "Không có quầy nào phục vụ lĩnh vực này",
    "nothing_to_rate": "Không có lượt phục vụ để đánh giá",
    "busy": "Hệ thống bận, vui lòng thử lại",
}


def _bad_request(message_vi: str, message_en: str) -> QueueError:
    return QueueError("bad_request", message_vi, message_en, 400)


def parse_body(kind: type[T], *, optional: bool = False) -> T:
    """The request's JSON body as ``kind``, or a 400 error saying what is wrong."""
    data = request.get_data(cache=True)
    if not data.strip() and optional:
        data = b"{}"
    try:
        return msgspec.json.decode(data, type=kind)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _bad_request(f"Nội dung yêu cầu không hợp lệ: {exc}", str(exc)) from None


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > 128:
        raise _bad_request("Idempotency-Key quá dài", "Idempotency-Key is longer than 128")
    return key


def _json(struct: msgspec.Struct | None) -> dict | None:
    return msgspec.json.decode(encode(struct)) if struct is not None else None


@blueprint.get("/services")
@documented(
    "get",
    "/api/v1/services",
    "Fields with names, open or closed, waiting count and estimated wait",
    responses={200: ("the site and its fields", ServicesOut)},
)
def services():
    rt = runtime()
    with rt.hall.read() as session:
        return jsonify(services_overview(rt.hall, session))


@blueprint.post("/tickets")
@documented(
    "post",
    "/api/v1/tickets",
    "Take a ticket (a kiosk with its device token)",
    request=TicketRequest,
    security=("device", "session"),
    parameters=(header("Idempotency-Key", max_length=128),),
    responses={
        201: ("issued", TicketOut),
        200: ("the ticket already issued for this Idempotency-Key", TicketOut),
        400: ("bad request", ErrorOut),
        401: ("no or wrong token", ErrorOut),
        404: ("unknown field", ErrorOut),
        409: ("field closed, no more tickets today, or not_ready (a results ticket for a "
              "dossier not ready yet, with return_date)", ErrorOut),
        422: ("bad_dossier: no dossier code can be read from 'dossier'", ErrorOut),
    },
)
def take_ticket():
    device = bearer_device(kind="kiosk")
    if device is None:
        require_user("admin", "officer")
    body = parse_body(TicketRequest)
    key = _idempotency_key()
    rt = runtime()
    codes: tuple[str, ...] = ()
    if body.dossier is not None:
        code = dossier_code_from(body.dossier, rt.config.dossier.receipt)
        _check_results_ticket(rt, body.service, code)
        codes = (code,)
    ticket, created = issue_ticket(
        rt.hall,
        service_code=body.service,
        priority=body.priority,
        device=device,
        idempotency_key=key,
        dossier_codes=codes,
    )
    if created:
        rt.publisher.board_changed()
    return jsonify(ticket), 201 if created else 200


def _check_results_ticket(rt, service_code: str, code: str) -> None:
    """A results ticket for a dossier the dossier system says is not ready: refused,
    unless the site lets such dossiers take a ticket (``results_when_not_ready``)."""
    with rt.hall.read() as session:
        site = rt.hall.site(session)
        results = session.scalar(select(Service.results).where(
            Service.site_id == site.id, Service.code == service_code))
        if not results or site.results_when_not_ready:
            return
    status = look_up(rt.hall, rt.dossiers, code)
    if status.checked and status.status in NOT_READY:
        when = status.return_date.strftime("%d/%m/%Y") if status.return_date else None
        raise QueueError(
            "not_ready",
            f"Hồ sơ chưa có kết quả, hẹn trả ngày {when}" if when
            else "Hồ sơ chưa có kết quả",
            "the dossier's result is not ready yet",
            409,
            details={"return_date": status.return_date.isoformat()
                     if status.return_date else None},
        )


@blueprint.get("/dossiers/<path:code>")
@documented(
    "get",
    "/api/v1/dossiers/{code}",
    "Where a dossier stands, asked of the province's dossier system",
    security=("device", "session"),
    parameters=(path_param("code", {"type": "string", "pattern": r"^[A-Za-z0-9._/-]{1,64}$"}),),
    responses={
        200: ("the dossier's status (checked false: no dossier system, or no answer in "
              "time)", DossierOut),
        401: ("no or wrong kiosk token, not logged in", ErrorOut),
        422: ("bad_dossier: not a dossier code", ErrorOut),
    },
)
def dossier_status(code: str):
    if bearer_device(kind="kiosk") is None and not current_user.is_authenticated:
        raise QueueError("unauthorized", "Vui lòng đăng nhập", "a kiosk token or a login is "
                         "needed", 401)
    rt = runtime()
    # a bare code, or the whole text of a receipt's QR code read by the same rules
    code = dossier_code_from(code, rt.config.dossier.receipt)
    return jsonify(look_up(rt.hall, rt.dossiers, code).as_json())


@blueprint.post("/tickets/<public_id>/dossiers")
@documented(
    "post",
    "/api/v1/tickets/{id}/dossiers",
    "An officer attaches a dossier code to a ticket",
    request=DossierAttachRequest,
    security=("session",),
    parameters=(path_param("id"), header("X-CSRFToken", required=True)),
    responses={
        200: ("the ticket with its dossier codes", TicketOut),
        400: ("bad request or CSRF token", ErrorOut),
        401: ("not logged in", ErrorOut),
        403: ("not an officer", ErrorOut),
        404: ("no such ticket", ErrorOut),
        422: ("bad_dossier: not a dossier code", ErrorOut),
    },
)
def attach_dossier_code(public_id: str):
    user = require_user("admin", "officer")
    body = parse_body(DossierAttachRequest)
    code = checked_code(body.code)
    ticket = attach_dossier(runtime().hall, public_id, code, officer_id=user.id)
    return jsonify(ticket)


@blueprint.get("/tickets/<public_id>")
@documented(
    "get",
    "/api/v1/tickets/{id}",
    "One ticket's status, position and estimated wait",
    parameters=(path_param("id"),),
    responses={200: ("the ticket", TicketOut), 404: ("no such ticket", ErrorOut)},
)
def ticket_status(public_id: str):
    return jsonify(find_ticket(runtime().hall, public_id))


@blueprint.post("/tickets/<public_id>/cancel")
@documented(
    "post",
    "/api/v1/tickets/{id}/cancel",
    "A kiosk cancels a ticket it could not print, so nobody is called for it",
    request=CancelRequest,
    security=("device", "session"),
    parameters=(path_param("id"),),
    responses={
        200: ("cancelled", TicketOut),
        400: ("bad request", ErrorOut),
        401: ("no or wrong token", ErrorOut),
        404: ("not this kiosk's ticket", ErrorOut),
        409: ("already called or finished", ErrorOut),
    },
)
def cancel(public_id: str):
    device = bearer_device(kind="kiosk")
    if device is None:
        require_user("admin", "officer")
    body = parse_body(CancelRequest)
    if not body.reason.strip():
        raise _bad_request("Thiếu lý do hủy ('reason')", "'reason' must not be blank")
    rt = runtime()
    ticket = cancel_ticket(rt.hall, public_id, body.reason.strip(), device)
    rt.publisher.board_changed()
    return jsonify(ticket)


@blueprint.post("/counters/<counter>/<action>")
@documented(
    "post",
    "/api/v1/counters/{counter}/{action}",
    "An officer's action at a counter (the same as the MQTT command)",
    request=CounterActionRequest,
    security=("session",),
    parameters=(
        path_param("counter"),
        path_param("action", {"type": "string", "enum": list(ACTIONS)}),
        header("X-CSRFToken", required=True),
        header("Idempotency-Key"),
    ),
    responses={
        200: ("the counter's state after the action", CounterState),
        400: ("bad request or CSRF token", ErrorOut),
        401: ("not logged in", ErrorOut),
        403: ("not an officer", ErrorOut),
        404: ("unknown counter or action", CounterRejectedOut),
        409: ("rejected, with the reason", CounterRejectedOut),
    },
)
def counter_action(counter: str, action: str):
    user = require_user("admin", "officer")
    if action not in ACTIONS:
        raise QueueError(
            "unknown_action", f"Không có thao tác {action!r}", f"unknown action {action!r}", 404
        )
    _check_seat(counter, user)
    body = parse_body(CounterActionRequest, optional=True)
    if action == "transfer" and body.service is None:
        raise _bad_request(
            "Chuyển phiếu cần lĩnh vực đích ('service')", "a transfer needs 'service'"
        )
    if action == "rate" and body.rating is None:
        raise _bad_request("Đánh giá cần điểm 1-4 ('rating')", "a rating needs 'rating' 1-4")
    command = Command(
        id=(_idempotency_key() or str(uuid.uuid4()))[:64],
        action=action,
        service=body.service if action == "transfer" else None,
        rating=body.rating if action == "rate" else None,
        ts=now_utc(),
    )
    outcome = runtime().publisher.run_command(counter, command, officer_id=user.id)
    state = _json(outcome.state)
    if outcome.state is None or outcome.state.result == "rejected":
        reason = outcome.state.reason if outcome.state and outcome.state.reason else "rejected"
        status = 404 if reason == "unknown_counter" else 503 if reason == "busy" else 409
        return jsonify(
            {"error": {"code": reason, "message": _REASONS.get(reason, reason)}, "state": state}
        ), status
    return jsonify(state)


@blueprint.get("/appointments/slots")
@documented(
    "get",
    "/api/v1/appointments/slots",
    "The bookable slots of a field on one day, with the places left in each",
    parameters=(
        query(
            "service",
            {"type": "string", "minLength": 1, "maxLength": 8, "pattern": "^[A-Z0-9]+$"},
            required=True,
        ),
        query("day", {"type": "string", "format": "date"}, required=True),
    ),
    responses={
        200: ("the slots (none on closed days or outside the booking window)", SlotsOut),
        400: ("bad day", ErrorOut),
        404: ("unknown field, or a field without appointments", ErrorOut),
    },
)
def appointment_slots():
    service = request.args.get("service", "").strip()
    if not service:
        raise _bad_request("Thiếu lĩnh vực ('service')", "'service' is missing")
    day = day_of(request.args.get("day", ""))
    return jsonify(slots_of_day(runtime().hall, service, day))


@blueprint.post("/appointments")
@documented(
    "post",
    "/api/v1/appointments",
    "Book a place in a slot (public with limits, or an integrator with its key)",
    request=AppointmentRequest,
    security=("", "integrator"),
    responses={
        201: ("booked", BookingOut),
        200: ("the booking already made for this external_id", BookingOut),
        400: ("bad request", ErrorOut),
        401: ("wrong integrator key", ErrorOut),
        404: ("unknown field, or a field without appointments", ErrorOut),
        409: ("slot_full, or closed (no slot at that time)", ErrorOut),
        429: ("too many bookings (Retry-After)", ErrorOut),
    },
)
def make_appointment():
    integrator = bearer_integrator()
    body = parse_body(AppointmentRequest)
    if body.external_id is not None and integrator is None:
        raise _bad_request(
            "'external_id' chỉ dùng được với khóa tích hợp",
            "'external_id' needs an integrator key (Authorization: Bearer)",
        )
    rt = runtime()
    booking, created = book(
        rt.hall,
        BookingRequest(
            service=body.service,
            start=body.start,
            name=body.name,
            phone=body.phone,
            external_id=body.external_id,
            integrator_id=integrator.id if integrator else None,
            client_address=request.remote_addr,
        ),
        BookingLimits(rt.config.booking_limit_per_phone, rt.config.booking_limit_per_address),
    )
    return jsonify(booking), 201 if created else 200


@blueprint.get("/appointments")
@documented(
    "get",
    "/api/v1/appointments",
    "The bookings of a day: an integrator's own (its key), or all of them (staff)",
    parameters=(
        query("day", {"type": "string", "format": "date"}, required=True),
        query("service", {"type": "string", "minLength": 1, "maxLength": 8,
                          "pattern": "^[A-Z0-9]+$"}),
    ),
    security=("integrator", "session"),
    responses={
        200: ("the bookings, earliest first (no personal data)", BookingsOut),
        400: ("bad day", ErrorOut),
        401: ("no integrator key and not logged in, or a wrong key", ErrorOut),
        404: ("unknown field, or a field without appointments", ErrorOut),
    },
)
def appointments_of_day():
    integrator = bearer_integrator()
    if integrator is None and not current_user.is_authenticated:
        raise QueueError(
            "unauthorized",
            "Cần khóa tích hợp hoặc đăng nhập",
            "an integrator key (Authorization: Bearer) or a staff login is needed",
            401,
        )
    day = day_of(request.args.get("day", ""))
    service = request.args.get("service", "").strip() or None
    return jsonify(list_bookings(runtime().hall, day, service,
                                 integrator.id if integrator else None))


@blueprint.get("/appointments/<code>")
@documented(
    "get",
    "/api/v1/appointments/{code}",
    "One booking by its code (no personal data)",
    parameters=(path_param("code"),),
    responses={
        200: ("the booking", BookingOut),
        404: ("unknown code", ErrorOut),
        429: ("too many unknown codes from this address (Retry-After)", ErrorOut),
    },
)
def appointment(code: str):
    return jsonify(guarded(lambda: find_booking(runtime().hall, code)))


@blueprint.post("/appointments/<code>/cancel")
@documented(
    "post",
    "/api/v1/appointments/{code}/cancel",
    "Cancel a booking before its slot begins (its place is free again)",
    parameters=(path_param("code"),),
    responses={
        200: ("cancelled (also when it already was)", BookingOut),
        404: ("unknown code", ErrorOut),
        409: ("checked_in, or too_late (the slot has begun)", ErrorOut),
        429: ("too many unknown codes from this address (Retry-After)", ErrorOut),
    },
)
def cancel_appointment(code: str):
    return jsonify(guarded(lambda: cancel_booking(runtime().hall, code)))


@blueprint.post("/appointments/<code>/check-in")
@documented(
    "post",
    "/api/v1/appointments/{code}/check-in",
    "A kiosk checks a booking in: the citizen gets an appointment ticket",
    security=("device",),
    parameters=(path_param("code"),),
    responses={
        201: ("the appointment ticket (appointment_start set)", TicketOut),
        200: ("the ticket this booking already got", TicketOut),
        401: ("no or wrong kiosk token", ErrorOut),
        404: ("unknown code", ErrorOut),
        409: ("too_early (with come_back_at), too_late (with the field), cancelled", ErrorOut),
        429: ("too many unknown codes at this kiosk (Retry-After)", ErrorOut),
    },
)
def check_in_appointment(code: str):
    device = bearer_device(kind="kiosk")
    if device is None:
        raise QueueError("unauthorized", "Cần mã thiết bị của ki-ốt", "a kiosk token is needed",
                         401)
    rt = runtime()
    ticket, created = guarded(lambda: check_in(rt.hall, code, device), kiosk=device.code)
    if created:
        rt.publisher.board_changed()
    return jsonify(ticket), 201 if created else 200


def _check_seat(counter: str, user) -> None:
    """An officer may not act at a counter where another officer is seated."""
    if user.role == "admin":
        return
    rt = runtime()
    with rt.hall.read() as session:
        site = rt.hall.site(session)
        seated = session.scalar(
            select(Counter.officer_id).where(Counter.site_id == site.id, Counter.number == counter)
        )
    if seated is not None and seated != user.id:
        raise QueueError(
            "counter_taken",
            "Quầy này đang do cán bộ khác phụ trách",
            "another officer is seated at this counter",
            403,
        )


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


documented(
    "get",
    "/healthz",
    "Liveness with database and broker state",
    responses={200: ("healthy", None),
               503: ("degraded: database or broker unreachable", None)},
)(None)
