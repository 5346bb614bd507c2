"""The touch screen shell: pygame events in, KioskStation calls on a worker thread.

Network and printer calls never run on the drawing thread, so the screen keeps
answering (and shows "Đang in vé…") while a ticket is issued. With
``background=False`` every call runs inline, which is how tests drive it.
Physical buttons (``press_service`` / ``press_priority``, called from gpiozero's
thread) are queued and handled by the display loop like taps. An optional voice says
the number of each printed ticket; it only queues the number, so the confirmation
page is never late. Scanned texts come from a keyboard-mode scanner's bursts among
the pygame events, or from any thread through ``scan`` (the serial reader); the
router says what each one means.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import pygame

from kiosk.kiosk_error import KioskError
from kiosk.scan_burst import ScanBurst
from kiosk.scan_router import ScanRouter, kiosk_router
from kiosk.screen_model import LOCKOUT_SECONDS, NOTICE_CODES, KioskScreen
from kiosk.screen_painter import forget_fonts, paint

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1024, 600)
#: seconds between refreshes of the services list and the printer's health
REFRESH_SECONDS = 30.0
#: while the server or the printer is away, it is asked again this often
RETRY_SECONDS = 5.0
FPS = 20


class Station(Protocol):
    site_name: str

    def services(self) -> list[dict[str, Any]]: ...

    def printer_health(self) -> str: ...

    def take_ticket(
        self,
        service: str,
        priority: bool = False,
        language: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]: ...

    def check_in(self, code: str, language: str | None = None) -> dict[str, Any]: ...


class Voice(Protocol):
    def speak(self, number: str) -> None: ...

    def close(self) -> None: ...


class TouchUI:
    """Connects a KioskScreen to a station; ``click`` / ``tick`` / ``render`` are the API."""

    def __init__(
        self,
        station: Station,
        size: tuple[int, int] = DEFAULT_SIZE,
        *,
        language: str = "vi",
        background: bool = True,
        clock: Callable[[], float] = time.monotonic,
        lockout: float = LOCKOUT_SECONDS,
        voice: Voice | None = None,
        appointments: bool | None = None,
        keyboard_scanner: bool = True,
        router: ScanRouter | None = None,
    ) -> None:
        self.station = station
        self.voice = voice
        self.lockout = lockout
        self.appointments = appointments
        self.screen = KioskScreen(size, language, lockout, appointments)
        #: a USB scanner in keyboard mode: its bursts are read from the key events
        self.keyboard_scanner = keyboard_scanner
        self.burst = ScanBurst()
        self.router = router or kiosk_router(*getattr(station, "booking_bases", ()))
        self._scans: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.clock = clock
        self.background = background
        self.display: pygame.Surface | None = None
        self.fullscreen = False
        self._presses: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
        self._frames: pygame.time.Clock | None = None
        self._results: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._refreshing = False
        self._next_refresh = 0.0

    # -- jobs ------------------------------------------------------------
    def _submit(self, job: Callable[[], None]) -> None:
        if not self.background:
            job()
            self._apply_results()
            return
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="kiosk-worker", daemon=True)
            self._worker.start()
        self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # a bug in one job must not stop the kiosk
                log.exception("kiosk job failed")

    def _apply_results(self) -> None:
        while True:
            try:
                apply = self._results.get_nowait()
            except queue.Empty:
                return
            apply()

    def refresh(self) -> None:
        """Reload services and printer health (in the background)."""
        if self._refreshing:
            return
        self._refreshing = True

        def job() -> None:
            try:
                services = self.station.services()
                health = self.station.printer_health()
                site = self.station.site_name
                self._results.put(lambda: self._refreshed(services, site, health))
            except KioskError as exc:
                self._results.put(lambda error=exc: self._refresh_failed(error))
            except Exception as exc:
                log.exception("refresh failed")
                error = KioskError("server_error")
                error.__cause__ = exc
                self._results.put(lambda: self._refresh_failed(error))

        self._submit(job)

    def _refreshed(self, services: list[dict[str, Any]], site: str, health: str) -> None:
        self._refreshing = False
        now = self.clock()
        self.screen.timezone = str(getattr(self.station, "timezone", "") or "")
        self.screen.show_services(services, site, health, now)
        blocked = self.screen.blocking is not None
        self._next_refresh = now + (RETRY_SECONDS if blocked else REFRESH_SECONDS)

    def _refresh_failed(self, error: KioskError) -> None:
        self._refreshing = False
        now = self.clock()
        self.screen.refresh_failed(error, now)
        self._next_refresh = now + RETRY_SECONDS

    def _take_failed(self, error: KioskError) -> None:
        now = self.clock()
        self.screen.show_error(error, now)
        if self.screen.blocking is not None:  # ask again soon: it may come back any moment
            self._next_refresh = min(self._next_refresh, now + RETRY_SECONDS)

    def _show_ticket(self, ticket: dict[str, Any]) -> None:
        self.screen.show_ticket(ticket, self.clock())
        if self.voice is not None and ticket.get("number"):
            try:
                self.voice.speak(str(ticket["number"]))
            except Exception:  # speech is a help: it must never cost a ticket
                log.exception("could not queue the spoken number")

    def _take(self, code: str, priority: bool, key: str, dossier: str | None = None) -> None:
        language = self.screen.language

        def job() -> None:
            try:
                if dossier is None:
                    ticket = self.station.take_ticket(
                        code, priority, language=language, idempotency_key=key
                    )
                else:  # a results ticket: the server reads the receipt and keeps its code
                    ticket = self.station.take_ticket(
                        code, priority, language=language, idempotency_key=key,
                        dossier=dossier,
                    )
                self._results.put(lambda: self._show_ticket(ticket))
            except KioskError as exc:
                self._results.put(lambda error=exc: self._check_in_failed(error)
                                  if dossier is not None else self._take_failed(error))
            except Exception as exc:
                log.exception("taking a ticket failed")
                error = KioskError("server_error")
                error.__cause__ = exc
                self._results.put(lambda: self._take_failed(error))

        self._submit(job)

    def _check_in(self, code: str) -> None:
        language = self.screen.language

        def job() -> None:
            try:
                ticket = self.station.check_in(code, language=language)
                self._results.put(lambda: self._show_ticket(ticket))
            except KioskError as exc:
                self._results.put(lambda error=exc: self._check_in_failed(error))
            except Exception as exc:
                log.exception("checking a booking in failed")
                error = KioskError("server_error")
                error.__cause__ = exc
                self._results.put(lambda: self._check_in_failed(error))

        self._submit(job)

    def _look_up_dossier(self, text: str) -> None:
        def job() -> None:
            try:
                answer = self.station.dossier_status(text)
                self._results.put(lambda: self.screen.show_dossier(answer, self.clock()))
            except KioskError as exc:
                self._results.put(lambda error=exc: self._check_in_failed(error))
            except Exception as exc:
                log.exception("looking a dossier up failed")
                error = KioskError("server_error")
                error.__cause__ = exc
                self._results.put(lambda: self._check_in_failed(error))

        self._submit(job)

    def _check_in_failed(self, error: KioskError) -> None:
        if error.code in NOTICE_CODES or error.status == 429:
            self.screen.show_notice(error, self.clock())
        else:  # no server, no paper, not printed: as for any ticket
            self._take_failed(error)

    # -- the API the loop (and the tests) use ----------------------------------
    def _act(self, action: tuple | None) -> None:
        if action is None:
            return
        if action[0] == "take":
            self._take(*action[1:])
        elif action[0] == "dossier":
            self._look_up_dossier(action[1])
        elif action[0] == "check_in":
            self._check_in(action[1])
        elif action[0] == "refresh":
            self.refresh()

    def scan(self, text: str) -> None:
        """A scanned text (any thread): handled by the display loop like a tap."""
        self._scans.put(text)

    def _apply_scans(self) -> None:
        while True:
            try:
                text = self._scans.get_nowait()
            except queue.Empty:
                return
            self._act(self.screen.scan(self.router.route(text), self.clock()))

    def click(self, x: int, y: int) -> None:
        """One tap at (x, y) in screen coordinates."""
        self._act(self.screen.click(x, y, self.clock()))

    def press_service(self, code: str) -> None:
        """A physical service button was pressed (any thread)."""
        self._presses.put(("service", code))

    def press_priority(self) -> None:
        """The physical priority button was pressed (any thread)."""
        self._presses.put(("priority", ""))

    def _apply_presses(self) -> None:
        while True:
            try:
                kind, code = self._presses.get_nowait()
            except queue.Empty:
                return
            if kind == "priority":
                self.screen.press_priority()
            else:
                self._act(self.screen.press_service(code, self.clock()))

    def handle_event(self, event: pygame.event.Event) -> bool:
        """One pygame event; False when it asks the kiosk to stop."""
        if event.type == pygame.QUIT:
            return False
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            if self.keyboard_scanner and self.burst.pending:
                return True  # an escape character inside a scan, not a person's Escape
            return self.fullscreen  # a windowed kiosk closes on Escape, a fullscreen one not
        if self.keyboard_scanner and event.type == pygame.TEXTINPUT:
            # characters come from TEXTINPUT only: KEYDOWN's ``unicode`` is not reliable
            self.burst.text(str(getattr(event, "text", "")), self.clock())
        elif (self.keyboard_scanner and event.type == pygame.KEYDOWN
              and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER)):
            text = self.burst.enter(self.clock())
            if text is not None:
                self._scans.put(text)
        if event.type == pygame.FINGERDOWN:
            # finger positions are fractions of the window
            width, height = self.screen.layout.width, self.screen.layout.height
            self.click(min(width - 1, int(event.x * width)),
                       min(height - 1, int(event.y * height)))
        elif (event.type == pygame.MOUSEBUTTONDOWN and event.button == 1
              # SDL also turns each touch into a mouse click: count the finger only once
              and not getattr(event, "touch", False)):
            self.click(*event.pos)
        return True

    def tick(self) -> None:
        """Apply finished jobs and button presses, run time-outs, start the periodic refresh."""
        self._apply_results()
        self._apply_presses()
        self._apply_scans()
        now = self.clock()
        self.burst.expire(now)
        self.screen.tick(now)
        if now >= self._next_refresh and self.screen.page in ("start", "error", "loading"):
            self.refresh()

    def render(self, surface: pygame.Surface) -> None:
        paint(self.screen, surface)

    def close(self) -> None:
        if self._worker is not None:
            self._jobs.put(None)
            self._worker.join(timeout=10)
            self._worker = None

    def open(self, fullscreen: bool = False, size: tuple[int, int] = DEFAULT_SIZE) -> None:
        """Open the display (a window, the full screen, or offscreen under SDL's dummy driver)."""
        # display and fonts only: sound is opened by the ticket voice, and only when
        # configured (a Pi without audio would otherwise log ALSA errors at every start)
        forget_fonts()  # fonts of an earlier pygame session are dead
        pygame.display.init()
        pygame.font.init()
        self.fullscreen = fullscreen
        if fullscreen:
            self.display = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            pygame.mouse.set_visible(False)
        else:
            self.display = pygame.display.set_mode(size)
        pygame.display.set_caption("MotCua — Lấy số thứ tự")
        self.screen = KioskScreen(self.display.get_size(), self.screen.default_language,
                                  self.lockout, self.appointments)
        if self.keyboard_scanner:
            pygame.key.start_text_input()  # a keyboard-mode scanner's text comes as TEXTINPUT
        else:
            pygame.key.stop_text_input()
        self._frames = pygame.time.Clock()
        self.refresh()

    def step(self) -> bool:
        """One frame of the display loop: events, time-outs, drawing. False: stop."""
        if self.display is None:
            raise RuntimeError("open() the display first")
        running = True
        for event in pygame.event.get():
            running = self.handle_event(event) and running
        self.tick()
        self.render(self.display)
        pygame.display.flip()
        return running

    def pace(self) -> None:
        """Wait out the rest of the frame: the loop runs at FPS, leaving the CPU to the worker."""
        if self._frames is not None:
            self._frames.tick(FPS)

    def shut(self) -> None:
        """Stop the worker and the voice, and close the display."""
        self.close()
        if self.voice is not None:
            self.voice.close()
        self.display = None
        forget_fonts()
        pygame.quit()

    def run(
        self,
        fullscreen: bool = False,
        size: tuple[int, int] = DEFAULT_SIZE,
        until: Callable[[], bool] | None = None,
    ) -> None:
        """The display loop; returns on window close, Escape (windowed) or when ``until()``."""
        self.open(fullscreen, size)
        try:
            while self.step() and not (until is not None and until()):
                self.pace()
        finally:
            self.shut()
