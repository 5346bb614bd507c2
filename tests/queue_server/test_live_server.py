"""The real server process over real HTTP and a real Mosquitto."""

import json

import requests


def test_ticket_then_next_over_mqtt_calls_it(live_server, mqtt_probe):
    probe = mqtt_probe(live_server.mqtt_url, [f"motcua/{live_server.site}/#"])
    ticket = live_server.take_ticket("C", key="first")
    assert ticket["number"] == "C001"
    assert ticket["status_url"].endswith(f"/t/{ticket['id']}")
    again = live_server.take_ticket("C", key="first")
    assert again["id"] == ticket["id"]

    probe.publish(f"motcua/{live_server.site}/counter/5/cmd",
                  b'{"v":1,"id":"cmd-1","action":"next"}')
    topic, payload = probe.wait_for(lambda t, p: t.endswith("/calls"))
    call = json.loads(payload)
    assert (call["ticket"], call["counter"], call["v"]) == ("C001", "5", 1)
    _, state = probe.wait_for(
        lambda t, p: t.endswith("/counter/5/state") and b"cmd-1" in p)
    assert json.loads(state)["ticket"] == "C001"

    status = requests.get(f"{live_server.url}/api/v1/tickets/{ticket['id']}", timeout=5).json()
    assert status["status"] == "called" and status["counter"] == "5"


def test_malformed_commands_are_dropped_and_server_keeps_serving(live_server, mqtt_probe):
    probe = mqtt_probe(live_server.mqtt_url, [f"motcua/{live_server.site}/#"])
    live_server.take_ticket("D")
    topic = f"motcua/{live_server.site}/counter/6/cmd"
    for bad in (b"not json", b"{}", b'{"v":1,"id":"x","action":"explode"}', b"\xff\xfe",
                b'{"v":1,"id":"x","action":"transfer"}', b"[1,2]"):
        probe.publish(topic, bad)
    probe.publish(topic, b'{"v":1,"id":"good-1","action":"next"}')
    _, payload = probe.wait_for(lambda t, p: t.endswith("/calls"))
    assert json.loads(payload)["ticket"] == "D001"
    assert requests.get(f"{live_server.url}/healthz", timeout=5).json()["status"] == "ok"
    assert "dropped malformed message" in live_server.log_text()
    assert live_server.proc.poll() is None


def test_unknown_service_and_bad_token_are_clear_4xx(live_server):
    headers = {"Authorization": f"Bearer {live_server.tokens['kiosk-1']}"}
    r = requests.post(f"{live_server.url}/api/v1/tickets", json={"service": "ZZ"},
                      headers=headers, timeout=5)
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_service"
    r = requests.post(f"{live_server.url}/api/v1/tickets", json={"service": "C"},
                      headers={"Authorization": "Bearer wrong"}, timeout=5)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = requests.post(f"{live_server.url}/api/v1/tickets", data="nope", headers=headers,
                      timeout=5)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


def test_retained_topics_are_republished_from_the_database_on_restart(live_server, mqtt_probe):
    live_server.take_ticket("E")
    live_server.restart()
    probe = mqtt_probe(live_server.mqtt_url, [f"motcua/{live_server.site}/board"])
    _, payload = probe.wait_for(lambda t, p: json.loads(p)["waiting"].get("E") == 1)
    assert json.loads(payload)["v"] == 1


def test_kiosk_cancels_a_ticket_it_could_not_print(live_server):
    headers = {"Authorization": f"Bearer {live_server.tokens['kiosk-1']}"}
    ticket = live_server.take_ticket("C")
    url = f"{live_server.url}/api/v1/tickets/{ticket['id']}/cancel"
    assert requests.post(url, json={}, headers=headers, timeout=5).status_code == 400
    r = requests.post(url, json={"reason": "print_failed"}, headers=headers, timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    again = requests.post(url, json={"reason": "print_failed"}, headers=headers, timeout=5)
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_cancellable"
    other = requests.post(url, json={"reason": "x"}, headers={
        "Authorization": f"Bearer {live_server.tokens['display-1']}"}, timeout=5)
    assert other.status_code == 401
    assert live_server.take_ticket("C")["ahead"] == 0  # a cancelled ticket is not waited for
