"""The officer call station: buttons, lights and buzzer joined to the broker.

The station owns no queue state. It sends one command per press on its counter's
``cmd`` topic and shows whatever the server last said on its ``state`` topic; the
server is the only judge of which ticket is called. Hardware comes in through a
gpiozero ``pin_factory``, so the same class runs on a Pi, in the simulator and in
tests with ``MockFactory``.

What the officer's buttons do is in ``call_buttons`` (pause toggle, skip and transfer
holds, the transfer choice); the citizen's keypad is in ``rating_keypad``. The station
tells the keypad when one of its own ``next``/``complete`` commands has finished a ticket.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import paho.mqtt.client as mqtt

from counter.call_buttons import CallButtons
from counter.command_sender import CommandSender, Outcome
from counter.rating_keypad import RatingKeypad
from counter.station_config import StationConfig
from counter.status_lights import StatusLights
from protocol import CounterState, DeviceStatus, ProtocolError, Topics, decode, encode, mqtt_link
from protocol.messages import now_utc

log = logging.getLogger(__name__)

#: results that mean "your press did not call anyone"
FAILED_RESULTS = ("rejected", "empty")
#: this station's commands that finish the ticket being served (when answered so)
FINISHING_ACTIONS = ("next", "complete")


def _software_version() -> str | None:
    try:
        return version("motcua-queue")
    except PackageNotFoundError:
        return None


class CounterStation:
    """One counter's call station; see ``from_config``, ``start``, ``press``, ``close``."""

    def __init__(self, config: StationConfig, pin_factory: object | None = None) -> None:
        self.config = config
        self.topics = Topics(config.site)
        self.cmd_topic = self.topics.cmd(config.counter)
        self.state_topic = self.topics.state(config.counter)
        self.status_topic = self.topics.status(config.device_id)
        self._version = _software_version()
        self._lock = threading.Lock()
        self._connected = False
        self._connected_event = threading.Event()
        self._last_state: CounterState | None = None
        self._signalled: deque[str] = deque(maxlen=32)
        self._client: mqtt.Client | None = None
        self._closed = False
        #: connections so far, and whether the current one has brought a state yet
        self._links = 0
        self._state_seen = False
        self._state_timer: threading.Timer | None = None
        self._unknown = False
        #: commands whose answer already opened the rating keypad (replays do not)
        self._completions_seen: deque[str] = deque(maxlen=32)

        self.lights = StatusLights(config.leds, config.buzzer, pin_factory=pin_factory)
        self.sender = CommandSender(
            self.cmd_topic,
            self._publish_command,
            debounce_s=config.debounce_s,
            on_refused=lambda action: self.lights.signal_refused(),
        )
        self.keypad: RatingKeypad | None = None
        try:
            self.buttons = CallButtons(
                config, self._send, self.lights, lambda: self.last_state,
                pin_factory=pin_factory,
            )
            if config.rating:
                self.keypad = RatingKeypad(
                    config.rating,
                    config.rating_window_s,
                    lambda rating: self._send("rate", button="rating", rating=rating),
                    self.lights,
                    pin_factory=pin_factory,
                )
        except Exception:
            if hasattr(self, "buttons"):
                self.buttons.close()
            self.lights.close()
            raise

    @classmethod
    def from_config(cls, cfg: dict[str, Any], pin_factory: object | None = None) -> CounterStation:
        """Build a station from a config dict; a ConfigError names the bad key."""
        return cls(StationConfig.from_dict(cfg), pin_factory=pin_factory)

    # -- what the rest of the system reads ------------------------------------------

    @property
    def connected(self) -> bool:
        with self._lock:
            return self._connected

    @property
    def last_state(self) -> CounterState | None:
        with self._lock:
            return self._last_state

    @property
    def unknown_counter(self) -> bool:
        """True while the server does not seem to know this counter (or this site)."""
        with self._lock:
            return self._unknown

    @property
    def current_ticket(self) -> str | None:
        state = self.last_state
        return state.ticket if state is not None else None

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until the broker link is up (True) or ``timeout`` passes (False)."""
        return self._connected_event.wait(timeout)

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; reconnects by itself whenever the link drops."""
        if self._client is not None:
            return
        url = self.config.mqtt_url
        client = mqtt_link.make_client(
            url,
            client_id=f"motcua-{self.config.device_id}",
            will=(self.status_topic, encode(self._status(online=False))),
            ca_file=self.config.mqtt_ca_file,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
            on_link_problem=self._on_link_problem,
        )
        client.message_callback_add(self.state_topic, self._on_state)
        self._client = client
        self.buttons.start()
        log.info(
            "counter %s (%s) connecting to %s", self.config.counter, self.config.device_id, url
        )
        mqtt_link.start(client, url)

    def close(self) -> None:
        """Say goodbye (retained online:false), disconnect and release the pins."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            if self._state_timer is not None:
                self._state_timer.cancel()
        client = self._client
        if client is not None:
            if self.connected:
                info = client.publish(
                    self.status_topic, encode(self._status(online=False)), qos=1, retain=True
                )
                try:
                    info.wait_for_publish(timeout=3)
                except (RuntimeError, ValueError) as exc:
                    log.warning("could not publish the offline status: %s", exc)
                else:
                    if not info.is_published():
                        log.warning("the broker did not confirm the offline status in time")
            with self._lock:
                self._connected = False
                self._connected_event.clear()
            client.disconnect()
            client.loop_stop()
        self.buttons.close()
        if self.keypad is not None:
            self.keypad.close()
        self.lights.close()
        log.info("counter %s station stopped", self.config.counter)

    def __enter__(self) -> CounterStation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- buttons ---------------------------------------------------------------------

    def press(self, name: str) -> Outcome | str | None:
        """Press and release button ``name`` on its mock pin; returns what became of it.

        ``sent``, ``debounced``, ``refused`` (link down), ``selected`` (a transfer
        field chosen) or ``ignored`` (a tap on a button that needs a hold, …).
        """
        return self.buttons.press(name)  # type: ignore[return-value]

    def hold(self, name: str) -> Outcome | str | None:
        """Hold button ``name`` past its hold time on its mock pin, then release it."""
        return self.buttons.hold(name)  # type: ignore[return-value]

    def rate(self, rating: int) -> Outcome | str | None:
        """Press the citizen's key for ``rating`` (1..4) on its mock pin."""
        if self.keypad is None:
            raise KeyError("this counter has no rating keypad")
        return self.keypad.press(str(rating))  # type: ignore[return-value]

    def _send(self, action: str, **fields: object) -> Outcome:
        outcome, _ = self.sender.press(action, **fields)  # type: ignore[arg-type]
        return outcome

    def _publish_command(self, topic: str, payload: bytes) -> bool:
        # checked and published under the lock so that a reconnect cannot slip in
        # between; a message paho could not write is dropped on the next connect
        with self._lock:
            client = self._client
            if client is None or not self._connected:
                return False
            info = client.publish(topic, payload, qos=1)
            return info.rc == mqtt.MQTT_ERR_SUCCESS

    # -- MQTT callbacks (paho's network thread) ----------------------------------------

    def _on_connect(self, client: mqtt.Client) -> None:
        # paho would resend unacknowledged commands from the previous link now;
        # a late "next" is worse than none, so they are dropped and reported
        stale = [m for m in client.drop_out_messages() if m.topic == self.cmd_topic]
        for message in stale:
            log.warning(
                "a command sent just before the link dropped was not confirmed and "
                "will not be resent: %s",
                message.payload.decode("utf-8", "replace"),
            )
        with self._lock:
            self._links += 1
            self._state_seen = False
            if self._state_timer is not None:
                self._state_timer.cancel()
            timer = threading.Timer(
                self.config.state_timeout_s, self._no_state_in_time, (self._links,)
            )
            timer.daemon = True
            self._state_timer = timer
        timer.start()
        client.subscribe(self.state_topic, qos=1)
        client.publish(
            self.status_topic, encode(self._status(online=True)), qos=1, retain=True
        )
        # the light first: whoever waits for ``connected`` then sees it lit
        self.lights.show_link(True)
        with self._lock:
            self._connected = True
            self._connected_event.set()
        if stale:
            self.lights.signal_refused()
        log.info("counter %s online at %s", self.config.counter, self.config.mqtt_url)

    def _on_disconnect(self, client: mqtt.Client) -> None:
        # the shared link report logs why and for how long; presses are refused meanwhile
        with self._lock:
            self._connected = False
            self._connected_event.clear()
        if self._closed:
            return
        self.lights.show_link(False)

    def _on_link_problem(self, problem: mqtt_link.LinkProblem | None) -> None:
        # retrying mends a broker that is down; not a port that is no broker, nor a
        # refused login: those get their own pattern so the installer looks at the config
        if not self._closed:
            self.lights.show_link_broken(problem in ("not_broker", "refused"))

    def _on_state(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            state = decode(msg.payload, CounterState)
        except ProtocolError as exc:
            log.warning("dropped a malformed message on %s: %s", msg.topic, exc)
            return
        if state.counter != self.config.counter:
            log.warning(
                "dropped a state for counter %r on the topic of counter %r",
                state.counter,
                self.config.counter,
            )
            return
        with self._lock:
            previous = self._last_state
            self._last_state = state
            self._state_seen = True
        if state.result == "rejected" and state.reason == "unknown_counter":
            self._show_unknown(True, f"the server answered that it does not know counter "
                                     f"{self.config.counter} of site {self.config.site}")
        else:
            self._show_unknown(False)
        self.lights.show_state(state)
        self.buttons.state_changed(state)
        finished = self._finished_ticket(state, previous)
        if finished is not None and self.keypad is not None:
            self.keypad.ticket_completed(finished)
        if self._is_new_failure(state, previous, bool(msg.retain)):
            self._signalled.append(state.last_cmd or "")
            log.info(
                "command %s answered %s%s",
                state.last_cmd,
                state.result,
                f" ({state.reason})" if state.reason else "",
            )
            self.lights.signal_rejected()
        elif self._is_own_success(state):
            self._signalled.append(state.last_cmd or "")
            self.lights.signal_accepted()

    def _no_state_in_time(self, link: int) -> None:
        with self._lock:
            late = link == self._links and self._connected and not self._state_seen
        if late and not self._closed:
            self._show_unknown(True, (
                f"no state for counter {self.config.counter} of site {self.config.site} "
                f"within {self.config.state_timeout_s:g} s of connecting: the server does not "
                "know this counter or site (check 'counter' and 'site' in the config), "
                "or it is not running"))

    def _show_unknown(self, unknown: bool, why: str = "") -> None:
        with self._lock:
            changed, self._unknown = self._unknown != unknown, unknown
        if not changed:
            return
        self.lights.show_unknown_counter(unknown)
        if unknown:
            log.warning("counter %s: %s", self.config.counter, why)
        else:
            log.info("counter %s: the server knows this counter", self.config.counter)

    def _is_own_success(self, state: CounterState) -> bool:
        """A fresh ``ok`` answer to a command this station sent: chirp once."""
        return (
            state.result == "ok"
            and state.last_cmd is not None
            and state.last_cmd not in self._signalled
            and self.sender.sent_recently(state.last_cmd)
        )

    def _finished_ticket(
        self, state: CounterState, previous: CounterState | None
    ) -> str | None:
        """The ticket one of this station's own next/complete presses has just finished.

        The server's answer to ``next`` or ``complete`` no longer shows the ticket
        served before it: that ticket is done (``skip`` and ``transfer`` are not
        completions, and another station's or the console's commands are not ours).
        """
        if (
            previous is None
            or previous.ticket is None
            or previous.ticket == state.ticket
            or state.result not in ("ok", "empty")
            or state.last_cmd is None
            or state.last_cmd in self._completions_seen
            or self.sender.action_of(state.last_cmd) not in FINISHING_ACTIONS
        ):
            return None
        self._completions_seen.append(state.last_cmd)
        return previous.ticket

    def _is_new_failure(
        self, state: CounterState, previous: CounterState | None, retained: bool
    ) -> bool:
        """Buzz once per failed answer, never for an old answer replayed by the broker."""
        if state.result not in FAILED_RESULTS or state.last_cmd in self._signalled:
            return False
        if self.sender.sent_recently(state.last_cmd):
            return True
        changed = previous is None or previous.last_cmd != state.last_cmd
        return changed and not retained

    def _status(self, *, online: bool) -> DeviceStatus:
        return DeviceStatus(
            device=self.config.device_id,
            kind="counter",
            online=online,
            version=self._version,
            ts=now_utc(),
        )
