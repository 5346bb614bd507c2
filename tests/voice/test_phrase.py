"""One call as one WAV: the clip sequence, the pauses, the length, missing clips."""

from __future__ import annotations

import io
import wave

import pytest

from voice.clip_set import ClipSet, MissingClipError
from voice.pcm_audio import RATE
from voice.phrase import (
    GAP_AFTER_CHIME,
    CallWording,
    PhraseBuilder,
    call_clips,
    gap_between,
)
from voice.vietnamese_numbers import SOUTHERN


def test_a_call_in_vietnamese():
    assert call_clips("A012", "5") == [
        "chime", "moi-so", "letter-a", "vi-muoi-huyen", "vi-hai", "den-quay-so", "vi-nam",
    ]


def test_a_recall_with_english_and_the_reading_choices():
    wording = CallWording(english=True)
    assert call_clips("B121", "12", recall=True, wording=wording) == [
        "chime", "xin-moi-so", "letter-b", "vi-mot", "vi-tram", "vi-hai", "vi-muoi",
        "vi-mot-sac", "den-quay-so", "vi-muoi-huyen", "vi-hai",
        "en-calling-again", "en-number", "en-letter-b", "en-one", "en-hundred",
        "en-twenty", "en-one", "en-please-go-to-counter", "en-twelve",
    ]
    digits = CallWording(number_style="digits")
    assert call_clips("A012", "5", wording=digits)[2:5] == ["letter-a", "vi-khong", "vi-mot"]
    south = CallWording(reading=SOUTHERN)
    assert "vi-le" in call_clips("D105", "1", wording=south)
    assert call_clips("Đ007", "3")[2] == "letter-dd"


def test_the_wav_is_the_clips_plus_the_pauses(generated_clips):
    clips = ClipSet(generated_clips)
    builder = PhraseBuilder(clips)
    phrase = builder.call("A012", "5")
    assert phrase.clips == tuple(call_clips("A012", "5"))
    expected = sum(len(clips.samples(c)) for c in phrase.clips)
    expected += sum(
        round(gap_between(a, b) * RATE) for a, b in zip(phrase.clips, phrase.clips[1:],
                                                         strict=False)
    )
    with wave.open(io.BytesIO(phrase.wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        assert w.getnframes() == expected
    assert phrase.duration_s == pytest.approx(expected / RATE)
    # starts with the chime, then the pause before the voice
    chime_len = len(clips.samples("chime"))
    with wave.open(io.BytesIO(phrase.wav)) as w:
        w.setpos(chime_len)
        gap = w.readframes(round(GAP_AFTER_CHIME * RATE))
    assert set(gap) == {0}
    assert 3.0 < phrase.duration_s < 8.0

    english = PhraseBuilder(clips, CallWording(english=True)).call("A012", "5")
    assert english.duration_s > phrase.duration_s + 1.5


def test_a_missing_clip_is_named(clip_folder):
    (clip_folder / "den-quay-so.wav").unlink()
    builder = PhraseBuilder(ClipSet(clip_folder))
    with pytest.raises(MissingClipError, match="den-quay-so.*đến quầy số"):
        builder.call("A012", "5")
    english_missing = PhraseBuilder(ClipSet(clip_folder), CallWording(english=True))
    (clip_folder / "en-twelve.wav").unlink()
    with pytest.raises(MissingClipError, match="den-quay-so"):
        english_missing.call("A012", "5")
