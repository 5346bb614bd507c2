"""Big physical buttons instead of (or beside) the touch screen: one per service.

Some centres prefer sturdy arcade buttons, one per field, with the field's name
printed above each. Every button is a gpiozero Button wired between its BCM pin
and ground (internal pull-up); a press is handed to callbacks that only queue it,
so gpiozero's thread never waits for the server or the printer. The pin factory
is injected: gpiozero's MockFactory in tests, the Pi's own GPIO in the hall.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial

from gpiozero import Button

from kiosk.kiosk_config import PRIORITY_BUTTON

log = logging.getLogger(__name__)

#: contact bounce of arcade micro-switches; repeat presses are handled by the lockout
CONTACT_BOUNCE_S = 0.03


class ServiceButtons:
    """``pins``: service code (or "priority") → BCM pin, as checked by parse_buttons."""

    def __init__(
        self,
        pins: Mapping[str, int],
        on_service: Callable[[str], None],
        on_priority: Callable[[], None],
        *,
        pin_factory: object | None = None,
        bounce_time: float | None = CONTACT_BOUNCE_S,
    ) -> None:
        self._on_service = on_service
        self._on_priority = on_priority
        self.buttons: dict[str, Button] = {}
        try:
            for name, pin in pins.items():
                button = Button(pin, pull_up=True, bounce_time=bounce_time,
                                pin_factory=pin_factory)
                button.when_pressed = partial(self._pressed, name)
                self.buttons[name] = button
        except Exception:
            self.close()
            raise

    def _pressed(self, name: str) -> None:
        # gpiozero's event thread watches every button: an error must not end it
        try:
            if name == PRIORITY_BUTTON:
                self._on_priority()
            else:
                self._on_service(name)
        except Exception:
            log.exception("handling the %r button failed", name)

    def close(self) -> None:
        for button in self.buttons.values():
            button.close()
        self.buttons.clear()
