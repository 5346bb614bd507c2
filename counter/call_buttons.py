"""What each of the officer's buttons does, beyond "send the command of its name".

* ``pause`` toggles: it sends ``resume`` when the server last said the counter is
  paused, else ``pause`` (an optional ``resume`` button still sends resume).
* ``skip`` sends only after a hold of ``skip_hold_s`` (0: a plain press): a no-show
  by a slip of the thumb would send a citizen home. A tap blinks "hold it".
* ``transfer``: while a ticket is served, each tap chooses the next field (its
  position blinked on the ``transfer`` LED, or on ``busy``); a hold of
  ``transfer_hold_s`` sends the transfer to the field chosen; ``transfer_timeout_s``
  without a tap forgets the choice.

The buttons read the state and talk through injected callables, so this module holds
the officer's sequences and nothing about MQTT.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from counter.button_panel import ButtonPanel
from counter.command_sender import Outcome
from counter.service_directory import ServiceDirectory
from counter.station_config import StationConfig
from counter.status_lights import StatusLights
from counter.transfer_picker import TransferPicker
from protocol import CounterState

log = logging.getLogger(__name__)

Send = Callable[..., Outcome]


class CallButtons:
    """The officer's panel: taps, holds and the transfer choice."""

    def __init__(
        self,
        config: StationConfig,
        send: Send,
        lights: StatusLights,
        current_state: Callable[[], CounterState | None],
        *,
        pin_factory: object | None = None,
        directory: ServiceDirectory | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._lights = lights
        self._state = current_state
        self.picker = TransferPicker(config.transfer_timeout_s, clock)
        self.directory = directory or ServiceDirectory(
            config.transfer_targets, config.server_url
        )
        self.transfer_led = "transfer" if "transfer" in config.leds else "busy"
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self.panel = ButtonPanel(
            config.buttons,
            self._tapped,
            on_held=self._held,
            hold_times={"skip": config.skip_hold_s, "transfer": config.transfer_hold_s},
            pin_factory=pin_factory,
        )

    def start(self) -> None:
        if "transfer" in self.panel.names:
            self.directory.start()

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        self.directory.close()
        self.panel.close()

    def press(self, name: str) -> object:
        """Press and release ``name`` on its mock pin; what became of the press."""
        return self.panel.simulate_press(name)

    def hold(self, name: str) -> object:
        """Hold ``name`` past its hold time on its mock pin, then release."""
        return self.panel.simulate_hold(name)

    def state_changed(self, state: CounterState) -> None:
        """A choice made for a ticket that is no longer served is forgotten."""
        pending = self.picker.pending()
        if pending is not None and pending.ticket != state.ticket:
            self._end_choice("the ticket changed")

    # -- events from the panel (gpiozero threads) ----------------------------------------

    def _tapped(self, name: str) -> str:
        if name == "transfer":
            return self._choose_next_field()
        if name == "skip" and self.panel.needs_hold("skip"):
            log.info("skip needs a hold: nothing sent")
            self._lights.signal_hold_needed("busy")
            return "ignored"
        if name in ("next", "skip", "complete"):
            self._end_choice(f"{name} pressed")
        if name == "pause":
            state = self._state()
            action = "resume" if state is not None and state.paused else "pause"
            return self._send(action, button="pause")
        return self._send(name)

    def _held(self, name: str) -> str:
        if name == "skip":
            self._end_choice("skip held")
            return self._send("skip")
        if name == "transfer":
            return self._confirm_transfer()
        return "ignored"

    # -- transfer ------------------------------------------------------------------

    def _choose_next_field(self) -> str:
        state = self._state()
        ticket = state.ticket if state is not None else None
        if state is None or ticket is None:
            log.info("transfer tapped with no ticket being served: nothing to transfer")
            self._lights.signal_rejected()
            return "ignored"
        targets = self.directory.codes()
        if not targets:
            log.warning("transfer tapped before the list of fields is known: try again")
            self.directory.refresh_soon()
            self._lights.signal_rejected()
            return "ignored"
        choice = self.picker.advance(targets, ticket, state.service)
        if choice is None:
            log.info("no other field to transfer %s to", ticket)
            self._lights.signal_rejected()
            return "ignored"
        self._lights.show_code(self.transfer_led, choice.position)
        log.info(
            "transfer %s to %s (%s)? %d blink(s); hold transfer to confirm",
            ticket,
            choice.service,
            self.directory.name_of(choice.service),
            choice.position,
        )
        self._schedule_timeout()
        return "selected"

    def _confirm_transfer(self) -> str:
        state = self._state()
        ticket = state.ticket if state is not None else None
        choice = self.picker.chosen(ticket)
        if choice is None:
            log.info("transfer held with no field chosen (tap first): nothing sent")
            self._lights.signal_rejected()
            return "ignored"
        self._end_choice("confirmed")
        return self._send("transfer", service=choice.service)

    def _end_choice(self, why: str) -> None:
        if self.picker.cancel() is not None:
            log.info("transfer choice ended: %s", why)
        self._lights.show_code(self.transfer_led, None)

    def _schedule_timeout(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.picker.timeout_s + 0.05, self._timed_out)
            self._timer.daemon = True
            self._timer.start()

    def _timed_out(self) -> None:
        if self.picker.pending() is None:
            log.info("transfer choice forgotten after %.0f s", self.picker.timeout_s)
            self._lights.show_code(self.transfer_led, None)
