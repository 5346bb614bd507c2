"""The kiosk's spoken prompt for a printed ticket: its clips, its WAV, its command."""

from __future__ import annotations

import io
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from voice.clip_catalogue import catalogue
from voice.clip_set import ClipSet, MissingClipError
from voice.pcm_audio import RATE
from voice.phrase import (
    GAP_AFTER_CHIME,
    GAP_AROUND_PHRASE,
    GAP_BETWEEN_SENTENCES,
    CallWording,
    PhraseBuilder,
    gap_between,
    ticket_prompt_clips,
)
from voice.vietnamese_numbers import SOUTHERN

ROOT = Path(__file__).resolve().parents[2]


def test_the_prompt_says_the_number_between_its_two_phrases():
    assert ticket_prompt_clips("A012") == [
        "chime", "so-cua-ban-la", "letter-a", "vi-muoi-huyen", "vi-hai", "vui-long-cho-goi-so",
    ]
    # the number is read exactly as the board will call it
    digits = CallWording(number_style="digits")
    assert ticket_prompt_clips("B105", digits)[2:6] == ["letter-b", "vi-mot", "vi-khong", "vi-nam"]
    assert "vi-le" in ticket_prompt_clips("D105", CallWording(reading=SOUTHERN))
    assert ticket_prompt_clips("Đ007")[2] == "letter-dd"


def test_the_prompt_clips_are_in_the_catalogue_with_their_words():
    texts = {spec.clip_id: spec.text for spec in catalogue()}
    assert texts["so-cua-ban-la"] == "Số của bạn là"
    assert texts["vui-long-cho-goi-so"] == "Vui lòng chờ gọi số"
    assert {spec.lang for spec in catalogue() if spec.clip_id in
            ("so-cua-ban-la", "vui-long-cho-goi-so")} == {"vi"}


def test_the_pauses_of_the_prompt():
    assert gap_between("chime", "so-cua-ban-la") == GAP_AFTER_CHIME
    assert gap_between("so-cua-ban-la", "letter-a") == GAP_AROUND_PHRASE
    # "Vui lòng chờ gọi số" is a sentence of its own
    assert gap_between("vi-hai", "vui-long-cho-goi-so") == GAP_BETWEEN_SENTENCES


def test_the_wav_is_the_clips_plus_the_pauses(generated_clips):
    clips = ClipSet(generated_clips)
    phrase = PhraseBuilder(clips).ticket_prompt("A012")
    assert phrase.clips == tuple(ticket_prompt_clips("A012"))
    expected = sum(len(clips.samples(c)) for c in phrase.clips)
    expected += sum(round(gap_between(a, b) * RATE)
                    for a, b in zip(phrase.clips, phrase.clips[1:], strict=False))
    with wave.open(io.BytesIO(phrase.wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        assert w.getnframes() == expected
        # the chime first, then silence before the voice
        w.setpos(len(clips.samples("chime")))
        assert set(w.readframes(round(GAP_AFTER_CHIME * RATE))) == {0}
    assert phrase.duration_s == pytest.approx(expected / RATE)
    assert 2.5 < phrase.duration_s < 8.0


def test_a_missing_prompt_clip_is_named(clip_folder):
    (clip_folder / "vui-long-cho-goi-so.wav").unlink()
    with pytest.raises(MissingClipError, match="vui-long-cho-goi-so.*Vui lòng chờ gọi số"):
        PhraseBuilder(ClipSet(clip_folder)).ticket_prompt("A012")


def test_say_ticket_writes_the_prompt(generated_clips, tmp_path):
    wav = tmp_path / "ticket.wav"
    out = subprocess.run(
        [sys.executable, "-m", "voice", "say-ticket", "C007", "--clips", str(generated_clips),
         "--out", str(wav)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "chime so-cua-ban-la letter-c vi-bay vui-long-cho-goi-so" in out.stdout
    with wave.open(str(wav)) as w:
        assert w.getnframes() > w.getframerate() * 2
