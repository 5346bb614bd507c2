"""``python -m voice`` as a user runs it."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voice", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_generate_then_say(tmp_path):
    clips = tmp_path / "clips"
    out = run("generate", "--out", str(clips))
    assert out.returncode == 0, out.stderr
    assert (clips / "manifest.json").is_file()
    assert not (clips / "en-twelve.wav").exists()

    wav = tmp_path / "call.wav"
    out = run("say", "A012", "5", "--clips", str(clips), "--out", str(wav))
    assert out.returncode == 0, out.stderr
    assert "moi-so letter-a vi-muoi-huyen vi-hai den-quay-so vi-nam" in out.stdout
    with wave.open(str(wav)) as w:
        assert w.getnframes() > w.getframerate() * 2

    # English was not generated: the missing clip is named, no traceback, status 2
    out = run("say", "A012", "5", "--clips", str(clips), "--out", str(wav), "--english")
    assert out.returncode == 2
    assert "en-number" in out.stderr and "Traceback" not in out.stderr


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    out = run("generate", "--out", str(blocker / "clips"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [f"error: {blocker / 'clips'}: Not a directory"]
