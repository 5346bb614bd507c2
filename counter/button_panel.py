"""The officer's call buttons: named gpiozero Buttons, each press reported by name.

The panel knows nothing about MQTT or commands; it turns pin edges into
``on_press("next")`` calls, so the same panel serves real GPIO and gpiozero's
MockFactory (where ``simulate_press`` drives the mock pin like a finger would).

A button given a hold time reports differently, because a slip on it would hurt:
``on_held(name)`` once the button has been held that long, and ``on_press(name)``
only on a release that came before the hold (a tap). Nothing happens at the press
itself, so one movement of the thumb is never both a tap and a hold.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from functools import partial

from gpiozero import Button
from gpiozero.pins.mock import MockPin

log = logging.getLogger(__name__)

#: hardware filter for contact bounce; the repeat-press debounce lives in the sender
CONTACT_BOUNCE_S = 0.02
#: how long a simulated finger waits for the station to react before giving up
SIMULATION_TIMEOUT_S = 10.0

Handler = Callable[[str], object]


class ButtonPanel:
    """Buttons wired between a GPIO pin and ground (internal pull-up)."""

    def __init__(
        self,
        pins: Mapping[str, int],
        on_press: Handler,
        *,
        on_held: Handler | None = None,
        hold_times: Mapping[str, float] | None = None,
        pin_factory: object | None = None,
        bounce_time: float | None = CONTACT_BOUNCE_S,
    ) -> None:
        self._on_press = on_press
        self._on_held = on_held
        self._buttons: dict[str, Button] = {}
        self._holding: dict[str, bool] = {}
        self._lock = threading.Lock()
        #: what the handler of each button's latest event returned, for simulations
        self._results: dict[str, object] = {}
        self._handled: dict[str, threading.Event] = {}
        holds = {name: t for name, t in (hold_times or {}).items() if t > 0}
        try:
            for name, pin in pins.items():
                hold = holds.get(name)
                button = Button(
                    pin,
                    pull_up=True,
                    bounce_time=bounce_time,
                    hold_time=hold or 1.0,
                    pin_factory=pin_factory,
                )
                self._handled[name] = threading.Event()
                if hold is None:
                    button.when_pressed = partial(self._pressed, name)
                else:
                    self._holding[name] = False
                    button.when_pressed = partial(self._hold_started, name)
                    button.when_held = partial(self._held, name)
                    button.when_released = partial(self._released, name)
                self._buttons[name] = button
        except Exception:
            self.close()
            raise

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._buttons)

    def button(self, name: str) -> Button:
        """The gpiozero Button behind ``name`` (KeyError if the counter has none)."""
        return self._buttons[name]

    def needs_hold(self, name: str) -> bool:
        return name in self._holding

    def simulate_press(self, name: str) -> object:
        """Press and release ``name`` on a mock pin, as a finger would; the handler's result."""
        pin = self._mock_pin(name)
        done = self._handled[name]
        done.clear()
        pin.drive_low()
        pin.drive_high()
        return self._result_after(name, done)

    def simulate_hold(self, name: str) -> object:
        """Press ``name``, keep it down past its hold time, release; the hold's result."""
        if not self.needs_hold(name):
            raise KeyError(f"button {name!r} has no hold time")
        pin = self._mock_pin(name)
        done = self._handled[name]
        done.clear()
        pin.drive_low()
        try:
            return self._result_after(name, done)
        finally:
            pin.drive_high()

    def close(self) -> None:
        for button in self._buttons.values():
            button.close()
        self._buttons.clear()

    # -- internals ---------------------------------------------------------------

    def _mock_pin(self, name: str) -> MockPin:
        if name not in self._buttons:
            raise KeyError(f"this panel has no {name!r} button (has: {', '.join(self.names)})")
        pin = self._buttons[name].pin
        if not isinstance(pin, MockPin):
            raise RuntimeError("simulated presses need mock pins (gpiozero MockFactory)")
        return pin

    def _result_after(self, name: str, done: threading.Event) -> object:
        if not done.wait(SIMULATION_TIMEOUT_S):
            raise TimeoutError(f"the {name!r} button was not handled")
        with self._lock:
            return self._results.get(name)

    def _pressed(self, name: str) -> None:
        self._call(self._on_press, name)

    def _hold_started(self, name: str) -> None:
        with self._lock:
            self._holding[name] = False

    def _held(self, name: str) -> None:
        with self._lock:
            self._holding[name] = True
        if self._on_held is not None:
            self._call(self._on_held, name)

    def _released(self, name: str) -> None:
        with self._lock:
            was_held = self._holding[name]
            self._holding[name] = False
        if not was_held:
            self._call(self._on_press, name)

    def _call(self, handler: Handler, name: str) -> None:
        # runs on gpiozero's event threads (or the caller's, on mock pins): an error
        # here must not kill the thread that watches every other button
        result: object = None
        try:
            result = handler(name)
        except Exception:
            log.exception("handling a press of %r failed", name)
        with self._lock:
            self._results[name] = result
        self._handled[name].set()
