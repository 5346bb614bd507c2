"""Whether this machine has anywhere to send sound, asked before SDL is.

Opening pygame's mixer on a machine without a sound card makes libasound print a
dozen ``ALSA lib ...`` lines and the sound-server clients complain about
``XDG_RUNTIME_DIR`` before SDL gives up; a device then shows that noise before its own
one-line warning. Looking first keeps the log to that one line.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

#: SDL audio drivers that play nothing anyone hears
SILENT_DRIVERS = frozenset({"dummy", "disk"})


def playback_device_present(environ: dict[str, str] | None = None, dev: str = "/dev/snd") -> bool:
    """True if a sound server or an ALSA playback device is there (or SDL is told which)."""
    env = os.environ if environ is None else environ
    if env.get("SDL_AUDIODRIVER"):
        return True  # the operator chose a driver: let SDL try it and report
    if env.get("PULSE_SERVER"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and any(
        (Path(runtime) / name).exists() for name in ("pulse/native", "pipewire-0")
    ):
        return True
    return bool(glob.glob(os.path.join(dev, "pcmC*D*p")))


def no_device_reason(dev: str = "/dev/snd") -> str:
    return f"no sound card ({dev} has no playback device) and no sound server"
