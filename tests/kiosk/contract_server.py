"""A small real HTTP server speaking the kiosk's part of the API contract.

It answers GET /api/v1/services and POST /api/v1/tickets the way DESIGN.md
section 5 says (bearer token, Idempotency-Key, error bodies), keeps what it
received, and can drop the answer of the next POSTs after issuing the ticket, so
tests see how the kiosk behaves when a reply is lost on the way back.

POST /api/v1/appointments/{code}/check-in answers as section 11 says for the
bookings a test puts in ``bookings`` (code → service, start and an ``outcome``:
"ok", "too_early", "too_late" or "cancelled"): 201 with an appointment ticket, 200
with the same ticket on a repeat, 409 with the reason, 404 for an unknown code, and
429 with Retry-After while ``throttle_s`` is set.

Dossiers (section 11): fields in ``results_services`` are listed with ``"results":
true``; GET /api/v1/dossiers/{text} reads the receipt text with the server's own reader
and answers the status a test puts in ``dossiers`` (code → {"status", "return_date"};
``checked`` false for every code while ``dossier_system_down`` is set, as the real
server answers when its dossier system times out, 422 ``bad_dossier`` for text without
a code); POST /api/v1/tickets with ``"dossier"`` puts the code on the ticket and
refuses a dossier not ready with 409 ``not_ready`` unless ``results_when_not_ready``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from queue_server.domain.dossier_receipt import UnreadableReceipt, read_receipt

SITE = {"id": "camau-hcc", "name": "Trung tâm Phục vụ hành chính công tỉnh Cà Mau",
        "timezone": "Asia/Ho_Chi_Minh"}
SERVICES = [
    {"code": "A", "name_vi": "Đất đai", "name_en": "Land", "prefix": "A"},
    {"code": "B", "name_vi": "Hộ tịch", "name_en": "Civil status", "prefix": "B"},
    {"code": "C", "name_vi": "Đăng ký kinh doanh", "name_en": "Business registration",
     "prefix": "C"},
    {"code": "D", "name_vi": "Xây dựng", "name_en": "Construction", "prefix": "D",
     "open": False, "closed_reason": "Ngoài giờ tiếp nhận"},
]
MEAN_SERVICE_S = 300


class ContractServer:
    def __init__(self, token: str = "secret-kiosk-token") -> None:
        self.token = token
        self.lock = threading.Lock()
        self.issued: dict[str, int] = {}
        self.by_key: dict[str, dict] = {}
        self.tickets: list[dict] = []
        self.requests: list[tuple[str, str, dict[str, str], dict | None]] = []
        self.drop_answers = 0
        #: while True every POST is answered 503 after reading it (a server in trouble)
        self.unavailable = False
        self.daily_limit = 999
        self.services = [dict(s) for s in SERVICES]
        #: booking code (stored form) → {"service", "start", "outcome"[, "come_back_at"]}
        self.bookings: dict[str, dict] = {}
        self.checked_in: dict[str, dict] = {}
        #: fields listed with ``"appointments": true`` in /api/v1/services
        self.appointment_services: set[str] = set()
        #: while set, check-ins are answered 429 with this Retry-After
        self.throttle_s: int | None = None
        #: seconds a check-in waits before its answer (a server that stopped answering)
        self.stall_s = 0.0
        #: check-in refusals as ``{"error": "too_early", "come_back_at": …}`` (flat) instead
        #: of the API's ``{"error": {"code", "message", …}}``
        self.flat_errors = False
        #: fields listed as the results-pickup field
        self.results_services: set[str] = set()
        self.results_when_not_ready = False
        #: dossier code → {"status", "return_date"}
        self.dossiers: dict[str, dict] = {}
        #: while set, every lookup answers checked: false (the dossier system is away)
        self.dossier_system_down = False
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ContractServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def posts(self) -> list[tuple[str, str, dict[str, str], dict | None]]:
        return [r for r in self.requests if r[0] == "POST"]

    def _waiting(self, code: str) -> int:
        return sum(1 for t in self.tickets
                   if t["service"] == code and t.get("status", "waiting") == "waiting")

    def services_body(self) -> dict:
        listed = []
        for s in self.services:
            waiting = self._waiting(s["code"])
            listed.append({
                "code": s["code"], "name_vi": s["name_vi"], "name_en": s["name_en"],
                "prefix": s["prefix"], "open": s.get("open", True),
                "closed_reason": s.get("closed_reason"), "waiting": waiting,
                "estimated_wait_s": waiting * MEAN_SERVICE_S,
            })
            if s["code"] in self.appointment_services:
                listed[-1]["appointments"] = True
            if s["code"] in self.results_services:
                listed[-1]["results"] = True
                listed[-1]["results_when_not_ready"] = self.results_when_not_ready
        return {"site": SITE, "services": listed}

    def check_in(self, raw_code: str) -> tuple[int, dict, dict[str, str]]:
        """(status, body, extra headers) of one check-in."""
        code = raw_code.replace("-", "").upper()
        with self.lock:
            if self.throttle_s is not None:
                return (429, _error("too_many_attempts", "Thử quá nhiều mã, vui lòng chờ"),
                        {"Retry-After": str(self.throttle_s)})
            if code in self.checked_in:
                return 200, self.checked_in[code], {}
            booking = self.bookings.get(code)
            if booking is None:
                return 404, _error("unknown_booking", "Không tìm thấy lịch hẹn"), {}
            outcome = booking.get("outcome", "ok")
            if outcome == "too_early":
                body = _error("too_early", "Chưa đến giờ nhận lịch hẹn")
                body["error"]["come_back_at"] = booking["come_back_at"]
                return 409, body, {}
            if outcome == "too_late":
                body = _error("too_late", "Đã quá giờ hẹn")
                body["error"]["service"] = booking["service"]
                return 409, body, {}
            if outcome == "cancelled":
                return 409, _error("cancelled", "Lịch hẹn đã bị huỷ"), {}
            found = next(s for s in self.services if s["code"] == booking["service"])
            count = self.issued.get("appointments", 0) + 1
            self.issued["appointments"] = count
            ticket_id = str(uuid.uuid4())
            ticket = {
                "id": ticket_id, "number": f"H{count:03d}", "service": found["code"],
                "issued_at": datetime.now(UTC).isoformat(), "ahead": 0, "estimated_wait_s": 0,
                "status_url": f"{self.url}/t/{ticket_id}", "priority": False,
                "service_name_vi": found["name_vi"], "service_name_en": found["name_en"],
                "site_name": SITE["name"], "status": "waiting",
                "appointment_start": booking["start"],
            }
            self.tickets.append(ticket)
            self.checked_in[code] = ticket
            return 201, ticket, {}

    def dossier(self, text: str) -> tuple[int, dict]:
        """A dossier lookup: the status of the code the receipt text holds."""
        try:
            code = read_receipt(text).code
        except UnreadableReceipt:
            return 422, _error("bad_dossier", "Không đọc được mã hồ sơ trên giấy tiếp nhận")
        if self.dossier_system_down:
            return 200, {"code": code, "status": "unknown", "return_date": None,
                         "checked": False}
        found = self.dossiers.get(code)
        if found is None:
            return 200, {"code": code, "status": "unknown", "return_date": None,
                         "checked": True}
        return 200, {"code": code, "status": found["status"],
                     "return_date": found.get("return_date"), "checked": True}

    def issue(self, service: str, priority: bool, key: str,
              dossier: str | None = None) -> tuple[int, dict, bool]:
        """(status, body, drop_answer) for one ticket request."""
        with self.lock:
            if key in self.by_key:
                return 200, self.by_key[key], False
            codes = []
            if dossier is not None:
                status, answer = self.dossier(dossier)
                if status != 200:
                    return status, answer, False
                if (service in self.results_services and not self.results_when_not_ready
                        and answer["checked"] and answer["status"] in ("received",
                                                                       "in_progress")):
                    error = _error("not_ready", "Hồ sơ chưa có kết quả")
                    error["error"]["return_date"] = answer["return_date"]
                    return 409, error, False
                codes = [answer["code"]]
            found = next((s for s in self.services if s["code"] == service), None)
            if found is None:
                return 404, _error("unknown_service", "Không có lĩnh vực này"), False
            if not found.get("open", True):
                return 409, _error("closed", "Lĩnh vực này ngoài giờ tiếp nhận"), False
            count = self.issued.get(service, 0)
            if count >= self.daily_limit:
                return 409, _error("daily_limit", "Lĩnh vực này đã hết số hôm nay"), False
            self.issued[service] = count + 1
            ahead = self._waiting(service)
            ticket_id = str(uuid.uuid4())
            ticket = {
                "id": ticket_id,
                "number": f"{found['prefix']}{count + 1:03d}",
                "service": service,
                "issued_at": datetime.now(UTC).isoformat(),
                "ahead": ahead,
                "estimated_wait_s": ahead * MEAN_SERVICE_S,
                "status_url": f"{self.url}/t/{ticket_id}",
                "priority": bool(priority),
                "service_name_vi": found["name_vi"],
                "service_name_en": found["name_en"],
                "site_name": SITE["name"],
                "status": "waiting",
                "dossier_codes": codes,
            }
            self.tickets.append(ticket)
            self.by_key[key] = ticket
            drop = self.drop_answers > 0
            if drop:
                self.drop_answers -= 1
            return 201, ticket, drop

    def cancel(self, ticket_id: str, body: dict | None) -> tuple[int, dict]:
        with self.lock:
            ticket = next((t for t in self.tickets if t["id"] == ticket_id), None)
            if ticket is None:
                return 404, _error("not_found", "Không tìm thấy phiếu")
            if not isinstance(body, dict) or not body.get("reason"):
                return 400, _error("bad_request", "Thiếu lý do hủy")
            if ticket.get("status", "waiting") != "waiting":
                return 409, _error("not_cancellable", "Phiếu đã được gọi, không thể hủy")
            ticket["status"] = "cancelled"
            ticket["cancel_reason"] = body["reason"]
            return 200, {**ticket}

    def cancelled(self) -> list[str]:
        """Numbers of the cancelled tickets."""
        with self.lock:
            return [t["number"] for t in self.tickets if t.get("status") == "cancelled"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, dict(self.headers), None))
                if self.path == "/api/v1/services":
                    self._send(200, server.services_body())
                elif self.path.startswith("/api/v1/dossiers/"):
                    if self.headers.get("Authorization") != f"Bearer {server.token}":
                        self._send(401, _error("unauthorized", "Thiết bị chưa được cấp quyền"))
                        return
                    self._send(*server.dossier(unquote(self.path[len("/api/v1/dossiers/"):])))
                else:
                    self._send(404, _error("not_found", "Không tìm thấy"))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                server.requests.append(("POST", self.path, dict(self.headers), body))
                if server.unavailable:
                    self._send(503, _error("server_error", "Máy chủ đang bảo trì"))
                    return
                if self.path.startswith("/api/v1/tickets/") and self.path.endswith("/cancel"):
                    if self.headers.get("Authorization") != f"Bearer {server.token}":
                        self._send(401, _error("unauthorized", "Thiết bị chưa được cấp quyền"))
                        return
                    self._send(*server.cancel(self.path.split("/")[4], body))
                    return
                parts = self.path.split("/")
                if (len(parts) == 6 and parts[:4] == ["", "api", "v1", "appointments"]
                        and parts[5] == "check-in"):
                    if self.headers.get("Authorization") != f"Bearer {server.token}":
                        self._send(401, _error("unauthorized", "Thiết bị chưa được cấp quyền"))
                        return
                    if server.stall_s:
                        time.sleep(server.stall_s)
                    status, answer, headers = server.check_in(parts[4])
                    if server.flat_errors and status >= 400:
                        detail = answer["error"]
                        answer = {"error": detail["code"],
                                  **{k: v for k, v in detail.items() if k != "code"}}
                    self._send(status, answer, headers)
                    return
                if self.path != "/api/v1/tickets":
                    self._send(404, _error("not_found", "Không tìm thấy"))
                    return
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    self._send(401, _error("unauthorized", "Thiết bị chưa được cấp quyền"))
                    return
                key = self.headers.get("Idempotency-Key")
                if not key or not isinstance(body, dict) or "service" not in body:
                    self._send(400, _error("bad_request", "Yêu cầu không hợp lệ"))
                    return
                status, answer, drop = server.issue(
                    body["service"], bool(body.get("priority")), key, body.get("dossier")
                )
                if drop:
                    # the ticket exists now, but its answer never reaches the kiosk
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._send(status, answer)

        return Handler


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}
