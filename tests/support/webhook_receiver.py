"""A receiver of the event feed as an outside system would run it, in its own process.

``python -m tests.support.webhook_receiver --port P --secret S --record FILE`` answers
``POST /events`` by the documented contract (docs/integration.md): it checks the
``X-MotCua-Signature`` of the raw body, that ``X-MotCua-Event-Id`` is the body's id and
that the JSON is a version 1 event, and appends one JSON line per accepted event to
FILE. ``PUT /mode`` with ``{"mode": "ok" | "fail" | "hang", "fail_number": "A001"}``
(and ``"delay_s"``: seconds before each answer)
changes how it answers: ``fail`` answers 500 to everything (or only to the events of
ticket ``fail_number``), ``hang`` never answers. Being down is the process not running.

``WebhookReceiver`` starts and stops that process for tests.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

TYPES = {
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.no_show",
    "ticket.transferred", "ticket.done", "ticket.rated", "ticket.cancelled",
    "ticket.dossier_attached",
}


class _State:
    def __init__(self, secret: str, record: Path) -> None:
        self.secret = secret.encode()
        self.record = record.open("a", encoding="utf-8")
        self.lock = threading.Lock()
        self.mode = "ok"
        self.fail_number: str | None = None
        self.delay_s = 0.0


def _handler(state: _State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, text: str = "") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            wanted = json.loads(body)
            with state.lock:
                state.mode = wanted["mode"]
                state.fail_number = wanted.get("fail_number")
                state.delay_s = float(wanted.get("delay_s") or 0)
            self._answer(200, "mode set")

        def do_GET(self) -> None:
            self._answer(200, "receiver up")

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                mode, fail_number, delay = state.mode, state.fail_number, state.delay_s
            if delay:
                time.sleep(delay)
            if mode == "hang":
                time.sleep(3600)
                return
            expected = "sha256=" + hmac.new(state.secret, raw, hashlib.sha256).hexdigest()
            given = self.headers.get("X-MotCua-Signature", "")
            if not hmac.compare_digest(expected, given):
                self._answer(401, "bad signature")
                return
            try:
                event = json.loads(raw)
            except ValueError:
                self._answer(400, "not JSON")
                return
            if (event.get("v") != 1 or event.get("type") not in TYPES
                    or event.get("id") != self.headers.get("X-MotCua-Event-Id")
                    or not isinstance(event.get("ticket"), dict)):
                self._answer(400, "not an event")
                return
            if mode == "fail" and fail_number in (None, event["ticket"].get("number")):
                self._answer(500, "failing on purpose")
                return
            line = json.dumps({
                "id": event["id"], "type": event["type"], "at": event["at"],
                "site": event["site"], "ticket": event["ticket"]["id"],
                "number": event["ticket"]["number"], "status": event["ticket"]["status"],
                "received": time.time(),
            }, ensure_ascii=False)
            with state.lock:
                state.record.write(line + "\n")
                state.record.flush()
            self._answer(204)

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--record", type=Path, required=True)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), _handler(
        _State(args.secret, args.record)))
    server.daemon_threads = True
    server.serve_forever()
    return 0


@dataclass
class WebhookReceiver:
    """The receiver process: ``start()``, ``stop()``, ``events()``, ``set_mode(...)``."""

    port: int
    secret: str
    record: Path
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/events"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.webhook_receiver", "--port", str(self.port),
             "--secret", self.secret, "--record", str(self.record)],
            cwd=Path(__file__).resolve().parents[2],
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError("webhook receiver did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def set_mode(self, mode: str, fail_number: str | None = None, delay_s: float = 0) -> None:
        requests.put(f"http://127.0.0.1:{self.port}/mode",
                     json={"mode": mode, "fail_number": fail_number, "delay_s": delay_s},
                     timeout=5)

    def events(self) -> list[dict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text(encoding="utf-8").splitlines()
                if line.strip()]

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        """Wait until at least ``count`` distinct event ids have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            if len({e["id"] for e in events}) >= count or time.monotonic() > deadline:
                return events
            time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
