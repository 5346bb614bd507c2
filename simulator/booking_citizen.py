"""Simulated citizens who book ahead: a slot through the public booking API, then
check-in at a kiosk, as a citizen with a booking slip does.

The citizen books the field's first open slot of the hall's day if it begins within
``ARRIVAL_SLOT_S`` (the slot of the arrival time: check-in is open for it), with a made-up name
and phone number, then hands the code to a kiosk client (``kiosk.server_client``
or a whole ``kiosk.station.KioskStation``, which also prints). When no slot can be
had (none open now, full, the field takes none, a booking limit), the citizen takes
a walk-in ticket instead; the reason is counted.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
#: a slot beginning later than this after the arrival is not the arrival's slot
ARRIVAL_SLOT_S = 15 * 60


@dataclass
class BookingTally:
    """What the booking citizens did."""

    booked: int = 0
    checked_in: int = 0
    #: reason → citizens who meant to book and took a walk-in ticket instead
    fell_back: Tally = field(default_factory=Tally)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, reason: str | None = None) -> None:
        with self.lock:
            if what == "booked":
                self.booked += 1
            elif what == "checked_in":
                self.checked_in += 1
            else:
                self.fell_back[reason or "?"] += 1

    def line(self) -> str:
        """``3 lịch hẹn/appointments booked, 3 checked in`` for the terminal."""
        fell = sum(self.fell_back.values())
        text = (f"{self.booked} lịch hẹn/appointments booked, {self.checked_in} checked in")
        if fell:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.fell_back.items()))
            text += f", {fell} took a walk-in ticket ({reasons})"
        return text


class BookingFailed(Exception):
    """No booking or no check-in: ``code`` says why (the server's error code)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class BookingCitizens:
    """Books and checks in for simulated citizens against one server."""

    def __init__(
        self,
        server_url: str,
        check_in: Callable[[str], dict],
        *,
        tally: BookingTally | None = None,
        seed: int = 1,
        timeout: float = 10.0,
    ) -> None:
        self.api = f"{server_url.rstrip('/')}/api/v1"
        self.check_in = check_in
        self.tally = tally or BookingTally()
        self.timeout = timeout
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._local = threading.local()
        self._timezone: str | None = None

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _get(self, path: str, **params) -> dict:
        r = self._session().get(f"{self.api}{path}", params=params, timeout=self.timeout)
        body = r.json()
        if not r.ok:
            raise BookingFailed(body.get("error", {}).get("code", str(r.status_code)))
        return body

    def timezone(self) -> str:
        if self._timezone is None:
            site = self._get("/services").get("site") or {}
            self._timezone = str(site.get("timezone") or DEFAULT_TIMEZONE)
        return self._timezone

    def _made_up(self) -> tuple[str, str]:
        with self._rng_lock:
            n = self._rng.randrange(10**8)
        return f"Công dân mô phỏng {n % 10000:04d}", f"09{n:08d}"

    def book(self, field_code: str) -> str:
        """Book the field's next open slot of today; the booking's code."""
        now = datetime.now(ZoneInfo(self.timezone()))
        slots = [s for s in self._get("/appointments/slots", service=field_code,
                                      day=now.date().isoformat())["slots"]
                 if s["free"] > 0
                 and (datetime.fromisoformat(s["start"]) - now).total_seconds() <= ARRIVAL_SLOT_S]
        if not slots:
            raise BookingFailed("no_slot")
        name, phone = self._made_up()
        r = self._session().post(f"{self.api}/appointments", timeout=self.timeout, json={
            "service": field_code, "start": slots[0]["start"], "name": name, "phone": phone})
        body = r.json()
        if r.status_code != 201:
            raise BookingFailed(body.get("error", {}).get("code", str(r.status_code)))
        return body["code"]

    def visit(self, field_code: str) -> dict | None:
        """Book, then check in at the kiosk: the appointment ticket, or None (the reason
        is counted) when the citizen must take a walk-in ticket instead."""
        try:
            code = self.book(field_code)
        except (BookingFailed, requests.RequestException, ValueError, KeyError) as exc:
            self.tally.add("fell_back", getattr(exc, "code", "unreachable"))
            return None
        self.tally.add("booked")
        try:
            ticket = self.check_in(code)
        except Exception as exc:  # a KioskError from the kiosk client, with the server's code
            reason = str(getattr(exc, "code", type(exc).__name__))
            log.info("check-in of %s refused: %s", code, reason)
            self.tally.add("fell_back", f"check-in {reason}")
            return None
        self.tally.add("checked_in")
        return ticket
