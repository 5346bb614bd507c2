"""``make demo`` in miniature: the whole simulated hall runs headless and stops cleanly."""

import re
import subprocess
import sys

from tests.support.live_server import ROOT


def test_demo_runs_a_hall_and_stops_cleanly(tmp_path):
    workdir = tmp_path / "demo"
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "demo", "--headless", "--duration", "25",
         "--speed", "60", "--arrivals-per-min", "60", "--port", "0", "--workdir", str(workdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={"PATH": "/usr/bin:/bin:/usr/sbin", "SDL_VIDEODRIVER": "dummy",
             "SDL_AUDIODRIVER": "dummy"},
    )
    assert out.returncode == 0, out.stdout + out.stderr
    summary = re.search(r"summary: (\d+) phiếu/tickets .* (\d+) lượt gọi/calls, (\d+) từ chối",
                        out.stdout)
    assert summary, out.stdout
    tickets, calls, refused = (int(g) for g in summary.groups())
    assert tickets >= 5 and calls >= 3 and refused == 0
    assert (workdir / "tickets.bin").stat().st_size > 10_000
    assert (workdir / "board.png").exists() and (workdir / "last-ticket.png").exists()
    assert "Traceback" not in (workdir / "server.log").read_text()
