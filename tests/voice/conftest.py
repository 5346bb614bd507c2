"""A clip set generated once per test session with the real espeak-ng."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voice.clip_set import generate_clip_set


@pytest.fixture(scope="session")
def generated_clips(tmp_path_factory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    folder = tmp_path_factory.mktemp("clips")
    generate_clip_set(folder, english=True)
    return folder


@pytest.fixture
def clip_folder(generated_clips, tmp_path) -> Path:
    """A copy of the generated set the test may change."""
    folder = tmp_path / "clips"
    shutil.copytree(generated_clips, folder)
    return folder
