from __future__ import annotations

import socket
import threading
import uuid

import pytest

from kiosk.kiosk_error import KioskError
from kiosk.server_client import ServerClient


def _client(server, **kwargs) -> ServerClient:
    return ServerClient(server.url, server.token, retry_pause=0.01, **kwargs)


def test_services_lists_site_and_services(contract_server) -> None:
    body = _client(contract_server).services()
    assert body["site"]["name"] == "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
    codes = [s["code"] for s in body["services"]]
    assert codes == ["A", "B", "C", "D"]
    assert body["services"][3]["open"] is False


def test_take_ticket_sends_token_and_idempotency_key(contract_server) -> None:
    ticket = _client(contract_server).take_ticket("A", priority=True)
    assert ticket["number"] == "A001"
    assert ticket["priority"] is True
    (_, path, headers, body), = contract_server.posts()
    assert path == "/api/v1/tickets"
    assert headers["Authorization"] == f"Bearer {contract_server.token}"
    uuid.UUID(headers["Idempotency-Key"])
    assert body == {"service": "A", "priority": True}


def test_each_ticket_gets_its_own_key(contract_server) -> None:
    client = _client(contract_server)
    numbers = [client.take_ticket("B")["number"] for _ in range(3)]
    assert numbers == ["B001", "B002", "B003"]
    keys = {headers["Idempotency-Key"] for _, _, headers, _ in contract_server.posts()}
    assert len(keys) == 3


def test_lost_answer_is_retried_with_the_same_key(contract_server) -> None:
    contract_server.drop_answers = 1
    ticket = _client(contract_server).take_ticket("A")
    posts = contract_server.posts()
    assert len(posts) == 2
    assert posts[0][2]["Idempotency-Key"] == posts[1][2]["Idempotency-Key"]
    # one number issued, and the kiosk got that one
    assert len(contract_server.tickets) == 1
    assert ticket["id"] == contract_server.tickets[0]["id"]


@pytest.mark.parametrize(
    ("service", "token", "code", "status", "message"),
    [
        ("A", "wrong-token", "unauthorized", 401, "Thiết bị chưa được cấp quyền"),
        ("Z", None, "unknown_service", 404, "Không có lĩnh vực này"),
        ("D", None, "closed", 409, "Lĩnh vực này ngoài giờ tiếp nhận"),
    ],
)
def test_server_errors_become_kiosk_errors(contract_server, service, token, code, status,
                                           message) -> None:
    client = ServerClient(contract_server.url, token or contract_server.token)
    with pytest.raises(KioskError) as info:
        client.take_ticket(service)
    assert (info.value.code, info.value.status, info.value.message) == (code, status, message)
    assert info.value.text("en")  # an English line exists for the screen
    assert len(contract_server.posts()) == 1  # answered errors are not retried


def test_daily_limit(contract_server) -> None:
    contract_server.daily_limit = 1
    client = _client(contract_server)
    client.take_ticket("C")
    with pytest.raises(KioskError) as info:
        client.take_ticket("C")
    assert info.value.code == "daily_limit"
    assert "hết số hôm nay" in info.value.message


def test_unreachable_server_after_two_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = ServerClient(f"http://127.0.0.1:{port}", "t", retry_pause=0.01)
    with pytest.raises(KioskError) as info:
        client.take_ticket("A")
    assert info.value.code == "unreachable"
    assert "máy chủ" in info.value.message


def test_silent_server_times_out_and_is_tried_three_times() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    client = ServerClient(f"http://127.0.0.1:{port}", "t", timeout=0.3, retry_pause=0.01)
    try:
        with pytest.raises(KioskError) as info:
            client.take_ticket("A")
        assert info.value.code == "unreachable"
        assert len(accepted) == 3
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


@pytest.mark.parametrize("flat", [False, True], ids=["api-errors", "flat-errors"])
def test_check_in_answers(contract_server, flat: bool) -> None:
    contract_server.flat_errors = flat
    start = "2026-03-04T09:30:00+07:00"
    server = contract_server
    server.bookings.update({
        "K7M2Q9XA": {"service": "A", "start": start, "outcome": "ok"},
        "EARLY000": {"service": "A", "start": start, "outcome": "too_early",
                     "come_back_at": "2026-03-04T09:00:00+07:00"},
        "LATE0000": {"service": "B", "start": start, "outcome": "too_late"},
        "GONE0000": {"service": "A", "start": start, "outcome": "cancelled"},
    })
    client = _client(server)
    ticket = client.check_in("K7M2Q9XA")
    assert ticket["number"] == "H001" and ticket["appointment_start"] == start
    assert client.check_in("K7M2Q9XA") == ticket  # a repeat: the same ticket
    with pytest.raises(KioskError) as early:
        client.check_in("EARLY000")
    assert early.value.code == "too_early" and early.value.status == 409
    assert early.value.details["come_back_at"] == "2026-03-04T09:00:00+07:00"
    with pytest.raises(KioskError) as late:
        client.check_in("LATE0000")
    assert late.value.code == "too_late" and late.value.details["service"] == "B"
    with pytest.raises(KioskError) as gone:
        client.check_in("GONE0000")
    assert gone.value.code == "cancelled"
    with pytest.raises(KioskError) as unknown:
        client.check_in("ZZZZZZZZ")
    assert unknown.value.code == "unknown_booking" and unknown.value.status == 404
    server.throttle_s = 42
    with pytest.raises(KioskError) as slow:
        client.check_in("K7M2Q9XA")
    assert slow.value.code == "too_many_attempts" and slow.value.retry_after == 42
