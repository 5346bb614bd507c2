"""Dashboard: how long after a ticket is issued the live dashboard's event stream shows it.

A real waitress server (in this process, on a temporary SQLite file with the example
site) serves the app; a manager's session listens on ``/dashboard/events`` while tickets
are taken through the HTTP API with a kiosk token, one at a time.
"""

from __future__ import annotations

import re
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

from benchmarks.figures import Figure, percentile

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(progress) -> list[Figure]:
    from waitress.server import create_server

    from queue_server.accounts import create_user
    from queue_server.domain.site_spec import parse_site
    from queue_server.runtime import Runtime
    from queue_server.server_config import ServerConfig
    from queue_server.site_loader import load_site
    from queue_server.storage.migrate import upgrade
    from queue_server.web import create_app

    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    port = _free_port()
    config = ServerConfig(site="camau-hcc", database_url=f"sqlite:///{work / 'motcua.db'}",
                          mqtt_url=None, data_dir=work, secret_key="b" * 32,
                          port=port, public_url=f"http://127.0.0.1:{port}")
    runtime = Runtime.build(config)
    upgrade(runtime.engine)
    site_file = ROOT / "firmware_config" / "examples" / "site.toml"
    with runtime.hall.transaction() as db:
        report = load_site(db, parse_site(site_file.read_text(encoding="utf-8")))
        create_user(db, "lanhdao", "lanh-dao-mat-khau-1", "manager")
    token = report.new_tokens["kiosk-1"]
    app = create_app(runtime)
    server = create_server(app, host="127.0.0.1", port=port, threads=8)
    runtime.start()
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        page = session.get(f"{base}/login", timeout=5).text
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        session.post(f"{base}/login", data={"username": "lanhdao",
                     "password": "lanh-dao-mat-khau-1", "csrf_token": csrf}, timeout=5)
        delays = _measure(session, base, token, progress)
    finally:
        server.close()
        runtime.stop()
    method = (f"{len(delays)} tickets via POST /api/v1/tickets (SQLite, waitress in-process); "
              "time from sending the POST to the SSE snapshot with the new seq arriving")
    return [
        Figure("dashboard SSE update delay, median", percentile(delays, 50) * 1000, "ms",
               "< 1000 ms", method),
        Figure("dashboard SSE update delay, p95", percentile(delays, 95) * 1000, "ms",
               "< 1500 ms", method),
    ]


def _measure(session: requests.Session, base: str, token: str, progress) -> list[float]:
    seqs: list[tuple[float, int]] = []
    arrived = threading.Condition()

    def listen() -> None:
        with session.get(f"{base}/dashboard/events", stream=True, timeout=30) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("id: "):
                    with arrived:
                        seqs.append((time.perf_counter(), int(line[4:])))
                        arrived.notify_all()

    threading.Thread(target=listen, daemon=True).start()
    with arrived:
        arrived.wait_for(lambda: seqs, timeout=10)
    delays = []
    for i in range(SAMPLES):
        time.sleep(0.3)  # let the previous ticket's updates settle
        with arrived:
            known = seqs[-1][1]
        sent = time.perf_counter()
        r = requests.post(f"{base}/api/v1/tickets", json={"service": "C", "priority": False},
                          headers={"Authorization": f"Bearer {token}",
                                   "Idempotency-Key": str(uuid.uuid4())}, timeout=5)
        r.raise_for_status()
        with arrived:
            if not arrived.wait_for(lambda known=known: seqs[-1][1] > known, timeout=5):
                raise RuntimeError("the dashboard stream did not show the new ticket")
            delays.append(seqs[-1][0] - sent)
        if i % 10 == 9:
            progress(f"{i + 1}/{SAMPLES} tickets")
    return delays
