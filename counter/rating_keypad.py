"""The citizen's rating keypad: four keys, live only after this counter completes a ticket.

Key 4 Rất hài lòng, 3 Hài lòng, 2 Bình thường, 1 Không hài lòng. The station calls
``ticket_completed`` when the server confirms that a ticket this counter served is
done; the keypad then lights its ``rate`` LEDs, takes the first key pressed within
the window as the rating (one ``rate`` command) and ignores every other press.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from counter.button_panel import ButtonPanel
from counter.command_sender import Outcome
from counter.rating_window import RatingWindow
from counter.status_lights import StatusLights

log = logging.getLogger(__name__)

#: the LEDs lit while a rating is taken: one "please rate" light, or one per key
RATE_LEDS: tuple[str, ...] = ("rate", "rate_1", "rate_2", "rate_3", "rate_4")
#: rating → Vietnamese label, as printed on the keys
LABELS = {4: "Rất hài lòng", 3: "Hài lòng", 2: "Bình thường", 1: "Không hài lòng"}

SendRating = Callable[[int], Outcome]


class RatingKeypad:
    """Keys named "1".."4" (the rating they send) on the pins of the ``[rating]`` table."""

    def __init__(
        self,
        keys: Mapping[str, int],
        window_s: float,
        send_rating: SendRating,
        lights: StatusLights,
        *,
        pin_factory: object | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = RatingWindow(window_s, clock)
        self._send_rating = send_rating
        self._lights = lights
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.panel = ButtonPanel(keys, self._key_pressed, pin_factory=pin_factory)

    @property
    def enabled(self) -> bool:
        return self.window.ticket is not None

    def ticket_completed(self, ticket: str) -> None:
        """``ticket`` is done at this counter: its citizen may rate it now."""
        self.window.open(ticket)
        self._lights.light(RATE_LEDS, True)
        log.info("rating keypad on for %s (%.0f s)", ticket, self.window.window_s)
        self._schedule_off(self.window.window_s)

    def press(self, key: str) -> object:
        """Press and release key ``key`` on its mock pin; what became of it."""
        return self.panel.simulate_press(key)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        self.panel.close()

    def _key_pressed(self, key: str) -> Outcome | str:
        rating = int(key)
        # one lock around take-and-send: two keys pressed at once give one rating
        with self._lock:
            ticket = self.window.take()
            if ticket is None:
                log.info("rating key %s pressed while the keypad is off: ignored", key)
                return "ignored"
            outcome = self._send_rating(rating)
            if outcome != "sent":
                self.window.give_back(ticket)
                return outcome
        log.info("%s rated %d (%s)", ticket, rating, LABELS[rating])
        self._lights.light(RATE_LEDS, False)
        return outcome

    def _schedule_off(self, delay: float) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(delay + 0.05, self._expired)
            self._timer.daemon = True
            self._timer.start()

    def _expired(self) -> None:
        remaining = self.window.remaining_s()
        if remaining > 0:  # reopened meanwhile for a later ticket
            self._schedule_off(remaining)
            return
        if self.window.ticket is None:
            self._lights.light(RATE_LEDS, False)
