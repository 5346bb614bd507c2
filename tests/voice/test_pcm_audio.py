"""The one audio format: conversion of any PCM WAV, resampling, trimming, levelling."""

from __future__ import annotations

import io
import math
import wave
from array import array

from voice.chime import chime
from voice.pcm_audio import (
    RATE,
    normalise,
    read_wav,
    resample,
    silence,
    trim_silence,
    wav_bytes,
)


def tone(rate: int, seconds: float, freq: float = 440.0) -> list[float]:
    return [math.sin(2 * math.pi * freq * i / rate) for i in range(round(rate * seconds))]


def make_wav(values: list[float], rate: int, width: int, channels: int) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        frames = bytearray()
        for v in values:
            for _ in range(channels):
                if width == 1:
                    frames.append(int(128 + v * 100))
                else:
                    full = (1 << (8 * width - 1)) - 1
                    frames += int(v * full * 0.5).to_bytes(width, "little", signed=True)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def test_any_pcm_wav_comes_out_as_22050_hz_mono_16_bit():
    for rate, width, channels in ((44100, 2, 2), (16000, 2, 1), (48000, 3, 2), (8000, 1, 1),
                                  (22050, 4, 1)):
        samples = read_wav(make_wav(tone(rate, 0.5), rate, width, channels))
        assert abs(len(samples) - RATE * 0.5) <= 2, (rate, width, channels)
        assert max(samples) > 8000


def test_resampling_keeps_the_pitch():
    samples = array("h", (round(v * 10000) for v in tone(44100, 1.0, 441.0)))
    out = resample(samples, 44100, RATE)
    crossings = sum(1 for a, b in zip(out, out[1:], strict=False) if a < 0 <= b)
    assert abs(len(out) - RATE) <= 1
    assert 436 <= crossings <= 446


def test_trim_and_normalise():
    body = array("h", (round(v * 3000) for v in tone(RATE, 0.2)))
    padded = silence(0.5) + body + silence(0.7)
    trimmed = trim_silence(padded)
    assert len(body) <= len(trimmed) < len(body) + RATE * 0.05
    loud = normalise(trimmed)
    assert 0.69 * 32767 <= max(abs(s) for s in loud) <= 0.71 * 32767
    assert len(trim_silence(silence(1.0))) == 0


def test_wav_bytes_round_trip_and_chime():
    ding = chime()
    assert 1.4 < len(ding) / RATE < 1.7
    back = read_wav(wav_bytes(ding))
    assert back == ding
    with wave.open(io.BytesIO(wav_bytes(ding))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
