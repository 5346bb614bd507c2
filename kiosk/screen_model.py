"""What the kiosk screen shows and what a tap on it means, without pygame.

The model knows the current page (loading, start, busy, confirm, error, and for
citizens with a booking: code entry and notice), where each button is, and turns a
tap at (x, y), a physical button press or a scanned text into an action for the
shell to run ("take" a ticket, "check_in" a booking, "refresh" the services).
Drawing and threads live elsewhere, so the whole touch flow is tested by calling
methods.

Against piles of tickets from repeated taps: while a ticket is being issued the
page is "busy" and ignores taps; every citizen interaction has its own
Idempotency-Key (a repeat of the same choice returns the same ticket); and for
``lockout`` seconds after a ticket no new one is taken.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from kiosk.kiosk_error import KioskError
from kiosk.scan_router import ALPHABET, CODE_LENGTH, Scan

Rect = tuple[int, int, int, int]  # x, y, width, height

#: seconds the confirmation stays up before the next citizen's start page
CONFIRM_SECONDS = 10.0
#: seconds a passing error (closed service, lost connection) stays up
ERROR_SECONDS = 8.0
#: taps this soon after the confirmation appears are the tail of a double tap
TAP_GUARD_SECONDS = 0.8
#: seconds after a ticket during which no other is taken (config key lockout_s)
LOCKOUT_SECONDS = 3.0
#: errors that hold the start page until they clear
PRINTER_CODES = ("paper_out", "printer_offline")
SERVER_CODES = ("unreachable",)
#: answers to a check-in (or a scan) shown on the notice page, not as faults
NOTICE_CODES = ("too_early", "too_late", "cancelled", "unknown_booking", "too_many_attempts",
                "unreadable", "bad_dossier", "not_ready")
#: seconds a notice (too early, unknown code…) stays up
NOTICE_SECONDS = 12.0
#: seconds without a key on the code-entry page before it gives up
CODE_IDLE_SECONDS = 60.0
#: the on-screen keyboard: Crockford's characters, eight to a row
KEY_ROWS = (ALPHABET[0:8], ALPHABET[8:16], ALPHABET[16:24], ALPHABET[24:32])
#: the dossier-code keyboard: digits, letters and the code's punctuation, ten to a row
DOSSIER_KEY_ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL.", "ZXCVBNM-/_")
#: the longest dossier code (DESIGN.md section 11)
DOSSIER_CODE_MAX = 64
#: seconds the dossier status page stays up
DOSSIER_SECONDS = 20.0
#: dossier states for which a results ticket is offered without asking the site
READY_STATES = ("ready",)
NOT_READY_STATES = ("received", "in_progress")


@dataclass(frozen=True)
class Button:
    """A tappable area; ``action`` says what it does, ``value`` which service."""

    #: "service" | "priority" | "language" | "done" | "retry" | "appointment" | "key"
    #: | "delete" | "cancel" | "submit" | "walk_in"
    action: str
    rect: Rect
    value: str = ""
    enabled: bool = True

    def contains(self, x: int, y: int) -> bool:
        bx, by, bw, bh = self.rect
        return bx <= x < bx + bw and by <= y < by + bh


@dataclass(frozen=True)
class Layout:
    """Where the fixed parts of the start page go, from the screen size."""

    width: int
    height: int

    @property
    def margin(self) -> int:
        return max(8, self.width // 60)

    @property
    def header(self) -> Rect:
        return (0, 0, self.width, round(self.height * 0.14))

    @property
    def language_button(self) -> Rect:
        w, h = round(self.width * 0.16), round(self.height * 0.10)
        return (self.width - w - self.margin, (self.header[3] - h) // 2, w, h)

    @property
    def priority_button(self) -> Rect:
        h = round(self.height * 0.17)
        return (self.margin, self.height - h - self.margin, self.width - 2 * self.margin, h)

    @property
    def services_area(self) -> Rect:
        top = self.header[3] + self.margin
        bottom = self.priority_button[1] - self.margin
        return (self.margin, top, self.width - 2 * self.margin, bottom - top)

    @property
    def done_button(self) -> Rect:
        w, h = round(self.width * 0.3), round(self.height * 0.13)
        return ((self.width - w) // 2, self.height - h - self.margin * 2, w, h)

    def bottom_row(self, appointments: bool,
                   dossier: bool = False) -> tuple[Rect, Rect | None, Rect | None]:
        """The priority button, and beside it the appointment and dossier buttons when shown."""
        x, y, w, h = self.priority_button
        extra = int(appointments) + int(dossier)
        if not extra:
            return self.priority_button, None, None
        aw = round(w * (0.34 if extra == 1 else 0.25))
        right = x + w
        rects: list[Rect | None] = []
        for shown in (dossier, appointments):
            if shown:
                right -= aw
                rects.append((right, y, aw, h))
                right -= self.margin
            else:
                rects.append(None)
        dossier_rect, appointment_rect = rects
        return (x, y, right - x, h), appointment_rect, dossier_rect

    # -- the code-entry page ---------------------------------------------------
    @property
    def code_display(self) -> Rect:
        top = self.header[3] + self.margin
        return (self.width // 4, top, self.width // 2, round(self.height * 0.12))

    @property
    def code_hint(self) -> Rect:
        x, y, w, h = self.code_display
        return (self.margin, y + h, self.width - 2 * self.margin, round(self.height * 0.06))

    @property
    def code_actions(self) -> list[Rect]:
        """Cancel, delete and check in, along the bottom."""
        h = round(self.height * 0.12)
        y = self.height - h - self.margin
        gap = self.margin * 2
        w = (self.width - 2 * self.margin - 2 * gap) // 3
        return [(self.margin + i * (w + gap), y, w, h) for i in range(3)]

    def key_buttons(self, rows: tuple[str, ...] = KEY_ROWS) -> list[tuple[str, Rect]]:
        """Every key of an on-screen keyboard (booking codes by default) with its place."""
        top = self.code_hint[1] + self.code_hint[3] + self.margin
        bottom = self.code_actions[0][1] - self.margin
        gap = max(6, self.margin // 2 + 2)
        columns = len(rows[0])
        kw = (self.width - 2 * self.margin - gap * (columns - 1)) // columns
        kh = (bottom - top - gap * (len(rows) - 1)) // len(rows)
        return [
            (ch, (self.margin + c * (kw + gap), top + r * (kh + gap), kw, kh))
            for r, row in enumerate(rows) for c, ch in enumerate(row)
        ]

    @property
    def dossier_display(self) -> Rect:
        """The dossier code typed so far: wider than a booking code's box."""
        top = self.header[3] + self.margin
        return (self.margin * 2, top, self.width - 4 * self.margin, round(self.height * 0.12))

    @property
    def notice_buttons(self) -> tuple[Rect, Rect]:
        """Back to the start (left) and, after a missed appointment, a walk-in ticket."""
        w, h = round(self.width * 0.36), round(self.height * 0.13)
        y = self.height - h - self.margin * 2
        gap = self.margin * 2
        left = (self.width - 2 * w - gap) // 2
        return (left, y, w, h), (left + w + gap, y, w, h)

    def service_buttons(self, count: int) -> list[Rect]:
        """A grid: one column for up to three services, two (or three) beyond."""
        if count <= 0:
            return []
        columns = 1 if count <= 3 else 2 if count <= 8 else 3
        rows = math.ceil(count / columns)
        ax, ay, aw, ah = self.services_area
        gap = self.margin
        bw = (aw - gap * (columns - 1)) // columns
        bh = (ah - gap * (rows - 1)) // rows
        return [
            (ax + (i % columns) * (bw + gap), ay + (i // columns) * (bh + gap), bw, bh)
            for i in range(count)
        ]


class KioskScreen:
    """The state of the touch screen; every method takes ``now`` (monotonic seconds)."""

    def __init__(
        self,
        size: tuple[int, int],
        language: str = "vi",
        lockout: float = LOCKOUT_SECONDS,
        appointments: bool | None = None,
    ) -> None:
        self.layout = Layout(*size)
        self.default_language = language
        self.language = language
        self.lockout = lockout
        self.page = "loading"
        self.services: list[dict[str, Any]] = []
        self.site_name = ""
        self.priority = False
        self.ticket: dict[str, Any] | None = None
        self.error: KioskError | None = None
        #: problems that hold the start page until they clear
        self.printer_problem: KioskError | None = None
        self.server_problem: KioskError | None = None
        self.since = 0.0
        self.locked_until = 0.0
        self.interaction = uuid.uuid4().hex
        #: the appointment button: True always, False never, None as the server lists fields
        self.appointments = appointments
        #: what is typed on the code-entry page (stored form, no dash)
        self.code = ""
        #: the answer shown on the notice page (too early, unreadable…)
        self.notice: KioskError | None = None
        #: what the "busy" page says: "busy" (printing a ticket) or "checking" (a booking)
        self.busy_text = "busy"
        self.timezone = ""
        #: what is typed on the dossier-code page
        self.dossier_typed = ""
        #: the dossier status page: the server's answer and the text it was asked about
        self.dossier: dict[str, Any] | None = None
        self.dossier_text = ""

    @property
    def appointments_shown(self) -> bool:
        """Whether the start page offers "Đã đặt lịch hẹn"."""
        if self.appointments is not None:
            return self.appointments
        return any(bool(s.get("appointments")) for s in self.services)

    @property
    def results_service(self) -> dict[str, Any] | None:
        """The results-pickup field (trả kết quả), when the server lists one."""
        return next((s for s in self.services if s.get("results")), None)

    @property
    def dossier_offer(self) -> dict[str, Any] | None:
        """On the dossier page: the results field a ticket may be taken for, if any.

        A ready result, or one nobody could check (no dossier system, or no answer in
        time), gets a ticket; one not ready only where the site allows it.
        """
        service = self.results_service
        if self.dossier is None or service is None or not service.get("open", True):
            return None
        status = self.dossier.get("status")
        if not self.dossier.get("checked"):
            return service
        if status in READY_STATES:
            return service
        if status in NOT_READY_STATES and service.get("results_when_not_ready"):
            return service
        return None

    @property
    def walk_in_service(self) -> dict[str, Any] | None:
        """After a missed appointment: the field to take a normal ticket for, if known."""
        if self.notice is None or self.notice.code != "too_late":
            return None
        found = self.service(str(self.notice.details.get("service") or ""))
        return found if found is not None and found.get("open", True) else None

    @property
    def blocking(self) -> KioskError | None:
        """The problem that stops tickets now: no server, or a printer that cannot print."""
        return self.server_problem or self.printer_problem

    def idempotency_key(self, code: str, priority: bool) -> str:
        """The same key for the same choice within one citizen's interaction."""
        return f"{self.interaction}-{code}-{'p' if priority else 'n'}"

    def _new_interaction(self) -> None:
        self.interaction = uuid.uuid4().hex

    # -- what is on screen -------------------------------------------------
    def buttons(self) -> list[Button]:
        lay = self.layout
        if self.page == "start" and self.blocking is None:
            found = [
                Button("service", rect, s["code"], bool(s.get("open", True)))
                for s, rect in zip(self.services, lay.service_buttons(len(self.services)),
                                   strict=True)
            ]
            priority, appointment, dossier = lay.bottom_row(
                self.appointments_shown, self.results_service is not None)
            found += [Button("priority", priority), Button("language", lay.language_button)]
            if appointment is not None:
                found.append(Button("appointment", appointment))
            if dossier is not None:
                found.append(Button("dossier_entry", dossier))
            return found
        if self.page == "dossier_code" and self.blocking is None:
            cancel, delete, submit = lay.code_actions
            room = len(self.dossier_typed) < DOSSIER_CODE_MAX
            keys = [Button("dossier_key", rect, ch, room)
                    for ch, rect in lay.key_buttons(DOSSIER_KEY_ROWS)]
            return keys + [
                Button("cancel", cancel),
                Button("dossier_delete", delete, enabled=bool(self.dossier_typed)),
                Button("dossier_submit", submit, enabled=bool(self.dossier_typed)),
                Button("language", lay.language_button),
            ]
        if self.page == "dossier":
            offer = self.dossier_offer
            if offer is None:
                return [Button("done", lay.done_button), Button("language", lay.language_button)]
            home, collect = lay.notice_buttons
            return [Button("done", home), Button("language", lay.language_button),
                    Button("collect", collect, offer["code"])]
        if self.page == "code" and self.blocking is None:
            cancel, delete, submit = lay.code_actions
            keys = [Button("key", rect, ch, len(self.code) < CODE_LENGTH)
                    for ch, rect in lay.key_buttons()]
            return keys + [
                Button("cancel", cancel),
                Button("delete", delete, enabled=bool(self.code)),
                Button("submit", submit, enabled=len(self.code) == CODE_LENGTH),
                Button("language", lay.language_button),
            ]
        if self.page == "notice":
            service = self.walk_in_service
            if service is None:
                return [Button("done", lay.done_button), Button("language", lay.language_button)]
            home, walk_in = lay.notice_buttons
            return [Button("done", home), Button("language", lay.language_button),
                    Button("walk_in", walk_in, service["code"])]
        if self.page == "confirm":
            return [Button("done", lay.done_button), Button("language", lay.language_button)]
        if self.page in ("error", "loading") or self.blocking is not None:
            return [Button("retry", lay.done_button), Button("language", lay.language_button)]
        return []

    def button_at(self, x: int, y: int) -> Button | None:
        return next((b for b in self.buttons() if b.contains(x, y)), None)

    def service(self, code: str) -> dict[str, Any] | None:
        return next((s for s in self.services if s.get("code") == code), None)

    # -- input ---------------------------------------------------------------
    def click(self, x: int, y: int, now: float) -> tuple | None:
        """Handle one tap; returns ("take", code, priority), ("refresh",) or None."""
        button = self.button_at(x, y)
        if button is None:
            if self.page == "confirm" and now - self.since >= TAP_GUARD_SECONDS:
                self.back_to_start(now)
            return None
        if button.action == "language":
            self.language = "en" if self.language == "vi" else "vi"
            return None
        if button.action == "priority":
            self.priority = not self.priority
            return None
        if button.action == "service":
            if not button.enabled:
                return None
            return self._take(button.value, now)
        if button.action == "done":
            if self.page in ("notice", "dossier") or now - self.since >= TAP_GUARD_SECONDS:
                self.back_to_start(now)
            return None
        if button.action == "appointment":
            self.page = "code"
            self.code = ""
            self.since = now
            return None
        if button.action == "dossier_entry":
            self.page = "dossier_code"
            self.dossier_typed = ""
            self.since = now
            return None
        if button.action in ("dossier_key", "dossier_delete", "dossier_submit"):
            self.since = now
            if button.action == "dossier_delete":
                self.dossier_typed = self.dossier_typed[:-1]
            elif button.action == "dossier_key" and len(self.dossier_typed) < DOSSIER_CODE_MAX:
                self.dossier_typed += button.value
            elif button.action == "dossier_submit" and self.dossier_typed:
                return self._look_up(self.dossier_typed, now)
            return None
        if button.action == "collect":
            if now < self.locked_until or self.blocking is not None:
                return None
            text = self.dossier_text
            action = self._take(button.value, now)
            if action is None:
                return None
            self.priority = False
            return ("take", button.value, False, self.idempotency_key(button.value, False),
                    text)
        if button.action in ("key", "delete", "cancel", "submit"):
            return self._code_key(button, now)
        if button.action == "walk_in":
            if now < self.locked_until:
                return None
            self.notice = None
            self.page = "start"
            return self._take(button.value, now)
        if button.action == "retry":
            self.page = "loading"
            self.since = now
            return ("refresh",)
        return None

    def _code_key(self, button: Button, now: float) -> tuple | None:
        """A key of the code-entry page."""
        self.since = now  # the idle time-out counts from the last key
        if button.action == "cancel":
            self.back_to_start(now)
        elif button.action == "delete":
            self.code = self.code[:-1]
        elif button.action == "key" and len(self.code) < CODE_LENGTH:
            self.code += button.value
        elif button.action == "submit" and len(self.code) == CODE_LENGTH:
            return self._check_in(self.code, now)
        return None

    def _check_in(self, code: str, now: float) -> tuple | None:
        if self.blocking is not None:
            return None
        self.page = "busy"
        self.busy_text = "checking"
        self.since = now
        return ("check_in", code)

    def _look_up(self, text: str, now: float) -> tuple | None:
        """Ask where a dossier stands (a scanned receipt or a typed code)."""
        if self.blocking is not None:
            return None
        self.page = "busy"
        self.busy_text = "checking_dossier"
        self.dossier_text = text
        self.since = now
        return ("dossier", text)

    def show_dossier(self, answer: dict[str, Any], now: float) -> None:
        """The dossier system's answer: its status, return date and maybe a ticket offer."""
        self.dossier = answer
        self.page = "dossier"
        self.since = now
        self._new_interaction()

    def scan(self, scan: Scan, now: float) -> tuple | None:
        """A scanned text, as the router read it: check in, or say it was not readable.

        Scans count on any page a citizen may be looking at, except while a ticket is
        being issued, right after one (the lockout: a slip scanned twice prints once)
        and while tickets are stopped (no server, no paper).
        """
        ready = self.page in ("start", "code", "confirm", "notice", "dossier",
                              "dossier_code") or (
            self.page == "error" and self.blocking is None)
        if not ready or self.blocking is not None or now < self.locked_until:
            return None
        if scan.kind == "check_in":
            self.code = scan.value
            return self._check_in(scan.value, now)
        if scan.kind == "dossier" and self.results_service is not None:
            return self._look_up(scan.value, now)
        self.show_notice(KioskError(scan.kind if scan.kind in NOTICE_CODES else "unreadable"),
                         now)
        return None

    def _take(self, code: str, now: float) -> tuple | None:
        if now < self.locked_until or self.blocking is not None:
            return None
        priority = self.priority
        self.page = "busy"
        self.busy_text = "busy"
        self.since = now
        return ("take", code, priority, self.idempotency_key(code, priority))

    def press_service(self, code: str, now: float) -> tuple | None:
        """A physical button: take a ticket for ``code`` from the start or confirm page.

        A press on the confirmation page starts the next citizen's ticket (there is
        no touch screen to tap "Xong"); the lockout still guards double presses.
        """
        service = self.service(code)
        if service is None or not service.get("open", True) or now < self.locked_until:
            return None
        if self.page == "confirm":
            self.back_to_start(now, keep_priority=True)
        if self.page != "start":
            return None
        return self._take(code, now)

    def press_priority(self) -> None:
        """The physical priority button: the next ticket is a priority one (press again: not)."""
        if self.page in ("start", "confirm"):
            self.priority = not self.priority

    # -- results from the shell ------------------------------------------
    def show_services(
        self, services: list[dict[str, Any]], site_name: str, health: str, now: float
    ) -> None:
        self.services = [s for s in services if isinstance(s, dict) and s.get("code")]
        self.site_name = site_name
        self.server_problem = None
        self.printer_problem = None
        if health == "paper_out":
            self.printer_problem = KioskError("paper_out")
        elif health == "offline":
            self.printer_problem = KioskError("printer_offline")
        passing = (self.page == "error" and self.error is not None
                   and self.error.code not in PRINTER_CODES + SERVER_CODES)
        if passing:
            return  # a passing message (closed service, ticket not printed) stays its time
        if self.page in ("loading", "error") or (self.page == "start" and self.blocking):
            self.page = "start" if self.blocking is None else "error"
            self.error = self.blocking
            self.since = now

    def refresh_failed(self, error: KioskError, now: float) -> None:
        """A refresh failed: without the server, hold tickets until it answers again."""
        if error.code in SERVER_CODES:
            self.server_problem = error
        if self.page in ("loading", "error", "start") and (self.blocking or not self.services):
            self.page = "error"
            self.error = self.blocking or error
            self.since = now

    def show_ticket(self, ticket: dict[str, Any], now: float) -> None:
        self.ticket = ticket
        self.page = "confirm"
        self.since = now
        self.locked_until = now + self.lockout
        self.priority = False  # the choice was for this ticket; the next citizen chooses anew
        self._new_interaction()
        for s in self.services:  # the count on the button moves at once
            if s.get("code") == ticket.get("service"):
                s["waiting"] = int(ticket.get("ahead", s.get("waiting", 0))) + 1

    def show_notice(self, notice: KioskError, now: float) -> None:
        """An answer about a booking or a scan (too early, unknown, unreadable…)."""
        self.notice = notice
        self.page = "notice"
        self.since = now
        self._new_interaction()

    def show_error(self, error: KioskError, now: float) -> None:
        self.error = error
        if error.code in PRINTER_CODES:
            self.printer_problem = error
        elif error.code in SERVER_CODES:
            self.server_problem = error
        if error.ticket is not None:  # a number was issued (and cancelled): a new start
            self.locked_until = now + self.lockout
            self._new_interaction()
        self.page = "error"
        self.since = now

    def back_to_start(self, now: float, keep_priority: bool = False) -> None:
        self.page = "start" if self.services and self.blocking is None else (
            "error" if self.blocking is not None else "loading"
        )
        self.error = self.blocking
        self.ticket = None
        self.notice = None
        self.code = ""
        self.dossier = None
        self.dossier_typed = ""
        self.dossier_text = ""
        if not keep_priority:
            self.priority = False
            self.language = self.default_language
        self._new_interaction()
        self.since = now

    def tick(self, now: float) -> None:
        """Time-outs: the confirmation and passing errors go back to the start page."""
        waited = now - self.since
        confirm_over = self.page == "confirm" and waited >= CONFIRM_SECONDS
        error_over = (
            self.page == "error"
            and self.blocking is None
            and bool(self.services)
            and waited >= ERROR_SECONDS
        )
        notice_over = self.page == "notice" and waited >= NOTICE_SECONDS
        code_over = self.page in ("code", "dossier_code") and waited >= CODE_IDLE_SECONDS
        dossier_over = self.page == "dossier" and waited >= DOSSIER_SECONDS
        if confirm_over or error_over or notice_over or code_over or dossier_over:
            self.back_to_start(now)
