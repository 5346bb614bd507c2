"""Sound as 16-bit samples in one fixed format, read from and written to WAV.

Every clip of a set, generated or recorded, is brought to ``RATE`` Hz mono 16-bit
when it is loaded, so clips can be joined by simple concatenation. Only the stdlib
``wave`` and ``array`` modules are used (``audioop`` is deprecated and leaves Python
in 3.13); the resampling is linear interpolation, which is plenty for speech.
"""

from __future__ import annotations

import io
import sys
import wave
from array import array
from pathlib import Path

#: the format of every clip and every assembled announcement
RATE = 22050
CHANNELS = 1
SAMPLE_WIDTH = 2
#: peak level clips are normalised to (a little headroom below full scale)
TARGET_PEAK = 0.7
#: level below which the start and end of a clip count as silence
SILENCE_LEVEL = 0.02
_FULL = 32767


class AudioFormatError(Exception):
    """A WAV file that cannot be used (not PCM, broken, empty)."""


def read_wav(source: str | Path | bytes) -> array:
    """A WAV file (path or bytes) as mono 16-bit samples at ``RATE`` Hz.

    Accepts 8/16/24/32-bit PCM, any channel count (mixed down) and any rate.
    """
    name = "WAV data" if isinstance(source, bytes) else str(source)
    try:
        with wave.open(
            io.BytesIO(source) if isinstance(source, bytes) else str(source), "rb"
        ) as handle:
            channels = handle.getnchannels()
            width = handle.getsampwidth()
            rate = handle.getframerate()
            raw = handle.readframes(handle.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(f"{name}: not a PCM WAV file ({exc})") from None
    samples = _to_int16(raw, width, name)
    if channels > 1:
        samples = _mix_down(samples, channels)
    if rate != RATE:
        samples = resample(samples, rate, RATE)
    return samples


def _to_int16(raw: bytes, width: int, name: str) -> array:
    if width == 2:
        out = array("h")
        out.frombytes(raw[: len(raw) - len(raw) % 2])
        if sys.byteorder == "big":
            out.byteswap()
        return out
    if width == 1:  # unsigned 8-bit
        return array("h", ((b - 128) << 8 for b in raw))
    if width in (3, 4):
        # keep the top 16 bits of each little-endian sample
        return array(
            "h",
            (
                int.from_bytes(raw[i + width - 2 : i + width], "little", signed=True)
                for i in range(0, len(raw) - width + 1, width)
            ),
        )
    raise AudioFormatError(f"{name}: unsupported sample width {width * 8} bits")


def _mix_down(samples: array, channels: int) -> array:
    frames = len(samples) // channels
    return array(
        "h",
        (
            sum(samples[i * channels : (i + 1) * channels]) // channels
            for i in range(frames)
        ),
    )


def resample(samples: array, src_rate: int, dst_rate: int) -> array:
    """Change the sample rate by linear interpolation."""
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError("sample rates must be positive")
    if src_rate == dst_rate or len(samples) < 2:
        return array("h", samples)
    count = max(1, round(len(samples) * dst_rate / src_rate))
    step = (len(samples) - 1) / max(1, count - 1)
    out = array("h", bytes(2 * count))
    last = len(samples) - 1
    for i in range(count):
        pos = i * step
        j = int(pos)
        if j >= last:
            out[i] = samples[last]
            continue
        frac = pos - j
        a = samples[j]
        out[i] = int(a + (samples[j + 1] - a) * frac)
    return out


def trim_silence(samples: array, level: float = SILENCE_LEVEL, keep_s: float = 0.01) -> array:
    """Drop near-silent samples at both ends (speech engines pad their output), keeping
    ``keep_s`` seconds so a word does not start with a click."""
    threshold = int(level * _FULL)
    start = next((i for i, s in enumerate(samples) if abs(s) > threshold), None)
    if start is None:
        return array("h")
    end = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > threshold)
    keep = int(keep_s * RATE)
    return samples[max(0, start - keep) : min(len(samples), end + 1 + keep)]


def normalise(samples: array, peak: float = TARGET_PEAK) -> array:
    """Scale so the loudest sample is at ``peak`` of full scale: clips from different
    sources (espeak-ng, a recording) then play at the same loudness."""
    loudest = max((abs(s) for s in samples), default=0)
    if loudest == 0:
        return array("h", samples)
    gain = peak * _FULL / loudest
    return array("h", (max(-_FULL, min(_FULL, round(s * gain))) for s in samples))


def silence(seconds: float) -> array:
    """``seconds`` of silence at ``RATE``."""
    return array("h", bytes(2 * max(0, round(seconds * RATE))))


def duration_s(samples: array) -> float:
    return len(samples) / RATE


def wav_bytes(samples: array) -> bytes:
    """Samples as a complete WAV file in memory."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(RATE)
        data = array("h", samples)
        if sys.byteorder == "big":
            data.byteswap()
        out.writeframes(data.tobytes())
    return buffer.getvalue()


def write_wav(path: str | Path, samples: array) -> None:
    Path(path).write_bytes(wav_bytes(samples))
