"""The touch screen shell: pygame events in, KioskStation calls on a worker thread.

Network and printer calls never run on the drawing thread, so the screen keeps
answering (and shows "Đang in vé…") while a ticket is issued. With
``background=False`` every call runs inline, which is how tests drive it.
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
from kiosk.screen_model import KioskScreen
from kiosk.screen_painter import paint

log = logging.getLogger(__name__)

DEFAULT_SIZE = (1024, 600)
#: seconds between refreshes of the services list and the printer's health
REFRESH_SECONDS = 30.0
#: a failed first load is retried sooner
RETRY_SECONDS = 10.0
FPS = 20


class Station(Protocol):
    site_name: str

    def services(self) -> list[dict[str, Any]]: ...

    def printer_health(self) -> str: ...

    def take_ticket(
        self, service: str, priority: bool = False, language: str | None = None
    ) -> dict[str, Any]: ...


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
    ) -> None:
        self.station = station
        self.screen = KioskScreen(size, language)
        self.clock = clock
        self.background = background
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
        self.screen.show_services(services, site, health, now)
        self._next_refresh = now + REFRESH_SECONDS

    def _refresh_failed(self, error: KioskError) -> None:
        self._refreshing = False
        now = self.clock()
        if not self.screen.services or self.screen.page == "loading":
            self.screen.show_error(error, now)
        self._next_refresh = now + RETRY_SECONDS

    def _take(self, code: str, priority: bool) -> None:
        language = self.screen.language

        def job() -> None:
            try:
                ticket = self.station.take_ticket(code, priority, language=language)
                self._results.put(lambda: self.screen.show_ticket(ticket, self.clock()))
            except KioskError as exc:
                self._results.put(lambda error=exc: self.screen.show_error(error, self.clock()))
            except Exception as exc:
                log.exception("taking a ticket failed")
                error = KioskError("server_error")
                error.__cause__ = exc
                self._results.put(lambda: self.screen.show_error(error, self.clock()))

        self._submit(job)

    # -- the API the loop (and the tests) use ----------------------------------
    def click(self, x: int, y: int) -> None:
        """One tap at (x, y) in screen coordinates."""
        action = self.screen.click(x, y, self.clock())
        if action is None:
            return
        if action[0] == "take":
            self._take(action[1], action[2])
        elif action[0] == "refresh":
            self.refresh()

    def tick(self) -> None:
        """Apply finished jobs, run time-outs, start the periodic refresh."""
        self._apply_results()
        now = self.clock()
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

    def run(self, fullscreen: bool = False, size: tuple[int, int] = DEFAULT_SIZE) -> None:
        """The display loop; returns on window close or Escape (windowed mode only)."""
        # display and fonts only: the kiosk makes no sound, and a Pi without audio
        # would otherwise log ALSA errors at every start
        pygame.display.init()
        pygame.font.init()
        try:
            if fullscreen:
                display = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
                pygame.mouse.set_visible(False)
            else:
                display = pygame.display.set_mode(size)
            pygame.display.set_caption("MotCua — Lấy số thứ tự")
            self.screen = KioskScreen(display.get_size(), self.screen.default_language)
            self.refresh()
            frames = pygame.time.Clock()
            running = True
            while running:
                for event in pygame.event.get():
                    escape = event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
                    if event.type == pygame.QUIT or (escape and not fullscreen):
                        running = False
                    elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                        self.click(*event.pos)
                self.tick()
                self.render(display)
                pygame.display.flip()
                frames.tick(FPS)
        finally:
            self.close()
            pygame.quit()
