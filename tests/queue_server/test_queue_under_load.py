"""The queue under load, through the real interfaces: HTTP kiosks, MQTT counters, SIGKILL."""

import json
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.live_server import LiveServer

KIOSKS = 50
TICKETS_EACH = 100


def test_fifty_kiosks_hundred_tickets_each_no_duplicates_no_gaps(
        tmp_path, mosquitto, database_url):
    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url,
                        site_file=thirty_counter_site(tmp_path), database_url=database_url)
    server.prepare()
    server.start()
    try:
        numbers = _issue_from_fifty_kiosks(server)
    finally:
        server.stop()
    total = KIOSKS * TICKETS_EACH
    assert len(numbers) == len(set(numbers)) == total
    assert set(numbers) == {f"A{i:03d}" for i in range(1, total + 1)}


def _issue_from_fifty_kiosks(server: LiveServer) -> list[str]:
    token = server.tokens["kiosk-1"]
    start = threading.Barrier(KIOSKS)

    def kiosk(n: int) -> list[str]:
        session = requests.Session()
        start.wait()
        numbers = []
        for i in range(TICKETS_EACH):
            r = session.post(f"{server.url}/api/v1/tickets", json={"service": "A"}, timeout=30,
                             headers={"Authorization": f"Bearer {token}",
                                      "Idempotency-Key": f"k{n}-{i}"})
            assert r.status_code == 201, r.text
            numbers.append(r.json()["number"])
        return numbers

    with ThreadPoolExecutor(KIOSKS) as pool:
        return [n for batch in pool.map(kiosk, range(KIOSKS)) for n in batch]


def thirty_counter_site(tmp_path):
    counters = "\n".join(
        f'[[counters]]\nnumber = "{n}"\nservices = ["A", "B"]\n' for n in range(1, 31))
    path = tmp_path / "big-hall.toml"
    path.write_text(
        '[site]\nid = "camau-hcc"\nname = "Trung tâm thử tải"\n\n'
        '[[services]]\ncode = "A"\nname_vi = "Đất đai"\n\n'
        '[[services]]\ncode = "B"\nname_vi = "Hộ tịch"\n\n'
        + counters + '\n[[devices]]\nid = "kiosk-1"\nkind = "kiosk"\n', encoding="utf-8")
    return path


def test_thirty_counters_pressing_next_at_once_call_each_ticket_once(
        tmp_path, mosquitto, mqtt_probe, database_url):
    server = LiveServer(workdir=tmp_path, mqtt_url=mosquitto.url,
                        site_file=thirty_counter_site(tmp_path), database_url=database_url)
    server.prepare()
    server.start()
    try:
        issued = [server.take_ticket("AB"[i % 2], priority=i % 7 == 0)["number"]
                  for i in range(300)]
        probe = mqtt_probe(mosquitto.url, [f"motcua/{server.site}/calls",
                                           f"motcua/{server.site}/counter/+/state"])
        calls: list[dict] = []
        seen_cmds: set[str] = set()
        done = threading.Event()
        lock = threading.Lock()

        def on_message(client, userdata, msg):
            data = json.loads(msg.payload)
            with lock:
                if msg.topic.endswith("/calls"):
                    calls.append(data)
                elif data.get("last_cmd"):
                    seen_cmds.add(data["last_cmd"])
                if len(calls) >= len(issued):
                    done.set()

        probe.client.on_message = on_message
        rounds = 0
        while not done.is_set() and rounds < 40:
            rounds += 1
            ids = [f"r{rounds}-c{n}" for n in range(1, 31)]
            for n, cmd_id in zip(range(1, 31), ids, strict=True):
                probe.client.publish(f"motcua/{server.site}/counter/{n}/cmd",
                                     json.dumps({"v": 1, "id": cmd_id, "action": "next"}), qos=1)
            deadline = threading.Event()
            for _ in range(200):  # wait until every counter answered this round
                with lock:
                    if set(ids) <= seen_cmds:
                        break
                deadline.wait(0.05)
        assert done.wait(10), f"only {len(calls)} of {len(issued)} called"
        called = [c["ticket"] for c in calls]
        assert len(called) == len(set(called)) == len(issued)
        assert set(called) == set(issued)
        seqs = [c["seq"] for c in calls]
        assert len(set(seqs)) == len(seqs)
        # allowed order: no regular ticket was called while a priority ticket of a
        # field served by every counter was still waiting
        by_seq = sorted(calls, key=lambda c: c["seq"])
        priority = {n for i, n in enumerate(issued) if i % 7 == 0}
        last_priority = max(i for i, c in enumerate(by_seq) if c["ticket"] in priority)
        first_regular = min(i for i, c in enumerate(by_seq) if c["ticket"] not in priority)
        assert last_priority < first_regular + 30  # at most one round of overlap
    finally:
        server.stop()


def test_sigkill_mid_burst_loses_no_issued_ticket(live_server, mqtt_probe):
    server = live_server
    token = server.tokens["kiosk-1"]
    confirmed: list[dict] = []
    stop = threading.Event()

    def kiosk(n: int) -> None:
        session = requests.Session()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = session.post(f"{server.url}/api/v1/tickets", json={"service": "D"},
                                 headers={"Authorization": f"Bearer {token}",
                                          "Idempotency-Key": f"{n}-{i}"}, timeout=5)
            except requests.RequestException:
                return
            if r.status_code == 201:
                confirmed.append(r.json())

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    while len(confirmed) < 60:
        threading.Event().wait(0.01)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    stop.set()
    for t in threads:
        t.join(10)
    server.start()
    for ticket in confirmed:
        r = requests.get(f"{server.url}/api/v1/tickets/{ticket['id']}", timeout=5)
        assert r.status_code == 200 and r.json()["number"] == ticket["number"]
    numbers = {t["number"] for t in confirmed}
    assert len(numbers) == len(confirmed)
    after = server.take_ticket("D")["number"]
    assert after not in numbers and int(after[1:]) > max(int(n[1:]) for n in numbers)
    probe = mqtt_probe(server.mqtt_url, [f"motcua/{server.site}/board"])
    _, payload = probe.wait_for(lambda t, p: json.loads(p)["waiting"]["D"] >= len(confirmed) + 1)
    assert json.loads(payload)["v"] == 1
