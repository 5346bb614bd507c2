"""A province dossier system speaking the lookup contract of docs/integration.md.

Run as its own process (``python -m tests.support.dossier_system --port P ...``) so the
server's HTTP adapter meets a real socket. Dossiers come from ``--dossiers FILE`` (JSON
``{code: {"status", "return_date"}}``); codes starting with a word make it misbehave:
``SLOW-`` answers after 5 s, ``HANG-`` never answers, ``DRIP-`` sends its answer one
byte every 0.5 s, ``ERR-`` answers 500, ``BAD-`` sends broken JSON, ``ODD-`` a status
outside the contract; ``READY-`` codes are all ready (the benchmark's receipts).
``--delay-ms`` delays every answer (the benchmark's 50 ms).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import socket
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class DossierSystem(BaseHTTPRequestHandler):
    dossiers: dict = {}
    token = ""
    hmac_key = ""
    delay_s = 0.0
    prefix = "/dossiers/"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet in tests
        pass

    def _send(self, status: int, body: bytes, drip: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if drip:
            for byte in body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.5)
        else:
            self.wfile.write(body)

    def _authorised(self, code: str) -> bool:
        if self.token and self.headers.get("Authorization") != f"Bearer {self.token}":
            return False
        if self.hmac_key:
            stamp = self.headers.get("X-MotCua-Timestamp", "")
            given = self.headers.get("X-MotCua-Signature", "")
            want = "sha256=" + hmac.new(self.hmac_key.encode(), f"{stamp}\n{code}".encode(),
                                        hashlib.sha256).hexdigest()
            if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300 or \
                    not hmac.compare_digest(given, want):
                return False
        return True

    def do_GET(self) -> None:
        if not self.path.startswith(self.prefix):
            return self._send(404, b'{"error":"not_found"}')
        code = urllib.parse.unquote(self.path[len(self.prefix):])
        if not self._authorised(code):
            return self._send(401, b'{"error":"unauthorised"}')
        if self.delay_s:
            time.sleep(self.delay_s)
        if code.startswith("SLOW-"):
            time.sleep(5)
        if code.startswith("HANG-"):
            time.sleep(60)
            return
        if code.startswith("ERR-"):
            return self._send(500, b"internal error")
        if code.startswith("BAD-"):
            return self._send(200, b'{"code": "BAD-1", "status": "rea')
        if code.startswith("ODD-"):
            return self._send(200, json.dumps({"code": code, "status": "lost"}).encode())
        found = self.dossiers.get(code)
        if code.startswith("READY-"):
            found = {"status": "ready", "return_date": time.strftime("%Y-%m-%d")}
        if found is None:
            return self._send(404, json.dumps({"code": code, "status": "unknown"}).encode())
        body = json.dumps({"code": code, "status": found["status"],
                           "return_date": found.get("return_date")}).encode()
        self._send(200, body, drip=code.startswith("DRIP-"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dossiers", type=Path)
    parser.add_argument("--token", default="")
    parser.add_argument("--hmac-key", default="")
    parser.add_argument("--delay-ms", type=float, default=0)
    args = parser.parse_args()
    DossierSystem.dossiers = json.loads(args.dossiers.read_text()) if args.dossiers else {}
    DossierSystem.token = args.token
    DossierSystem.hmac_key = args.hmac_key
    DossierSystem.delay_s = args.delay_ms / 1000
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), DossierSystem)
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
