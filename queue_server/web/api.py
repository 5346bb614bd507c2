"""``/api/v1``: the JSON API of DESIGN.md section 5."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, jsonify, request

from protocol import ACTIONS, Command, ProtocolError, decode, encode
from protocol.messages import now_utc
from queue_server.domain.queue_error import QueueError
from queue_server.queue_views import services_overview
from queue_server.ticket_issuer import cancel_ticket, find_ticket, issue_ticket
from queue_server.web.context import runtime
from queue_server.web.device_auth import bearer_device, require_user
from queue_server.web.openapi import openapi_document

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")


def _bad_request(message_vi: str, message_en: str) -> QueueError:
    return QueueError("bad_request", message_vi, message_en, 400)


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _bad_request("Nội dung phải là một đối tượng JSON", "body must be a JSON object")
    return body


@blueprint.get("/services")
def services():
    rt = runtime()
    with rt.hall.transaction() as session:
        return jsonify(services_overview(rt.hall, session))


@blueprint.post("/tickets")
def take_ticket():
    device = bearer_device(kind="kiosk")
    if device is None:
        require_user("admin", "officer")
    body = _json_object()
    service = body.get("service")
    priority = body.get("priority", False)
    if not isinstance(service, str) or not service:
        raise _bad_request("Thiếu mã lĩnh vực ('service')", "'service' must be a service code")
    if not isinstance(priority, bool):
        raise _bad_request("'priority' phải là true hoặc false", "'priority' must be a boolean")
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and len(key) > 128:
        raise _bad_request("Idempotency-Key quá dài", "Idempotency-Key is longer than 128")
    rt = runtime()
    ticket, created = issue_ticket(
        rt.hall, service_code=service, priority=priority, device=device, idempotency_key=key
    )
    if created:
        rt.publisher.board_changed()
    return jsonify(ticket), 201 if created else 200


@blueprint.get("/tickets/<public_id>")
def ticket_status(public_id: str):
    return jsonify(find_ticket(runtime().hall, public_id))


@blueprint.post("/tickets/<public_id>/cancel")
def cancel(public_id: str):
    """A kiosk cancels a ticket it could not print, so nobody is called for it."""
    device = bearer_device(kind="kiosk")
    if device is None:
        require_user("admin", "officer")
    body = request.get_json(silent=True) or {}
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    if not isinstance(reason, str) or not reason.strip():
        raise _bad_request("Thiếu lý do hủy ('reason')", "'reason' must be a non-empty string")
    rt = runtime()
    ticket = cancel_ticket(rt.hall, public_id, reason.strip(), device)
    rt.publisher.board_changed()
    return jsonify(ticket)


@blueprint.post("/counters/<counter>/<action>")
def counter_action(counter: str, action: str):
    user = require_user("admin", "officer")
    if action not in ACTIONS:
        raise QueueError(
            "unknown_action", f"Không có thao tác {action!r}", f"unknown action {action!r}", 404
        )
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        raise _bad_request("Nội dung phải là một đối tượng JSON", "body must be a JSON object")
    raw = {
        "v": 1,
        "id": request.headers.get("Idempotency-Key") or str(uuid.uuid4()),
        "action": action,
        "service": body.get("service"),
        "rating": body.get("rating"),
        "ts": now_utc().isoformat(),
    }
    try:
        command = decode(encode_dict(raw), Command)
    except ProtocolError as exc:
        raise _bad_request("Yêu cầu không hợp lệ", str(exc)) from None
    outcome = runtime().publisher.run_command(counter, command, officer_id=user.id)
    state = jsonify_state(outcome.state)
    if outcome.state is None or outcome.state.result == "rejected":
        reason = outcome.state.reason if outcome.state else "rejected"
        status = 404 if reason == "unknown_counter" else 409
        return jsonify(
            {"error": {"code": reason, "message": _REASONS.get(reason, reason)}, "state": state}
        ), status
    return jsonify(state)


_REASONS = {
    "unknown_counter": "Không có quầy này",
    "paused": "Quầy đang tạm dừng",
    "no_current_ticket": "Quầy chưa gọi số nào",
    "unknown_service": "Không có lĩnh vực này",
    "same_service": "Phiếu đã thuộc lĩnh vực này",
    "nothing_to_rate": "Không có lượt phục vụ để đánh giá",
}


def encode_dict(raw: dict) -> bytes:
    return json.dumps({k: v for k, v in raw.items() if v is not None}).encode()


def jsonify_state(state) -> dict | None:
    return json.loads(encode(state)) if state is not None else None


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
