"""Slowing down booking-code guessing on lookup, cancel and check-in.

A booking code holds 40 random bits, so guessing one takes very many tries; after a
few unknown codes from one client address (or, at a kiosk, from one kiosk: citizens
mistype there) further tries are refused with 429 and ``Retry-After`` until the
window has passed. Kept in memory like the login throttle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

from queue_server.domain.queue_error import QueueError
from queue_server.web.login_throttle import LoginThrottle

T = TypeVar("T")

#: unknown codes allowed per client address, and per kiosk, in WINDOW_S
PUBLIC_FAILURES = 10
KIOSK_FAILURES = 30
WINDOW_S = 600.0


def init_app(app: Flask) -> None:
    app.extensions["booking_throttle"] = {
        "address": LoginThrottle(PUBLIC_FAILURES, WINDOW_S),
        "kiosk": LoginThrottle(KIOSK_FAILURES, WINDOW_S),
    }


def too_many(wait_s: float, message_vi: str, message_en: str, code: str) -> QueueError:
    return QueueError(code, message_vi, message_en, 429, retry_after_s=max(int(wait_s) + 1, 1))


def guarded(lookup: Callable[[], T], kiosk: str | None = None) -> T:
    """Run a lookup by booking code, counting unknown codes against the caller."""
    kind = "kiosk" if kiosk else "address"
    throttle: LoginThrottle = current_app.extensions["booking_throttle"][kind]
    key = LoginThrottle.key("booking", kiosk or request.remote_addr)
    wait = throttle.retry_after(key, time.monotonic())
    if wait > 0:
        raise too_many(
            wait,
            "Nhập sai mã lịch hẹn quá nhiều lần, vui lòng thử lại sau",
            "too many unknown booking codes, try again later",
            "too_many_attempts",
        )
    try:
        return lookup()
    except QueueError as exc:
        if exc.code == "unknown_booking":
            throttle.failed(key, time.monotonic())
        raise
