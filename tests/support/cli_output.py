"""What a failed command must look like: exit status 2 and one line on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_module(module: str, *args: str, stdin: str | None = None,
               env: dict[str, str] | None = None, timeout: float = 60,
               ) -> subprocess.CompletedProcess:
    """``python -m module args…`` from the project folder, without a terminal on stdin."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    base.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", GPIOZERO_PIN_FACTORY="mock")
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env={**base, **(env or {})},
        input=stdin, stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True, text=True, timeout=timeout,
    )


def assert_one_line_error(out: subprocess.CompletedProcess, *needles: str) -> str:
    """The command failed with status 2 and one stderr line holding every needle."""
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert out.returncode == 2, (out.returncode, out.stderr)
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]
