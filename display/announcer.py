"""Speaking the calls: one after another, each once, through the loudspeaker.

The board state queues an Announcement for every new call (a recall is a new call);
the Announcer plays them in order, never two at once, waiting for each to finish
(plus a short breath) before the next. It keeps time with an injected clock and
hands WAV data to an injected sink, so tests check order and pacing with a fake
clock and a list of played WAVs instead of a speaker.

The clips can take a moment to be ready (generated with espeak-ng on first start);
calls that arrive meanwhile wait in the queue. If there is no voice at all the board
keeps working silently and says so once in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from display.board_state import Announcement
from voice.clip_catalogue import catalogue
from voice.clip_set import ClipError, ClipSet, espeak_available, generate_clip_set
from voice.phrase import CallWording, Phrase, PhraseBuilder

log = logging.getLogger(__name__)

#: pause between two announcements, seconds
GAP_S = 0.8
#: calls waiting beyond this are dropped, oldest first (a hall that far behind is better
#: served by the board than by a minute of backlog)
MAX_QUEUE = 20
#: how many played announcements are remembered (for the log and for tests)
HISTORY = 50


class AudioSink(Protocol):
    """Where an announcement's WAV goes."""

    def play(self, wav: bytes, volume: float) -> None: ...


class SilentSink:
    """No loudspeaker: the board keeps going without sound."""

    audible = False

    def play(self, wav: bytes, volume: float) -> None:
        return None


class RecordingSink:
    """Keeps every WAV it is given (tests and the benchmark)."""

    def __init__(self) -> None:
        self.played: list[bytes] = []

    def play(self, wav: bytes, volume: float) -> None:
        self.played.append(wav)


#: what a board without an audio device does (logged once)
BOARD_WITHOUT_AUDIO = "the board runs without voice"


@dataclass(frozen=True)
class Played:
    """One announcement as it was played."""

    announcement: Announcement
    phrase: Phrase
    started: float


class Announcer:
    """The queue of calls to speak and the player that paces them."""

    def __init__(
        self,
        sink: AudioSink,
        builder: PhraseBuilder | None = None,
        *,
        volume: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        gap_s: float = GAP_S,
    ) -> None:
        self.sink = sink
        self.volume = volume
        self.gap_s = gap_s
        self._clock = clock
        self._builder = builder
        #: False once it is known there will be no voice (calls are then dropped)
        self.available = True
        self._queue: deque[Announcement] = deque()
        self._busy_until = float("-inf")
        self.history: deque[Played] = deque(maxlen=HISTORY)
        self._lock = threading.Lock()

    # -- feeding -----------------------------------------------------------------

    def enqueue(self, announcements: Iterable[Announcement]) -> None:
        """Queue calls to speak, in the order given."""
        for item in announcements:
            if not self.available:
                log.debug("no voice: %s to counter %s not spoken", item.ticket, item.counter)
                continue
            self._queue.append(item)
            if len(self._queue) > MAX_QUEUE:
                dropped = self._queue.popleft()
                log.warning("too many calls waiting to be spoken; skipped %s", dropped.ticket)

    @property
    def pending(self) -> tuple[Announcement, ...]:
        return tuple(self._queue)

    def set_builder(self, builder: PhraseBuilder | None) -> None:
        """The clips are ready (or, with None, will never be: drop what waits)."""
        with self._lock:
            self._builder = builder
            self.available = builder is not None
            if builder is None:
                self._queue.clear()

    # -- playing -----------------------------------------------------------------

    def busy(self, now: float | None = None) -> bool:
        return (self._clock() if now is None else now) < self._busy_until

    def tick(self, now: float | None = None) -> Played | None:
        """Start the next announcement if the previous one is over; what was started."""
        now = self._clock() if now is None else now
        with self._lock:
            builder = self._builder
        if builder is None or not self._queue or now < self._busy_until:
            return None
        item = self._queue.popleft()
        try:
            phrase = builder.call(item.ticket, item.counter, recall=item.recall)
        except (ClipError, KeyError) as exc:
            # e.g. a clip deleted or a ticket prefix without a letter clip: say what
            log.error("cannot announce %s to counter %s: %s", item.ticket, item.counter, exc)
            return None
        self.sink.play(phrase.wav, self.volume)
        self._busy_until = now + phrase.duration_s + self.gap_s
        played = Played(item, phrase, now)
        self.history.append(played)
        heard = getattr(self.sink, "audible", True)
        log.info("announced %s to counter %s%s (%.1f s)%s", item.ticket, item.counter,
                 " (recall)" if item.recall else "", phrase.duration_s,
                 "" if heard else ", to no loudspeaker")
        return played

    def seconds_to_next(self, now: float | None = None) -> float | None:
        """How long until ``tick`` has something to do; None if nothing waits."""
        if not self._queue or self._builder is None:
            return None
        now = self._clock() if now is None else now
        return max(0.0, self._busy_until - now)


def prepare_clips(
    folder: str | Path,
    wording: CallWording, announcer: Announcer, generate: bool = True
) -> None:
    """Make the clip set usable and hand its builder to ``announcer``.

    Generates a missing or incomplete set with espeak-ng (recorded clips are kept),
    then loads every clip once so the first call is not delayed. Meant to run in a
    background thread at start: a Pi may need several seconds for it.
    """
    clips = ClipSet(folder)
    try:
        if not clips.is_complete(wording.english):
            if not (generate and espeak_available()):
                missing = clips.missing(spec.clip_id for spec in catalogue(wording.english))
                log.warning(
                    "voice clips incomplete in %s (%d missing, e.g. %s) and espeak-ng is "
                    "not installed: the board runs without voice",
                    folder, len(missing), missing[0],
                )
                announcer.set_builder(None)
                return
            log.info("generating the voice clips in %s with espeak-ng", folder)
            generate_clip_set(folder, english=wording.english)
            clips = ClipSet(folder)
        for spec in catalogue(wording.english):
            clips.samples(spec.clip_id)
    except (ClipError, OSError) as exc:
        log.warning("voice unavailable (%s): the board runs without voice", exc)
        announcer.set_builder(None)
        return
    announcer.set_builder(PhraseBuilder(clips, wording))
    log.info("voice ready from %s", folder)
