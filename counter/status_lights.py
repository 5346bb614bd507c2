"""The counter's LEDs and buzzer: what the officer sees and hears without a screen.

Steady patterns say how things are (``online`` lit while the broker link is up and
slowly blinking while it is down; ``busy`` while a ticket is being served; ``paused``
while the counter takes no calls; ``empty`` while nobody is waiting). Short flashes
and beeps say that a press did not work: refused because the link is down, or
answered ``rejected``/``empty`` by the server. After a flash each LED goes back to
its steady pattern, including any change that arrived during the flash.

Two faults that retrying alone will not mend blink a code on ``online`` (on ``busy``
when there is no ``online`` LED) instead of its steady pattern: 2 blinks, the address
answers but is no MQTT broker or the broker refuses the login; 3 blinks, the server
does not know this counter (wrong ``counter`` or ``site`` in the config).

A blink code overrides an LED's steady pattern while it is shown: N short blinks,
a dark gap, again (the position of the field chosen for a transfer). The ``rate``
LEDs are lit while the citizen's keypad takes a rating.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping
from typing import Literal

from gpiozero import LED, Buzzer

from protocol.messages import CounterState

Pattern = Literal["on", "off", "blink"]

#: slow blip while searching for the broker: visibly different from a steady light
OFFLINE_BLINK = (0.2, 0.8)
#: fast flashes and beeps for "your press did not work"
REFUSED_FLASH = (0.1, 0.1, 5)
REFUSED_BEEP = (0.5, 0.2, 2)
REJECTED_FLASH = (0.1, 0.1, 3)
REJECTED_BEEP = (0.08, 0.08, 3)
#: one short chirp for "done": different from every failure pattern
ACCEPTED_BEEP = (0.05, 0.05, 1)
#: one blink for "hold this button to confirm"
HOLD_NEEDED_FLASH = (0.4, 0.1, 1)
#: blink code of the link LED: the broker address is wrong or the login refused
BROKEN_LINK_CODE = 2
#: blink code of the link LED: the server does not know this counter or site
UNKNOWN_COUNTER_CODE = 3
#: a blink code: each step lasts CODE_STEP_S; N blinks then CODE_GAP_STEPS dark steps
CODE_STEP_S = 0.3
CODE_GAP_STEPS = 4


def blink_code(count: int) -> list[int]:
    """One round of the code for ``count``: on/off ``count`` times, then dark."""
    return [1, 0] * count + [0] * CODE_GAP_STEPS


class StatusLights:
    """LEDs named as in the ``[leds]`` config table, plus an optional buzzer."""

    def __init__(
        self,
        leds: Mapping[str, int],
        buzzer: int | None = None,
        *,
        pin_factory: object | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._leds: dict[str, LED] = {}
        self._buzzer: Buzzer | None = None
        self._wanted: dict[str, Pattern] = {}
        self._flash_timers: dict[str, threading.Timer] = {}
        self._codes: dict[str, int] = {}
        self._faults: set[str] = set()
        try:
            for name, pin in leds.items():
                self._leds[name] = LED(pin, pin_factory=pin_factory)
                self._wanted[name] = "off"
            if buzzer is not None:
                self._buzzer = Buzzer(buzzer, pin_factory=pin_factory)
        except Exception:
            self.close()
            raise
        self.show_link(False)

    def pattern(self, name: str) -> Pattern | None:
        """The steady pattern ``name`` shows (None if this counter has no such LED)."""
        with self._lock:
            return self._wanted.get(name) if name in self._leds else None

    def led(self, name: str) -> LED:
        """The gpiozero LED behind ``name``."""
        return self._leds[name]

    @property
    def buzzer(self) -> Buzzer | None:
        return self._buzzer

    def show_link(self, connected: bool) -> None:
        """Online steady while connected, a slow blip while the link is down."""
        self._set("online", "on" if connected else "blink")

    def show_link_broken(self, broken: bool) -> None:
        """The broker address answers but is no broker, or it refuses the login."""
        self._show_fault("broken", broken)

    def show_unknown_counter(self, unknown: bool) -> None:
        """The server does not know this counter number (or this site)."""
        self._show_fault("unknown", unknown)

    @property
    def link_code(self) -> int | None:
        """The fault code the link LED blinks now (``BROKEN_LINK_CODE``, …), if any."""
        name = self._first_of("online", "busy")
        return None if name is None else self.code(name)

    def _show_fault(self, fault: str, on: bool) -> None:
        with self._lock:
            if on:
                self._faults.add(fault)
            else:
                self._faults.discard(fault)
            code = (
                BROKEN_LINK_CODE if "broken" in self._faults
                else UNKNOWN_COUNTER_CODE if "unknown" in self._faults
                else None
            )
        name = self._first_of("online", "busy")
        if name is not None:
            self.show_code(name, code)

    def show_state(self, state: CounterState) -> None:
        """Reflect the server's latest word on this counter."""
        self._set("busy", "on" if state.ticket else "off")
        self._set("paused", "on" if state.paused else "off")
        self._set("empty", "on" if state.waiting == 0 else "off")

    def show_code(self, name: str, count: int | None) -> None:
        """Blink ``count`` times, pause, repeat on LED ``name``; None ends the code."""
        with self._lock:
            if name not in self._leds:
                return
            if count is None or count < 1:
                if self._codes.pop(name, None) is None:
                    return
            else:
                if self._codes.get(name) == count:
                    return
                self._codes[name] = count
            if name not in self._flash_timers:
                self._apply(name)

    def code(self, name: str) -> int | None:
        """The blink code ``name`` shows now, if any."""
        with self._lock:
            return self._codes.get(name)

    def light(self, names: Iterable[str], on: bool) -> None:
        """Light (or put out) each of ``names`` this counter has."""
        for name in names:
            self._set(name, "on" if on else "off")

    def signal_hold_needed(self, name: str | None) -> None:
        """A tap on a hold-to-confirm button: one long blink says "hold it"."""
        self._flash(name if name in self._leds else self._first_of("busy", "online"),
                    HOLD_NEEDED_FLASH)

    def signal_refused(self) -> None:
        """A press was refused because the broker link is down: press again later."""
        self._flash(self._first_of("online", "busy"), REFUSED_FLASH)
        self._beep(REFUSED_BEEP)

    def signal_accepted(self) -> None:
        """The server carried out this station's command: one short chirp."""
        self._beep(ACCEPTED_BEEP)

    def signal_rejected(self) -> None:
        """The server answered a command with ``rejected`` or ``empty``."""
        self._flash(self._first_of("busy", "online"), REJECTED_FLASH)
        self._beep(REJECTED_BEEP)

    def close(self) -> None:
        with self._lock:
            for timer in self._flash_timers.values():
                timer.cancel()
            self._flash_timers.clear()
            self._codes.clear()
            for led in self._leds.values():
                led.close()
            self._leds.clear()
            if self._buzzer is not None:
                self._buzzer.close()
                self._buzzer = None

    # -- internals ---------------------------------------------------------------

    def _first_of(self, *names: str) -> str | None:
        return next((n for n in names if n in self._leds), None)

    def _set(self, name: str, pattern: Pattern) -> None:
        with self._lock:
            if name not in self._leds:
                return
            changed = self._wanted.get(name) != pattern
            self._wanted[name] = pattern
            # a running flash finishes first and then shows the latest pattern
            if changed and name not in self._flash_timers:
                self._apply(name)

    def _apply(self, name: str) -> None:
        led = self._leds.get(name)
        if led is None:
            return
        if led.source is not None:
            led.source = None
        count = self._codes.get(name)
        if count is not None:
            led.off()
            led.source_delay = CODE_STEP_S
            led.source = itertools.cycle(blink_code(count))
            return
        pattern = self._wanted[name]
        if pattern == "on":
            led.on()
        elif pattern == "off":
            led.off()
        else:
            led.blink(on_time=OFFLINE_BLINK[0], off_time=OFFLINE_BLINK[1])

    def _flash(self, name: str | None, flash: tuple[float, float, int]) -> None:
        if name is None:
            return
        on_time, off_time, count = flash
        with self._lock:
            led = self._leds.get(name)
            if led is None:
                return
            old = self._flash_timers.pop(name, None)
            if old is not None:
                old.cancel()
            if led.source is not None:
                led.source = None
            led.blink(on_time=on_time, off_time=off_time, n=count)
            timer = threading.Timer((on_time + off_time) * count, self._flash_done, (name,))
            timer.daemon = True
            self._flash_timers[name] = timer
            timer.start()

    def _flash_done(self, name: str) -> None:
        with self._lock:
            if self._flash_timers.get(name) is threading.current_thread():
                del self._flash_timers[name]
                self._apply(name)

    def _beep(self, beep: tuple[float, float, int]) -> None:
        with self._lock:
            if self._buzzer is not None:
                on_time, off_time, count = beep
                self._buzzer.beep(on_time=on_time, off_time=off_time, n=count)
