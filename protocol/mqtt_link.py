"""One way to open an MQTT connection, used by every process.

paho-mqtt 2 with ``CallbackAPIVersion.VERSION2``, ``TCP_NODELAY`` on the socket (a
quiet link otherwise delays the next message ~40 ms for a delayed ACK), automatic
reconnection, and an optional retained last will for device status.

paho retries a missing broker silently; every client made here says so in the log
instead (``LinkReport``): at once when the broker cannot be reached, again every
minute while that lasts, and once when the link is back. A port that accepts the
connection but does not answer as an MQTT broker (the server's HTTP port, say) and a
broker that refuses the login are told apart from a broker that is down.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Literal

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from protocol.broker_url import BrokerUrl

log = logging.getLogger(__name__)

#: while the broker stays unreachable, the warning is repeated this often (seconds)
UNREACHABLE_LOG_EVERY_S = 60.0
#: a broker answers a connection within this many seconds; silence means it is none
ANSWER_TIMEOUT_S = 5.0

#: why the link is down: nothing listens (or the network fails), something that is
#: not an MQTT broker listens, or the broker refuses this client's login
LinkProblem = Literal["unreachable", "not_broker", "refused"]


def _set_nodelay(sock: object) -> None:
    # not a TCP socket (e.g. a websocket wrapper): nothing to tune
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[attr-defined]


def failure_text(exc: BaseException) -> str:
    """A short lower-case reason for a failed connection ("connection refused")."""
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return "no answer (timed out)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


class LinkReport:
    """Tells the log (and ``on_problem``) what became of the link to one broker.

    Fed by the client's callbacks. A problem is logged at once, then again at most
    every ``every_s`` seconds while it lasts (at once when it changes kind); the
    reconnection after a logged problem is logged once. ``on_problem`` gets the
    current problem whenever it changes, None when the link is up.
    """

    def __init__(
        self,
        url: BrokerUrl,
        *,
        every_s: float = UNREACHABLE_LOG_EVERY_S,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
        on_problem: Callable[[LinkProblem | None], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.every_s = every_s
        self.answer_timeout_s = answer_timeout_s
        self.on_problem = on_problem
        self._clock = clock
        self._lock = threading.Lock()
        self._problem: LinkProblem | None = None
        self._down_since: float | None = None
        self._logged_at: float | None = None
        #: something was logged about this outage: its end is logged too
        self._said_down = False
        self._connected = False
        self._answered = False
        self._attempt = 0
        self._timer: threading.Timer | None = None
        self._closed = False
        #: ``on_problem`` calls, in order, each with the problem as it is then
        self._tell_lock = threading.Lock()
        self._told: LinkProblem | None = None

    @property
    def problem(self) -> LinkProblem | None:
        with self._lock:
            return self._problem

    # -- events (paho's network thread, the answer timer) ------------------------------

    def connect_failed(self, exc: BaseException) -> None:
        """The TCP (or TLS) connection could not be made."""
        self._failed("unreachable", failure_text(exc))

    def socket_opened(self) -> None:
        """TCP is up and CONNECT is on its way: a broker answers it promptly."""
        with self._lock:
            self._attempt += 1
            self._answered = False
            attempt = self._attempt
            self._cancel_timer()
            if self._closed:
                return
            timer = threading.Timer(self.answer_timeout_s, self._no_answer, (attempt,))
            timer.daemon = True
            self._timer = timer
        timer.start()

    def answered(self, reason_code: object, failed: bool) -> None:
        """The broker answered CONNECT: accepted, or refused with ``reason_code``."""
        with self._lock:
            self._answered = True
            self._cancel_timer()
        if failed:
            self._failed("refused", f"the broker refused the connection ({reason_code})")
            return
        with self._lock:
            since, logged = self._down_since, self._said_down
            self._connected = True
            self._down_since = self._logged_at = None
            self._said_down = False
            changed = self._problem is not None
            self._problem = None
        if logged and since is not None:
            log.info("connected to the broker at %s again after %.0f s",
                     self.url, self._clock() - since)
        if changed:
            self._tell()

    def disconnected(self, reason_code: object, failed: bool) -> None:
        """The connection ended (``failed`` unless this client asked for it)."""
        with self._lock:
            self._cancel_timer()
            was_connected, self._connected = self._connected, False
            answered = self._answered
            closed = self._closed
        if closed or not failed:
            return
        if was_connected:
            log.warning("lost the link to the broker at %s (%s); reconnecting",
                        self.url, reason_code)
            with self._lock:
                self._down_since = self._clock()
                self._logged_at = None
                self._said_down = True
            self._failed("unreachable", f"link lost ({reason_code})", log_now=False)
        elif not answered:
            self._failed("not_broker", self._not_broker_text(str(reason_code)))

    def close(self) -> None:
        """The client is closing: no more reports."""
        with self._lock:
            self._closed = True
            self._cancel_timer()

    # -- internals ---------------------------------------------------------------------

    def _not_broker_text(self, detail: str) -> str:
        return (f"port {self.url.port} answers, but not as an MQTT broker ({detail}; "
                "is it another service's port?)")

    def _no_answer(self, attempt: int) -> None:
        self._failed("not_broker", self._not_broker_text(
            f"no MQTT answer within {self.answer_timeout_s:g} s"), attempt=attempt)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _failed(
        self, problem: LinkProblem, reason: str, *, log_now: bool = True,
        attempt: int | None = None,
    ) -> None:
        now = self._clock()
        with self._lock:
            if self._closed:
                return
            # the answer timer of an attempt that has been answered (or replaced) since
            if attempt is not None and (attempt != self._attempt or self._answered):
                return
            if self._down_since is None:
                self._down_since = now
            changed = self._problem != problem
            self._problem = problem
            due = log_now and (
                changed or self._logged_at is None or now - self._logged_at >= self.every_s
            )
            if due:
                self._logged_at = now
                self._said_down = True
            since = self._down_since
        if due:
            if now - since < 1:
                log.warning("cannot reach the broker at %s: %s; retrying", self.url, reason)
            else:
                log.warning("cannot reach the broker at %s: %s (for %.0f s); retrying",
                            self.url, reason, now - since)
        if changed:
            self._tell()

    def _tell(self) -> None:
        # the timer and paho's thread may both get here: whoever is last tells the
        # problem as it is now, so the listener always ends with the true state
        if self.on_problem is None:
            return
        with self._tell_lock:
            with self._lock:
                problem = self._problem
            if problem == self._told:
                return
            self._told = problem
            try:
                self.on_problem(problem)
            except Exception:  # a display of the problem must not stop the link
                log.exception("showing the broker link state failed")


class LinkClient(mqtt.Client):
    """A paho client whose connection attempts feed its ``report``."""

    report: LinkReport

    def reconnect(self) -> mqtt.MQTTErrorCode:
        try:
            return super().reconnect()
        except OSError as exc:
            self.report.connect_failed(exc)
            raise

    def disconnect(self, *args, **kwargs) -> mqtt.MQTTErrorCode:
        self.report.close()
        return super().disconnect(*args, **kwargs)


def make_client(
    url: BrokerUrl,
    client_id: str,
    *,
    will: tuple[str, bytes] | None = None,
    ca_file: str | None = None,
    on_connect: Callable[[mqtt.Client], None] | None = None,
    on_disconnect: Callable[[mqtt.Client], None] | None = None,
    on_link_problem: Callable[[LinkProblem | None], None] | None = None,
    report_every_s: float = UNREACHABLE_LOG_EVERY_S,
    answer_timeout_s: float = ANSWER_TIMEOUT_S,
) -> LinkClient:
    """A configured but not yet connected client.

    ``will`` is a (topic, payload) pair published retained at QoS 1 by the broker if
    this client vanishes. ``on_connect`` runs after every (re)connection: subscribe
    and publish the online status there, so a reconnect restores everything.
    ``on_link_problem`` gets the link's ``LinkProblem`` whenever it changes (None once
    connected); ``report_every_s`` is how often a lasting problem is logged again.
    """
    client = LinkClient(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    report = LinkReport(url, every_s=report_every_s, answer_timeout_s=answer_timeout_s,
                        on_problem=on_link_problem)
    client.report = report

    def _socket_open(c: mqtt.Client, userdata: object, sock: object) -> None:
        _set_nodelay(sock)
        report.socket_opened()

    client.on_socket_open = _socket_open
    if url.username:
        client.username_pw_set(url.username, url.password)
    if url.tls:
        client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
    if will is not None:
        client.will_set(will[0], will[1], qos=1, retain=True)
    client.reconnect_delay_set(min_delay=1, max_delay=5)

    def _connected(c: mqtt.Client, userdata, flags, reason_code, properties) -> None:
        report.answered(reason_code, reason_code.is_failure)
        if not reason_code.is_failure and on_connect is not None:
            on_connect(c)

    def _disconnected(c: mqtt.Client, userdata, flags, reason_code, properties) -> None:
        report.disconnected(reason_code, reason_code.is_failure)
        if on_disconnect is not None:
            on_disconnect(c)

    client.on_connect = _connected
    client.on_disconnect = _disconnected
    return client


def start(client: mqtt.Client, url: BrokerUrl) -> None:
    """Connect in the background and keep reconnecting, even if the broker is down now."""
    client.connect_async(url.host, url.port, keepalive=15)
    client.loop_start()
