"""``make demo`` in miniature: the whole simulated hall runs headless and stops cleanly."""

import re
import subprocess
import sys

from tests.support.live_server import ROOT


def test_demo_runs_a_hall_and_stops_cleanly(tmp_path):
    workdir = tmp_path / "demo"
    out = subprocess.run(
        [sys.executable, "-m", "simulator", "demo", "--headless", "--duration", "25",
         "--speed", "60", "--arrivals-per-min", "60", "--booking-share", "0.4", "--port", "0",
         "--workdir", str(workdir)],
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
    # some citizens booked a slot through the API and checked in at the kiosk
    booked = re.search(r"summary: .*; (\d+) lịch hẹn/appointments booked, (\d+) checked in",
                       out.stdout)
    assert booked, out.stdout
    assert int(booked.group(1)) >= 1 and int(booked.group(2)) >= 1
    assert re.search(r"\[ *\d+ s\]: .*lịch hẹn/appointments", out.stdout)  # periodic lines too
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{workdir / 'motcua.db'}")
    with engine.connect() as db:
        checked_in = db.scalar(text(
            "SELECT COUNT(*) FROM appointments a JOIN tickets t ON t.id = a.ticket_id "
            "WHERE a.status = 'checked_in' AND t.appointment_start IS NOT NULL"))
    engine.dispose()
    assert checked_in == int(booked.group(2))
    assert (workdir / "tickets.bin").stat().st_size > 10_000
    assert (workdir / "board.png").exists() and (workdir / "last-ticket.png").exists()
    assert "Traceback" not in (workdir / "server.log").read_text()
