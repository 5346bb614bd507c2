"""Turning button presses into contract commands, at most one per deliberate press.

Two rules protect the queue from the officer's thumb and from the network:

* a second press of the same button within ``debounce_s`` is the same press (a
  shaky finger or a bouncing contact) and sends nothing;
* a press while the broker link is down is refused on the spot and the officer is
  told; it is never queued to be sent later, because a "next" that arrives minutes
  after the press would call a citizen the officer no longer expects.

The sender does no I/O itself: ``publish`` is injected, so the rules are tested
without a broker and the MQTT shell stays thin.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

from protocol import ACTIONS, Command, encode
from protocol.messages import new_command_id, now_utc

log = logging.getLogger(__name__)

Outcome = Literal["sent", "debounced", "refused"]

#: how many recent command ids to remember, to recognise answers to our own presses
RECENT_IDS = 32


class PressDebouncer:
    """Accepts a press of a button unless the same button was accepted < window ago."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._last: dict[str, float] = {}

    def accept(self, name: str) -> bool:
        now = self._clock()
        last = self._last.get(name)
        if last is not None and now - last < self.window_s:
            return False
        self._last[name] = now
        return True


class CommandSender:
    """One ``Command`` per accepted press, published QoS 1 on the counter's cmd topic."""

    def __init__(
        self,
        topic: str,
        publish: Callable[[str, bytes], bool],
        *,
        debounce_s: float,
        on_refused: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``publish(topic, payload)`` returns False when the link cannot take it now."""
        self.topic = topic
        self._publish = publish
        self._on_refused = on_refused
        self._debouncer = PressDebouncer(debounce_s, clock)
        self._lock = threading.Lock()
        self._recent: deque[tuple[str, str]] = deque(maxlen=RECENT_IDS)

    def press(
        self,
        action: str,
        *,
        button: str | None = None,
        service: str | None = None,
        rating: int | None = None,
    ) -> tuple[Outcome, Command | None]:
        """Handle one press that sends ``action``; says what became of it.

        ``button`` names the physical button for the debounce when it differs from
        the action (``pause`` sends pause or resume, the keypad's four keys send rate).
        """
        if action not in ACTIONS:
            raise ValueError(f"a button cannot send {action!r}")
        if (action == "transfer") != (service is not None):
            raise ValueError("a transfer, and only a transfer, carries a target service")
        if (action == "rate") != (rating is not None):
            raise ValueError("a rating, and only a rating, carries a rating 1-4")
        key = button or action
        with self._lock:
            if not self._debouncer.accept(key):
                log.debug("press of %r within the debounce: ignored", key)
                return "debounced", None
            command = Command(
                id=new_command_id(), action=action, service=service, rating=rating, ts=now_utc()
            )
            sent = self._publish(self.topic, encode(command))
            if sent:
                self._recent.append((command.id, action))
        if not sent:
            log.warning(
                "press of %r refused: no link to the broker; it will not be sent later, "
                "press again when the online light is steady",
                key,
            )
            if self._on_refused is not None:
                self._on_refused(action)
            return "refused", None
        log.info("sent %s command %s", action, command.id)
        return "sent", command

    def action_of(self, command_id: str | None) -> str | None:
        """The action of one of this station's recent commands, None for anyone else's."""
        with self._lock:
            return next((a for i, a in self._recent if i == command_id), None)

    def sent_recently(self, command_id: str | None) -> bool:
        """Whether ``command_id`` is one of this station's recent commands."""
        with self._lock:
            return command_id is not None and any(i == command_id for i, _ in self._recent)
