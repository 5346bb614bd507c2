"""Starting the dossier system stand-in (tests/support/dossier_system.py) as a process."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.live_server import ROOT, free_port

#: the dossiers every test's dossier system knows
DOSSIERS = {
    "000.00.12.H12-261204-0001": {"status": "ready", "return_date": "2026-12-04"},
    "000.00.12.H12-261204-0002": {"status": "in_progress", "return_date": "2026-12-11"},
    "000.00.12.H12-261204-0003": {"status": "received", "return_date": "2026-12-18"},
    "000.00.12.H12-261101-0009": {"status": "returned", "return_date": "2026-11-08"},
    "DRIP-1": {"status": "ready", "return_date": "2026-12-04"},
}


@contextmanager
def dossier_system(folder: Path, *, token: str = "", hmac_key: str = "",
                   delay_ms: float = 0) -> Iterator[str]:
    """A running dossier system; yields its lookup URL (``…/dossiers``)."""
    table = folder / "dossiers.json"
    table.write_text(json.dumps(DOSSIERS))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.dossier_system", "--port", str(port),
         "--dossiers", str(table), "--token", token, "--hmac-key", hmac_key,
         "--delay-ms", str(delay_ms)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield f"http://127.0.0.1:{port}/dossiers"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
