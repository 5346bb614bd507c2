"""A clip set: one folder of WAV files, one per word or phrase, plus ``manifest.json``.

Made at install time by ``python -m voice generate`` with espeak-ng, so the hall speaks
without internet. A recorded voice sounds better: a WAV placed in the folder under the
same file name replaces the generated clip, and a later ``generate`` keeps it (the
manifest holds the checksum of every file it wrote; a file that no longer matches was
put there by someone and is left alone). Recorded files may be any PCM WAV (rate,
channels, bit depth); they are converted, trimmed and levelled when loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import subprocess
import tempfile
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from voice.chime import chime
from voice.clip_catalogue import CHIME, ClipSpec, catalogue, describe
from voice.pcm_audio import (
    RATE,
    AudioFormatError,
    normalise,
    read_wav,
    trim_silence,
    write_wav,
)

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
ESPEAK = "espeak-ng"
#: words per minute: slower than espeak-ng's 175 so a hall with echo still understands
DEFAULT_SPEED = 135
#: 0..99, espeak-ng's default is 50; a little lower sounds calmer
DEFAULT_PITCH = 45
VOICES = {"vi": "vi", "en": "en-gb"}


class ClipError(Exception):
    """A clip set that cannot be used; the message says which file and what to do."""


class MissingClipError(ClipError):
    """A clip a phrase needs is not in the folder."""

    def __init__(self, clip_id: str, folder: Path) -> None:
        self.clip_id = clip_id
        self.folder = folder
        super().__init__(
            f"voice clip '{clip_id}' ({describe(clip_id)}) is missing: add {clip_id}.wav to "
            f"{folder} or run 'python -m voice generate --out {folder}'"
        )


def espeak_available(binary: str = ESPEAK) -> bool:
    return shutil.which(binary) is not None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}


@dataclass(frozen=True)
class GenerateReport:
    generated: list[str]
    kept_recorded: list[str]
    manifest: Path


def generate_clip_set(
    out: str | Path,
    *,
    english: bool = False,
    voice: str = VOICES["vi"],
    speed: int = DEFAULT_SPEED,
    pitch: int = DEFAULT_PITCH,
    force: bool = False,
    espeak: str = ESPEAK,
    progress: Callable[[str], None] | None = None,
) -> GenerateReport:
    """Write every clip of the catalogue into ``out`` and a manifest describing them.

    Recorded clips (files the previous manifest did not write) are kept unless ``force``.
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which(espeak) is None:
        raise ClipError(f"{espeak} is not installed (Debian: apt-get install espeak-ng)")
    previous = {c["file"]: c for c in read_manifest(folder).get("clips", [])}
    entries: list[dict] = []
    generated: list[str] = []
    kept: list[str] = []
    for spec in catalogue(english):
        path = folder / spec.file_name
        if path.exists() and not force and _is_recorded(path, previous.get(spec.file_name)):
            kept.append(spec.file_name)
            entries.append(_entry(spec, path, "recorded"))
            continue
        if progress:
            progress(spec.file_name)
        if spec.clip_id == CHIME:
            samples = chime()
            source = "synthesised"
        else:
            lang_voice = voice if spec.lang == "vi" else VOICES["en"]
            samples = normalise(
                trim_silence(_speak(spec.text, lang_voice, speed, pitch, espeak))
            )
            source = f"espeak-ng -v {lang_voice} -s {speed} -p {pitch}"
        write_wav(path, samples)
        generated.append(spec.file_name)
        entries.append(_entry(spec, path, source))
    manifest = {
        "format": {"rate": RATE, "channels": 1, "bits": 16},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "english": english,
        "about": (
            "One WAV per word or phrase. Replace any file with a recording of the same "
            "text under the same name (any PCM WAV); 'python -m voice generate' keeps it."
        ),
        "clips": entries,
    }
    manifest_path = folder / MANIFEST
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return GenerateReport(generated, kept, manifest_path)


def _is_recorded(path: Path, entry: dict | None) -> bool:
    if entry is None:
        return True
    return entry.get("source") == "recorded" or entry.get("sha256") != _sha256(path)


def _entry(spec: ClipSpec, path: Path, source: str) -> dict:
    return {
        "file": spec.file_name,
        "text": spec.text,
        "lang": spec.lang,
        "source": source,
        "sha256": _sha256(path),
    }


def _speak(text: str, voice: str, speed: int, pitch: int, espeak: str) -> array:
    with tempfile.TemporaryDirectory(prefix="motcua-voice-") as tmp:
        wav = Path(tmp) / "clip.wav"
        result = subprocess.run(
            [espeak, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(wav), text],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0 or not wav.exists():
            raise ClipError(f"{espeak} failed on {text!r}: {result.stderr.strip()}")
        samples = read_wav(wav)
    if not samples:
        raise ClipError(f"{espeak} produced no sound for {text!r}")
    return samples


class ClipSet:
    """The clips of one folder, loaded on first use and kept in memory (a few MB)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._cache: dict[str, array] = {}
        self._generated = {
            c["file"]: c.get("sha256")
            for c in read_manifest(self.folder).get("clips", [])
            if c.get("source") != "recorded"
        }

    def path(self, clip_id: str) -> Path:
        return self.folder / f"{clip_id}.wav"

    def has(self, clip_id: str) -> bool:
        return clip_id in self._cache or self.path(clip_id).is_file()

    def missing(self, clip_ids: Iterable[str]) -> list[str]:
        """The clips of ``clip_ids`` that are not in the folder, in order, once each."""
        return [c for c in dict.fromkeys(clip_ids) if not self.has(c)]

    def samples(self, clip_id: str) -> array:
        """The clip as mono 16-bit samples at ``RATE``."""
        cached = self._cache.get(clip_id)
        if cached is not None:
            return cached
        path = self.path(clip_id)
        if not path.is_file():
            raise MissingClipError(clip_id, self.folder)
        try:
            samples = read_wav(path)
        except AudioFormatError as exc:
            raise ClipError(f"voice clip '{clip_id}': {exc}") from None
        if self._generated.get(path.name) != _sha256(path):
            # a recording: bring it to the level and tightness of the generated clips
            samples = normalise(trim_silence(samples))
        if not samples:
            raise ClipError(f"voice clip '{clip_id}' in {self.folder} is silent")
        self._cache[clip_id] = samples
        return samples

    def is_complete(self, english: bool = False) -> bool:
        """True if every clip of the catalogue is present."""
        return not self.missing(spec.clip_id for spec in catalogue(english))
