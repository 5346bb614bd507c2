"""Saying the issued number aloud, for citizens who cannot read the screen or the ticket.

After a ticket is printed the touch UI hands its number to ``TicketVoice.speak``,
which only queues it: the prompt ("Số của bạn là A012. Vui lòng chờ gọi số.") is
assembled and played on the voice's own thread, so the confirmation screen never
waits for sound. The words come from the same offline clip set as the hall board's
calls (package ``voice``), so the citizen hears the number the way it will be called;
a missing set is generated with espeak-ng in the background at start.

Speech is a help, never a condition: without an audio device the kiosk logs it once
and stays silent, a missing clip is logged and that prompt skipped, and tickets are
taken and printed exactly as before.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.kiosk_config import KioskConfig
from voice.clip_catalogue import catalogue
from voice.clip_set import (
    ClipError,
    ClipSet,
    MissingClipError,
    espeak_available,
    generate_clip_set,
)
from voice.mixer_output import MixerOutput
from voice.phrase import CallWording, PhraseBuilder

log = logging.getLogger(__name__)

#: a prompt not started within this many seconds of its ticket is dropped: by then the
#: citizen has walked away and the number would only confuse the next one
STALE_S = 10.0
#: pause after a prompt before the next one starts, seconds
GAP_S = 0.5


class AudioOut(Protocol):
    """Where a prompt's WAV goes."""

    def open(self) -> bool: ...

    def play(self, wav: bytes, volume: float) -> None: ...


@dataclass(frozen=True)
class Spoken:
    """One prompt as it was handed to the loudspeaker."""

    number: str
    clips: tuple[str, ...]
    duration_s: float


class TicketVoice:
    """The queue of numbers to say and the thread that says them, one at a time."""

    def __init__(
        self,
        clip_dir: str | Path,
        *,
        volume: float = 1.0,
        out: AudioOut | None = None,
        wording: CallWording | None = None,
        generate: bool = True,
        stale_s: float = STALE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clip_dir = Path(clip_dir)
        self.volume = volume
        self.out: AudioOut = (
            out
            if out is not None
            else MixerOutput(without_audio="the kiosk does not speak the numbers")
        )
        self.wording = wording or CallWording()
        self.generate = generate
        self.stale_s = stale_s
        self._clock = clock
        #: set once the clips are ready or known to be unusable
        self.ready = threading.Event()
        #: every prompt played, in order
        self.spoken: list[Spoken] = []
        self._queue: queue.SimpleQueue[tuple[str, float] | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._builder: PhraseBuilder | None = None
        self._logged_missing: set[str] = set()
        self._handled = 0
        #: time.monotonic() at which the prompt being played (plus a breath) is over
        self._busy_until = 0.0
        self._handled_changed = threading.Condition()

    # -- life cycle --------------------------------------------------------------

    def start(self) -> TicketVoice:
        """Open the audio device (on the calling thread, like the display does) and get
        the clips ready on the voice's thread; returns at once."""
        if self._thread is not None:
            return self
        audio = self.out.open()
        self._thread = threading.Thread(
            target=self._run, args=(audio,), name="kiosk-voice", daemon=True
        )
        self._thread.start()
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Stop speaking (a prompt being played is cut short at most by its own length)."""
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # -- feeding -----------------------------------------------------------------

    def speak(self, number: str) -> None:
        """Queue ``number`` to be said; never blocks, never raises."""
        if self._stop.is_set():
            return
        self._queue.put((str(number), self._clock()))

    @property
    def handled(self) -> int:
        """How many queued numbers were dealt with (spoken or skipped)."""
        return self._handled

    def wait_handled(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` numbers were dealt with; False on timeout."""
        with self._handled_changed:
            return self._handled_changed.wait_for(lambda: self._handled >= count, timeout)

    # -- the voice's thread -------------------------------------------------------

    def _run(self, audio: bool) -> None:
        builder = self._prepare() if audio else None
        self._builder = builder
        self.ready.set()
        while (item := self._queue.get()) is not None:
            try:
                if builder is not None:
                    self._say(builder, *item)
            except Exception:  # a bug here must not stop the voice for the day
                log.exception("ticket prompt failed")
            finally:
                with self._handled_changed:
                    self._handled += 1
                    self._handled_changed.notify_all()

    def _prepare(self) -> PhraseBuilder | None:
        """The clip set, generated when incomplete and espeak-ng is there; every present
        clip is loaded once so the first prompt is not late."""
        wanted = [spec.clip_id for spec in catalogue()]
        clips = ClipSet(self.clip_dir)
        try:
            missing = clips.missing(wanted)
            if missing and self.generate and espeak_available():
                log.info("generating the voice clips in %s with espeak-ng", self.clip_dir)
                generate_clip_set(self.clip_dir)
                clips = ClipSet(self.clip_dir)
                missing = clips.missing(wanted)
            if missing:
                log.warning(
                    "voice clips incomplete in %s (%d missing, e.g. %s): numbers needing "
                    "them are not spoken",
                    self.clip_dir,
                    len(missing),
                    missing[0],
                )
            for clip_id in wanted:
                if clip_id not in missing:
                    try:
                        clips.samples(clip_id)
                    except ClipError as exc:
                        log.warning("%s", exc)
        except (ClipError, OSError) as exc:
            log.warning("voice unavailable (%s): the kiosk does not speak the numbers", exc)
            return None
        log.info("kiosk voice ready from %s", self.clip_dir)
        return PhraseBuilder(clips, self.wording)

    def _say(self, builder: PhraseBuilder, number: str, queued_at: float) -> None:
        # one prompt at a time: the next starts when the previous one has been heard
        if self._stop.wait(max(0.0, self._busy_until - time.monotonic())):
            return
        if self._clock() - queued_at > self.stale_s:
            log.info("ticket %s not spoken: the voice was not ready in time", number)
            return
        try:
            phrase = builder.ticket_prompt(number)
        except MissingClipError as exc:
            if exc.clip_id not in self._logged_missing:
                self._logged_missing.add(exc.clip_id)
                log.error("ticket %s not spoken: %s", number, exc)
            return
        except (ClipError, KeyError) as exc:  # a broken clip, a prefix without a letter
            log.error("ticket %s not spoken: %s", number, exc)
            return
        self.out.play(phrase.wav, self.volume)
        self._busy_until = time.monotonic() + phrase.duration_s + GAP_S
        self.spoken.append(Spoken(number, phrase.clips, phrase.duration_s))
        log.info("spoke ticket %s (%.1f s)", number, phrase.duration_s)


def start_ticket_voice(config: KioskConfig, out: AudioOut | None = None) -> TicketVoice | None:
    """The kiosk's voice as configured and started, or None when ``speak`` is off (then
    no audio device is even opened)."""
    if not config.speak:
        return None
    return TicketVoice(config.clip_dir, volume=config.volume, out=out).start()
