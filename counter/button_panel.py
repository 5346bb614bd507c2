"""The officer's call buttons: named gpiozero Buttons, each press reported by name.

The panel knows nothing about MQTT or commands; it turns pin edges into
``on_press("next")`` calls, so the same panel serves real GPIO and gpiozero's
MockFactory (where ``simulate_press`` drives the mock pin like a finger would).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial

from gpiozero import Button
from gpiozero.pins.mock import MockPin

log = logging.getLogger(__name__)

#: hardware filter for contact bounce; the repeat-press debounce lives in the sender
CONTACT_BOUNCE_S = 0.02


class ButtonPanel:
    """Buttons wired between a GPIO pin and ground (internal pull-up)."""

    def __init__(
        self,
        pins: Mapping[str, int],
        on_press: Callable[[str], None],
        *,
        pin_factory: object | None = None,
        bounce_time: float | None = CONTACT_BOUNCE_S,
    ) -> None:
        self._on_press = on_press
        self._buttons: dict[str, Button] = {}
        try:
            for name, pin in pins.items():
                button = Button(
                    pin, pull_up=True, bounce_time=bounce_time, pin_factory=pin_factory
                )
                button.when_pressed = partial(self._pressed, name)
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

    def simulate_press(self, name: str) -> None:
        """Press and release ``name`` on a mock pin, as a finger would on the real one."""
        if name not in self._buttons:
            raise KeyError(f"this counter has no {name!r} button (has: {', '.join(self.names)})")
        pin = self._buttons[name].pin
        if not isinstance(pin, MockPin):
            raise RuntimeError("simulated presses need mock pins (gpiozero MockFactory)")
        pin.drive_low()
        pin.drive_high()

    def _pressed(self, name: str) -> None:
        # runs on gpiozero's event thread (or the caller's, on mock pins): an error
        # here must not kill the thread that watches every other button
        try:
            self._on_press(name)
        except Exception:
            log.exception("handling a press of %r failed", name)

    def close(self) -> None:
        for button in self._buttons.values():
            button.close()
        self._buttons.clear()
