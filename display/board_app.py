"""The hall board process: MQTT in, pygame frames out.

A thin shell around BoardState (the rules) and BoardView (the drawing). MQTT
messages arrive on paho's network thread; they are decoded there and handed to the
pygame thread through a queue, so the state is only ever touched by one thread.

A Raspberry Pi driving a TV all day should stay cool: a full frame is drawn only when
its picture changes (new data, the clock's minute, a blink phase), the ticker line
alone when just the message scrolls, at most ``FPS`` times a second for animation,
and the loop sleeps on the message queue in between. New data is drawn at once,
without waiting for the next animation frame, so a call shows within milliseconds.

The same loop paces the announcer (display/announcer.py), which speaks each call once
in arrival order; the view is the hall board or, in counter mode, one counter's screen.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pygame

from display.announcer import BOARD_WITHOUT_AUDIO, Announcer, prepare_clips
from display.board_state import BoardState
from display.board_view import LABELS, BoardView
from display.counter_view import CounterView
from display.display_config import DisplayConfig
from display.legibility import Legibility
from protocol import Board, Call, DeviceStatus, ProtocolError, Topics, decode, encode
from protocol.messages import now_utc
from protocol.mqtt_link import make_client, start
from voice.mixer_output import MixerOutput
from voice.phrase import CallWording
from voice.vietnamese_numbers import NORTHERN, SOUTHERN

log = logging.getLogger(__name__)

#: most frames per second, while something moves
FPS = 10
#: how often an idle board wakes up (clock minute, window events)
IDLE_WAKE_S = 0.5


def software_version() -> str:
    """The installed package version, reported in the device status."""
    try:
        return metadata.version("motcua-queue")
    except metadata.PackageNotFoundError:
        return "0+unknown"


class BoardApp:
    """One hall board: subscribes, keeps a BoardState, draws it, writes screenshots."""

    def __init__(
        self,
        config: DisplayConfig,
        *,
        screenshot: str | Path | None = None,
        windowed: bool = False,
        headless: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] | None = None,
        announcer: Announcer | None = None,
        on_frame: Callable[[BoardState], None] | None = None,
    ) -> None:
        self.config = config
        self.topics = Topics(config.site)
        self.screenshot_path = Path(screenshot) if screenshot else None
        self.windowed = windowed
        self.headless = headless
        self.state = BoardState(config.recent_count, config.highlight_s, clock)
        self.view = self.make_view((config.width, config.height))
        #: speaks the calls; made at run() from the config unless given (tests give one)
        self.announcer = announcer
        #: called after every full frame is drawn (the benchmark measures call → frame)
        self.on_frame = on_frame
        self._sink: MixerOutput | None = None
        #: malformed messages dropped since start
        self.dropped = 0
        #: successful connections to the broker since start (1 + reconnections)
        self.connections = 0
        self._clock = clock
        tz = ZoneInfo(config.timezone)
        self._wall_clock = wall_clock or (lambda: datetime.now(tz))
        # SimpleQueue.put is safe from a signal handler, which stop() relies on
        self._inbox: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._closing = False
        self._client: mqtt.Client | None = None
        #: connections so far, and whether the current one has brought the board yet
        self._links = 0
        self._board_seen = False
        self._board_timer: threading.Timer | None = None
        self._screen: pygame.Surface | None = None
        self._offscreen: pygame.Surface | None = None

    # -- MQTT --------------------------------------------------------------------

    @property
    def status_topic(self) -> str:
        return self.topics.status(self.config.device_id)

    def connect(self) -> None:
        """Start the MQTT link in the background; it reconnects on its own."""
        will = DeviceStatus(device=self.config.device_id, kind="display", online=False)
        self._client = make_client(
            self.config.mqtt_url,
            self.config.device_id,
            will=(self.status_topic, encode(will)),
            ca_file=self.config.ca_file,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
        )
        self._client.on_message = self._on_message
        log.info("connecting to %s as %s", self.config.mqtt_url, self.config.device_id)
        start(self._client, self.config.mqtt_url)

    def _on_connect(self, client: mqtt.Client) -> None:
        # subscribing here (not once) makes every reconnect resubscribe, and the broker
        # then hands over the retained board again: that is the resync
        client.subscribe([(self.topics.board, 1), (self.topics.calls, 1)])
        status = DeviceStatus(
            device=self.config.device_id,
            kind="display",
            online=True,
            version=software_version(),
            ts=now_utc(),
        )
        client.publish(self.status_topic, encode(status), qos=1, retain=True)
        self.connections += 1
        self._links += 1
        self._board_seen = False
        if self._board_timer is not None:
            self._board_timer.cancel()
        # a server serving this site keeps its board retained: it comes at once
        self._board_timer = threading.Timer(
            self.config.board_timeout_s, self._no_board_in_time, (self._links,)
        )
        self._board_timer.daemon = True
        self._board_timer.start()
        log.info("connected; subscribed to %s and %s", self.topics.board, self.topics.calls)
        self._inbox.put(("link", True))

    def _on_disconnect(self, client: mqtt.Client) -> None:
        # why the link is down, and for how long, is logged by the shared link report
        if self._closing:
            log.info("disconnected from the broker")
        self._inbox.put(("link", False))

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        self.handle_payload(msg.topic, msg.payload)

    def handle_payload(self, topic: str, payload: bytes) -> None:
        """Decode one MQTT payload and queue it for the board; bad input is logged and
        dropped (any thread may call this)."""
        kind: type[Board] | type[Call]
        if topic == self.topics.board:
            kind = Board
        elif topic == self.topics.calls:
            kind = Call
        else:
            return
        try:
            message = decode(payload, kind)
        except ProtocolError as exc:
            self.dropped += 1
            log.warning("dropped a malformed message on %s: %s", topic, exc)
            return
        if kind is Board and not self._board_seen:
            self._board_seen = True
            self._inbox.put(("problem", ""))
        self._inbox.put(("message", message))

    def _no_board_in_time(self, link: int) -> None:
        if link != self._links or self._board_seen or self._closing:
            return
        log.warning(
            "no board for site %s within %g s of connecting: the server does not serve "
            "this site (check 'site' in the config), or it is not running",
            self.config.site, self.config.board_timeout_s,
        )
        text = LABELS[self.config.language].unknown_site.format(site=self.config.site)
        self._inbox.put(("problem", text))

    # -- applying ----------------------------------------------------------------

    def pump(self, timeout: float = 0.0) -> bool:
        """Apply every queued message, waiting up to ``timeout`` s for the first one;
        True if the board changed."""
        try:
            item = self._inbox.get(timeout=timeout) if timeout > 0 else self._inbox.get_nowait()
        except queue.Empty:
            return False
        changed = False
        while True:
            changed |= self._apply(*item)
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return changed

    def _apply(self, kind: str, value: object) -> bool:
        if kind == "link":
            return self.state.set_connected(bool(value))
        if kind == "problem":
            return self.state.set_problem(str(value))
        if isinstance(value, Board):
            return self.state.apply_board(value)
        if isinstance(value, Call):
            applied = self.state.apply_call(value)
            if applied:
                log.info("call %s → counter %s (seq %d)", value.ticket, value.counter, value.seq)
            else:
                log.debug("ignored call seq %d (already applied)", value.seq)
            return applied
        return False

    # -- drawing -----------------------------------------------------------------

    def make_view(self, size: tuple[int, int]) -> BoardView | CounterView:
        """The hall board, or one counter's screen, laid out for ``size`` pixels."""
        c = self.config
        legibility = Legibility.for_screen(
            size[0], size[1], c.viewing_distance_m,
            screen_height_cm=c.screen_height_cm,
            screen_dpi=c.screen_dpi,
            screen_diagonal_in=c.screen_diagonal_in,
        )
        view: BoardView | CounterView
        if c.mode == "counter":
            view = CounterView(size, c.counter or "", c.language, legibility=legibility)
        else:
            view = BoardView(size, c.centre_name, c.language, legibility=legibility)
        if not view.minimum_met():
            log.warning(
                "at %.1f m the number needs capitals of %.1f cm, more than this screen "
                "(%dx%d) can show: lower viewing_distance_m or use a bigger screen",
                c.viewing_distance_m, legibility.letter_cm(comfort=True), *size,
            )
        return view

    def open_screen(self) -> None:
        """Open the window (or the full screen); headless apps draw offscreen only."""
        if self.headless:
            return
        pygame.display.init()
        fullscreen = self.config.fullscreen and not self.windowed
        flags = pygame.FULLSCREEN if fullscreen else 0
        self._screen = pygame.display.set_mode((self.config.width, self.config.height), flags)
        pygame.display.set_caption(self.config.centre_name)
        if fullscreen:
            pygame.mouse.set_visible(False)
        size = self._screen.get_size()
        if size != self.view.size:
            # the screen gave another mode: lay the board out for what is really there
            self.view = self.make_view(size)

    def _surface(self) -> pygame.Surface:
        if self._screen is not None:
            return self._screen
        if self._offscreen is None or self._offscreen.get_size() != self.view.size:
            self._offscreen = pygame.Surface(self.view.size)
        return self._offscreen

    def render(self) -> pygame.Surface:
        """Draw the current frame and return it (the window's surface, or an offscreen one)."""
        return self.view.render(
            self.state, self._clock(), self._wall_clock(), target=self._surface()
        )

    def save_screenshot(self, path: str | Path | None = None) -> Path:
        """Write the current frame as PNG, atomically: readers never see half a file."""
        target = Path(path) if path else self.screenshot_path
        if target is None:
            raise ValueError("no screenshot path")
        frame = self.render()
        folder = target.parent if str(target.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".png", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                pygame.image.save(frame, fh, "png")
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return target

    def _present(self, rect: pygame.Rect | None = None) -> None:
        if self._screen is None:
            return
        if rect is None:
            pygame.display.flip()
        else:
            pygame.display.update(rect)

    def _handle_events(self) -> None:
        if self._screen is None:
            return
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (
                event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q)
            ):
                self.stop()

    # -- voice -------------------------------------------------------------------

    def start_voice(self) -> None:
        """Make the announcer from the config: open the audio device, and get the clips
        ready in the background (they may have to be generated first)."""
        if self.announcer is not None or not self.config.announce:
            return
        self._sink = MixerOutput(without_audio=BOARD_WITHOUT_AUDIO)
        if not self._sink.open():
            return  # said once by the mixer; no clips are made for a board that cannot play
        self.announcer = Announcer(self._sink, volume=self.config.volume, clock=self._clock)
        wording = CallWording(
            english=self.config.voice_english,
            number_style=self.config.voice_numbers,
            reading=SOUTHERN if self.config.voice_reading == "south" else NORTHERN,
        )
        threading.Thread(
            target=prepare_clips,
            args=(self.config.clip_dir, wording, self.announcer),
            name="voice-clips",
            daemon=True,
        ).start()

    def _speak(self, now: float) -> None:
        announcements = self.state.take_announcements()
        if self.announcer is None:
            return
        self.announcer.enqueue(announcements)
        self.announcer.tick(now)

    # -- life cycle --------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to end (safe from a signal handler or another thread)."""
        self._stop.set()
        self._inbox.put(("wake", None))

    def run(self, exit_after: float | None = None) -> None:
        """Connect, draw until stopped (or for ``exit_after`` seconds), then close."""
        deadline = None if exit_after is None else self._clock() + exit_after
        self.open_screen()
        self.start_voice()
        self.connect()
        interval = 1.0 / FPS
        last_key: tuple | None = None
        last_version: int | None = None
        last_draw = float("-inf")
        try:
            while not self._stop.is_set():
                now = self._clock()
                if deadline is not None and now >= deadline:
                    break
                self._handle_events()
                scrolling = self.view.ticker_scrolls(self.state)
                fresh = self.state.version != last_version
                due = fresh or now - last_draw >= interval
                if due:
                    key = self.view.frame_key(self.state, now, self._wall_clock())
                    if key != last_key:
                        self.render()
                        self._present()
                        last_key, last_draw = key, now
                        if self.on_frame is not None:
                            self.on_frame(self.state)
                        if self.screenshot_path and self.state.version != last_version:
                            self.save_screenshot()
                        last_version = self.state.version
                    elif scrolling:
                        self._present(self.view.draw_ticker(self._surface(), self.state, now))
                        last_draw = now
                # after drawing: building an announcement's WAV must not delay the frame
                self._speak(now)
                animating = scrolling or self.state.is_highlighted(now)
                wait = interval if animating else IDLE_WAKE_S
                if not due:
                    wait = interval - (now - last_draw)
                speech = self.announcer.seconds_to_next(now) if self.announcer else None
                if speech is not None:
                    wait = min(wait, max(speech, 0.01))
                if deadline is not None:
                    wait = min(wait, deadline - now)
                self.pump(max(wait, 0.001))
        finally:
            if self.screenshot_path:
                try:
                    self.save_screenshot()
                except (OSError, pygame.error) as exc:
                    log.error("could not write the screenshot %s: %s", self.screenshot_path, exc)
            self.close()

    def close(self) -> None:
        """Say goodbye on the status topic (a clean exit sends no last will) and disconnect."""
        client, self._client = self._client, None
        if self._board_timer is not None:
            self._board_timer.cancel()
        if client is not None:
            self._closing = True
            offline = DeviceStatus(
                device=self.config.device_id, kind="display", online=False, ts=now_utc()
            )
            try:
                info = client.publish(self.status_topic, encode(offline), qos=1, retain=True)
                if info.rc == mqtt.MQTT_ERR_SUCCESS:
                    info.wait_for_publish(2)
            except (RuntimeError, ValueError) as exc:
                log.warning("could not publish the offline status: %s", exc)
            client.disconnect()
            client.loop_stop()
        if self._screen is not None:
            pygame.display.quit()
            self._screen = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None
