"""Every part starts with ``python -m <part> --help``."""

import subprocess
import sys

from tests.support.live_server import ROOT


def test_help_of_every_entry_point():
    for module in ("queue_server", "kiosk", "display", "counter", "simulator"):
        out = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                             text=True, cwd=ROOT, timeout=60)
        assert out.returncode == 0, (module, out.stderr)
        assert "usage" in out.stdout.lower()
