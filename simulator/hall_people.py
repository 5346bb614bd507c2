"""Simulated citizens (at the kiosk) and officers (at their counter's buttons).

Citizens arrive as a Poisson stream and take tickets through a real kiosk station;
officers press the real counter station's mock GPIO buttons. Service times are
lognormal, divided by ``speed`` so a working day passes in minutes.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


def lognormal(rng: random.Random, mean: float, cv: float) -> float:
    """A lognormal sample with the given mean and coefficient of variation."""
    sigma2 = math.log(1 + cv * cv)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


@dataclass
class HallTally:
    """What happened, for the terminal and for the run's summary."""

    issued: int = 0
    printed: int = 0
    refused: Tally = field(default_factory=Tally)
    presses: Tally = field(default_factory=Tally)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, key: str | None = None) -> None:
        with self.lock:
            if what == "issued":
                self.issued += 1
                self.printed += 1
            elif what == "refused":
                self.refused[key or "?"] += 1
            elif what == "press":
                self.presses[key or "?"] += 1


class Citizens(threading.Thread):
    """Arrivals at ``per_minute`` on average; ``priority_share`` of them are priority.

    With ``bookers`` (``simulator.booking_citizen.BookingCitizens``), ``booking_share``
    of them have booked a slot of a field that takes appointments and check in at the
    kiosk instead; one who cannot book takes a walk-in ticket.
    """

    def __init__(
        self,
        kiosk,
        tally: HallTally,
        per_minute: float,
        priority_share: float = 0.1,
        seed: int = 1,
        bookers=None,
        booking_share: float = 0.0,
    ) -> None:
        super().__init__(name="citizens", daemon=True)
        self.kiosk = kiosk
        self.tally = tally
        self.rate = per_minute / 60.0
        self.priority_share = priority_share
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.bookers = bookers
        self.booking_share = booking_share
        self._open: list[str] = []
        self._booking_fields: list[str] = []
        self._open_checked = 0.0

    def open_services(self) -> list[str]:
        if time.monotonic() - self._open_checked > 10 or not self._open:
            try:
                listed = self.kiosk.services()
                self._open = [s["code"] for s in listed if s.get("open")]
                self._booking_fields = [s["code"] for s in listed if s.get("appointments")]
            except Exception as exc:  # the server restarting: try again shortly
                log.warning("could not list services: %s", exc)
            self._open_checked = time.monotonic()
        return self._open

    def _booked_visit(self) -> bool:
        """A citizen with a booking checks in at the kiosk; False: take a walk-in ticket."""
        if not self._booking_fields:
            return False
        ticket = self.bookers.visit(self.rng.choice(self._booking_fields))
        if ticket is None:
            return False
        self.tally.add("issued")
        return True

    def run(self) -> None:
        while not self.stop_event.wait(self.rng.expovariate(self.rate)):
            services = self.open_services()
            booking = self.bookers is not None and self.rng.random() < self.booking_share
            if booking and self._booked_visit():
                continue
            if not services:
                continue
            service = self.rng.choice(services)
            priority = self.rng.random() < self.priority_share
            try:
                self.kiosk.take_ticket(service, priority=priority)
                self.tally.add("issued")
            except Exception as exc:
                code = getattr(exc, "code", type(exc).__name__)
                self.tally.add("refused", str(code))
                log.info("ticket for %s refused: %s", service, exc)

    def stop(self) -> None:
        self.stop_event.set()


class Officer(threading.Thread):
    """Works one counter: next, serve, sometimes recall or mark a no-show."""

    def __init__(
        self,
        station,
        tally: HallTally,
        speed: float,
        mean_service_s: float = 240,
        no_show_share: float = 0.05,
        seed: int = 1,
    ) -> None:
        super().__init__(name=f"officer-{station.config.counter}", daemon=True)
        self.station = station
        self.tally = tally
        self.speed = speed
        self.mean_service_s = mean_service_s
        self.no_show_share = no_show_share
        self.rng = random.Random(seed)
        self.stop_event = threading.Event()
        self.last_press: float | None = None

    def _press(self, name: str) -> None:
        self.last_press = time.monotonic()
        self.station.press(name)
        self.tally.add("press", name)

    def run(self) -> None:
        self.stop_event.wait(self.rng.uniform(0.5, 3))
        while not self.stop_event.is_set():
            if not self.station.connected:
                self.stop_event.wait(1)
                continue
            self._press("next")
            self.stop_event.wait(0.5)
            if self.station.current_ticket is None:
                self.stop_event.wait(self.rng.uniform(2, 4))  # nobody waiting
                continue
            if self.rng.random() < self.no_show_share:
                self.stop_event.wait(3 / self.speed * 10)
                self._press("recall")
                self.stop_event.wait(3 / self.speed * 10)
                self._press("skip")
                continue
            self.stop_event.wait(lognormal(self.rng, self.mean_service_s, 0.6) / self.speed)

    def stop(self) -> None:
        self.stop_event.set()
