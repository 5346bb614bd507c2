"""Clip sets made by the real espeak-ng; recorded clips replace generated ones."""

from __future__ import annotations

import json
import math
import wave

import pytest

from voice.clip_catalogue import catalogue, letter_clip
from voice.clip_set import ClipError, ClipSet, MissingClipError, generate_clip_set
from voice.pcm_audio import RATE


def test_generate_writes_every_clip_in_one_format_and_a_manifest(generated_clips):
    manifest = json.loads((generated_clips / "manifest.json").read_text(encoding="utf-8"))
    files = {c["file"]: c for c in manifest["clips"]}
    assert set(files) == {spec.file_name for spec in catalogue(english=True)}
    assert files["moi-so.wav"]["text"] == "Mời số"
    assert files["letter-dd.wav"]["text"] == "đê"
    assert files["vi-muoi-huyen.wav"]["text"] == "mười"
    assert files["chime.wav"]["source"] == "synthesised"
    assert files["vi-hai.wav"]["source"].startswith("espeak-ng -v vi")
    for name in files:
        with wave.open(str(generated_clips / name)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2), name
            seconds = w.getnframes() / RATE
        # one syllable or a short phrase: trimmed, never empty, never a long silence
        assert 0.05 < seconds < 2.0, (name, seconds)
    clips = ClipSet(generated_clips)
    assert clips.is_complete(english=True)


def test_a_recorded_clip_replaces_the_generated_one_and_survives_regeneration(clip_folder):
    recorded = clip_folder / "letter-b.wav"
    # a "recording": 44.1 kHz stereo, quiet, with silence around it
    with wave.open(str(recorded), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        frames = bytearray()
        for i in range(44100):
            value = int(2000 * math.sin(2 * math.pi * 300 * i / 44100)) if i > 11025 else 0
            frames += value.to_bytes(2, "little", signed=True) * 2
        w.writeframes(bytes(frames))
    original = recorded.read_bytes()

    samples = ClipSet(clip_folder).samples("letter-b")
    assert abs(len(samples) - RATE * 0.75) < RATE * 0.05  # leading silence trimmed
    assert max(samples) > 0.69 * 32767  # levelled like the generated clips

    report = generate_clip_set(clip_folder, english=True)
    assert report.kept_recorded == ["letter-b.wav"]
    assert "letter-b.wav" not in report.generated
    assert recorded.read_bytes() == original
    manifest = json.loads(report.manifest.read_text(encoding="utf-8"))
    entry = next(c for c in manifest["clips"] if c["file"] == "letter-b.wav")
    assert entry["source"] == "recorded"

    generate_clip_set(clip_folder, english=True, force=True)
    assert recorded.read_bytes() != original


def test_missing_and_broken_clips_are_named(clip_folder):
    (clip_folder / "letter-c.wav").unlink()
    (clip_folder / "vi-hai.wav").write_bytes(b"not a wav")
    clips = ClipSet(clip_folder)
    with pytest.raises(MissingClipError) as missing:
        clips.samples(letter_clip("C"))
    assert "letter-c" in str(missing.value) and "xê" in str(missing.value)
    assert str(clip_folder) in str(missing.value)
    with pytest.raises(ClipError, match="vi-hai"):
        clips.samples("vi-hai")
    assert not clips.is_complete()
    assert clips.missing(["chime", "letter-c", "letter-c"]) == ["letter-c"]
