"""Who is calling the API: a device by its bearer token, or a logged-in person."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms.validators import ValidationError

from queue_server.device_tokens import hash_token
from queue_server.domain.queue_error import QueueError
from queue_server.storage.tables import Device, IntegratorKey
from queue_server.web.context import runtime


def _unauthorized(message_vi: str, message_en: str) -> QueueError:
    return QueueError("unauthorized", message_vi, message_en, 401)


@dataclass(frozen=True)
class DeviceIdentity:
    """Who a valid token belongs to (kept for a short while to spare a query per ticket)."""

    id: int
    code: str
    kind: str


TOKEN_TTL_S = 30.0


def _lookup(token_hash: str) -> DeviceIdentity | None:
    rt = runtime()

    def load() -> DeviceIdentity | None:
        with rt.hall.read() as session:
            site = rt.hall.site(session)
            device = session.scalar(
                select(Device).where(Device.site_id == site.id, Device.token_hash == token_hash,
                                     Device.active.is_(True))
            )
            return DeviceIdentity(device.id, device.code, device.kind) if device else None

    return rt.hall.cache.get(("device", token_hash), TOKEN_TTL_S, load)


def bearer_device(kind: str | None = None) -> DeviceIdentity | None:
    """The device whose token the request carries; None when it carries none."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Sai định dạng xác thực", "expected 'Authorization: Bearer <token>'")
    device = _lookup(hash_token(token.strip()))
    if device is None or (kind is not None and device.kind != kind):
        raise _unauthorized("Mã thiết bị không hợp lệ", "unknown or wrong device token")
    return device


@dataclass(frozen=True)
class IntegratorIdentity:
    """An outside booking system, known by its API key made in /admin."""

    id: int
    name: str


def bearer_integrator() -> IntegratorIdentity | None:
    """The integrator whose key the request carries; None when it carries none."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthorized("Sai định dạng xác thực", "expected 'Authorization: Bearer <key>'")
    rt = runtime()
    key_hash = hash_token(key.strip())

    def load() -> IntegratorIdentity | None:
        with rt.hall.read() as session:
            site = rt.hall.site(session)
            row = session.scalar(
                select(IntegratorKey).where(
                    IntegratorKey.site_id == site.id,
                    IntegratorKey.key_hash == key_hash,
                    IntegratorKey.active.is_(True),
                )
            )
            return IntegratorIdentity(row.id, row.name) if row else None

    found = rt.hall.cache.get(("integrator", key_hash), TOKEN_TTL_S, load)
    if found is None:
        raise _unauthorized("Khóa tích hợp không hợp lệ", "unknown or revoked integrator key")
    return found


def require_user(*roles: str):
    """The logged-in user with one of ``roles``; cookie callers must send the CSRF header."""
    if not current_user.is_authenticated:
        raise _unauthorized("Vui lòng đăng nhập", "log in first")
    if roles and current_user.role not in roles:
        raise QueueError(
            "forbidden", "Tài khoản không có quyền này", "not allowed for this role", 403
        )
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError:
        raise QueueError(
            "csrf", "Thiếu hoặc sai mã CSRF (X-CSRFToken)", "missing or bad X-CSRFToken header", 400
        ) from None
    return current_user
