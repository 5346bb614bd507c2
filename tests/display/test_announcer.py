"""The announcer: order, pacing, recalls, no voice, no audio device (no speaker needed)."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest

from display.announcer import Announcer, RecordingSink, prepare_clips
from display.board_state import Announcement
from voice.audio_devices import playback_device_present
from voice.clip_set import ClipSet
from voice.mixer_output import MixerOutput
from voice.phrase import CallWording, PhraseBuilder, call_clips

T0 = datetime(2026, 11, 25, 8, 15, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def announcement(seq: int, ticket: str, counter: str, recall: bool = False) -> Announcement:
    return Announcement(seq=seq, ticket=ticket, counter=counter, service=ticket[0],
                        recall=recall, ts=T0)


def wav_seconds(wav: bytes) -> float:
    with wave.open(io.BytesIO(wav)) as w:
        return w.getnframes() / w.getframerate()


@pytest.fixture
def builder(voice_clips) -> PhraseBuilder:
    return PhraseBuilder(ClipSet(voice_clips))


def test_calls_arriving_together_are_spoken_one_after_another(builder):
    clock = FakeClock()
    sink = RecordingSink()
    announcer = Announcer(sink, builder, clock=clock, gap_s=0.8)
    announcer.enqueue([announcement(11, "A012", "5"), announcement(12, "C001", "3")])

    first = announcer.tick()
    assert first.announcement.ticket == "A012"
    assert first.phrase.clips == tuple(call_clips("A012", "5"))
    assert len(sink.played) == 1
    # while the first is being spoken the second waits, however often the loop ticks
    clock.now += first.phrase.duration_s / 2
    assert announcer.tick() is None
    assert announcer.seconds_to_next() == pytest.approx(first.phrase.duration_s / 2 + 0.8)
    clock.now += first.phrase.duration_s / 2 + 0.79
    assert announcer.tick() is None

    clock.now += 0.02
    second = announcer.tick()
    assert second.announcement.ticket == "C001"
    assert [wav_seconds(w) for w in sink.played] == [
        pytest.approx(first.phrase.duration_s, abs=1e-3),
        pytest.approx(second.phrase.duration_s, abs=1e-3),
    ]
    assert sink.played[1] == builder.call("C001", "3").wav
    assert announcer.tick(clock.now + 60) is None
    assert announcer.seconds_to_next() is None


def test_a_recall_is_spoken_again_with_its_own_wording(builder):
    clock = FakeClock()
    sink = RecordingSink()
    announcer = Announcer(sink, builder, clock=clock, gap_s=0)
    announcer.enqueue([announcement(11, "A012", "5")])
    first = announcer.tick()
    clock.now += 60
    announcer.enqueue([announcement(12, "A012", "5", recall=True)])
    again = announcer.tick()
    assert again.phrase.clips[:2] == ("chime", "xin-moi-so")
    assert [p.announcement.seq for p in announcer.history] == [11, 12]
    assert first.phrase.wav != again.phrase.wav


def test_english_makes_the_announcement_longer(voice_clips):
    clock = FakeClock()
    english = PhraseBuilder(ClipSet(voice_clips), CallWording(english=True))
    announcer = Announcer(RecordingSink(), english, clock=clock)
    announcer.enqueue([announcement(1, "B007", "2")])
    played = announcer.tick()
    assert "en-please-go-to-counter" in played.phrase.clips
    assert played.phrase.duration_s > 5


def test_calls_wait_for_the_clips_and_are_dropped_if_there_is_no_voice(builder, caplog):
    clock = FakeClock()
    sink = RecordingSink()
    announcer = Announcer(sink, None, clock=clock)
    announcer.enqueue([announcement(1, "A001", "1")])
    assert announcer.tick() is None and len(announcer.pending) == 1
    announcer.set_builder(builder)
    assert announcer.tick().announcement.ticket == "A001"

    quiet = Announcer(sink, None, clock=clock)
    quiet.enqueue([announcement(2, "A002", "1")])
    quiet.set_builder(None)
    quiet.enqueue([announcement(3, "A003", "1")])
    assert not quiet.available and quiet.pending == ()


def test_a_missing_clip_is_logged_and_the_next_call_still_spoken(voice_clips, tmp_path, caplog):
    import shutil

    folder = tmp_path / "clips"
    shutil.copytree(voice_clips, folder)
    (folder / "letter-q.wav").unlink()
    announcer = Announcer(RecordingSink(), PhraseBuilder(ClipSet(folder)), clock=FakeClock())
    announcer.enqueue([announcement(1, "Q001", "1"), announcement(2, "A001", "1")])
    with caplog.at_level(logging.ERROR):
        assert announcer.tick() is None
    assert "letter-q" in caplog.text
    assert announcer.tick().announcement.ticket == "A001"


def test_prepare_clips_generates_on_first_start_or_gives_up_quietly(tmp_path, caplog):
    announcer = Announcer(RecordingSink(), None, clock=FakeClock())
    prepare_clips(tmp_path / "voice", CallWording(), announcer)
    assert (tmp_path / "voice" / "manifest.json").is_file()
    announcer.enqueue([announcement(1, "A012", "5")])
    assert announcer.tick() is not None

    none = Announcer(RecordingSink(), None, clock=FakeClock())
    with caplog.at_level(logging.WARNING):
        prepare_clips(tmp_path / "empty", CallWording(), none, generate=False)
    assert not none.available
    assert "without voice" in caplog.text


def test_the_mixer_plays_on_the_dummy_driver(builder):
    assert os.environ.get("SDL_AUDIODRIVER") == "dummy"
    sink = MixerOutput()
    try:
        assert sink.open()
        sink.play(builder.call("A012", "5").wav, 0.5)
    finally:
        sink.close()


def test_without_an_audio_device_the_board_logs_once_and_stays_silent():
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        "from voice.mixer_output import MixerOutput\n"
        "from voice.chime import chime\n"
        "from voice.pcm_audio import wav_bytes\n"
        "sink = MixerOutput()\n"
        "for _ in range(3):\n"
        "    sink.play(wav_bytes(chime()), 1.0)\n"
        "print('still running', sink.open())\n"
    )
    env = {**os.environ, "SDL_AUDIODRIVER": "no-such-driver"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("no audio device") == 1
    assert "still running False" in out.stdout


def test_a_machine_without_sound_says_so_in_one_line_and_the_board_makes_no_clips(tmp_path):
    """No sound card, no sound server, no SDL_AUDIODRIVER: one warning, no ALSA noise."""
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stderr)\n"
        "from display.board_app import BoardApp\n"
        "from display.display_config import DisplayConfig\n"
        "cfg = DisplayConfig.from_mapping({'site': 'camau-hcc', 'device_id': 'display-1',\n"
        "    'centre_name': 'Trung tâm', 'mqtt_url': 'mqtt://127.0.0.1:1',\n"
        f"    'data_dir': {str(tmp_path)!r}}})\n"
        "app = BoardApp(cfg, headless=True)\n"
        "app.start_voice()\n"
        "print('announcer', app.announcer)\n"
    )
    env = {k: v for k, v in os.environ.items()
           if k not in ("SDL_AUDIODRIVER", "PULSE_SERVER", "XDG_RUNTIME_DIR")}
    if playback_device_present(env):
        pytest.skip("this machine has a sound device")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "announcer None" in out.stdout
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert not [ln for ln in lines if "ALSA" in ln or "XDG_RUNTIME_DIR" in ln], lines
    assert sum("no audio device" in ln for ln in lines) == 1
    assert not (tmp_path / "voice").exists()

