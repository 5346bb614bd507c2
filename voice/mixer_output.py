"""Playing a WAV through the loudspeaker with pygame.mixer, for the display and kiosk.

The mixer is opened on first use, so a device that never speaks never touches the
audio hardware. Without an audio device it logs once and stays quiet: the board and
the kiosk keep working without voice.
"""

from __future__ import annotations

import io
import logging

from voice.audio_devices import SILENT_DRIVERS, no_device_reason, playback_device_present
from voice.pcm_audio import RATE

log = logging.getLogger(__name__)


class MixerOutput:
    def __init__(self, without_audio: str = "running without voice") -> None:
        #: what the log says the device does when no audio device opens
        self.without_audio = without_audio
        self._ready: bool | None = None
        #: whether what is played reaches a loudspeaker (not SDL's dummy or disk driver)
        self.audible = False
        self._current = None  # the playing Sound must stay referenced until it ends

    def open(self) -> bool:
        if self._ready is None:
            if not playback_device_present():
                self._ready = False
                log.warning("no audio device (%s): %s", no_device_reason(), self.without_audio)
                return False
            import pygame

            try:
                pygame.mixer.init(frequency=RATE, size=-16, channels=1, buffer=1024)
                self._ready = True
                driver = pygame.mixer.get_driver()
                self.audible = driver not in SILENT_DRIVERS
                log.info("audio: %s through SDL driver %s%s", pygame.mixer.get_init(), driver,
                         "" if self.audible else f" (nothing is heard: {self.without_audio})")
            except pygame.error as exc:
                self._ready = False
                log.warning("no audio device (%s): %s", exc, self.without_audio)
        return self._ready

    def play(self, wav: bytes, volume: float) -> None:
        if not self.open():
            return
        import pygame

        try:
            sound = pygame.mixer.Sound(file=io.BytesIO(wav))
            sound.set_volume(volume)
            sound.play()
            self._current = sound
        except pygame.error as exc:  # e.g. the mixer was shut while closing
            log.error("could not play a voice prompt: %s", exc)

    def close(self) -> None:
        if self._ready:
            import pygame

            pygame.mixer.quit()
        self._ready = None
        self.audible = False
