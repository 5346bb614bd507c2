"""``python -m counter run`` as a real process: retries, last will, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from protocol import DeviceStatus, Topics, decode
from tests.counter.conftest import wait_until
from tests.support.mosquitto import MosquittoBroker, free_port

ROOT = Path(__file__).resolve().parents[2]
#: on a board with GPIO the fallback cannot be seen, so mock pins are asked for there
ON_A_BOARD = Path("/proc/device-tree/model").exists()


class StationProcess:
    """The CLI in a subprocess, its log collected line by line."""

    def __init__(self, config: Path, *args: str) -> None:
        env = dict(os.environ)
        env.pop("GPIOZERO_PIN_FACTORY", None)  # the CLI must find out by itself
        for var in ("MOTCUA_MQTT_URL", "MOTCUA_SITE", "MOTCUA_DEVICE_ID"):
            env.pop(var, None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "counter", "run", "--config", str(config), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def station_process():
    procs: list[StationProcess] = []

    def make(config: Path, *args: str) -> StationProcess:
        proc = StationProcess(config, *args)
        procs.append(proc)
        return proc

    yield make
    for proc in procs:
        proc.stop()


def write_config(path: Path, site: str, port: int) -> Path:
    path.write_text(
        f'site = "{site}"\ndevice_id = "counter-3"\ncounter = "3"\n'
        f'mqtt_url = "mqtt://127.0.0.1:{port}"\ndebounce_s = 0.3\n'
        "[buttons]\nnext = 17\nrecall = 27\nskip = 22\n[leds]\nonline = 5\nbusy = 6\n",
        encoding="utf-8",
    )
    return path


def is_online(value: bool):
    return lambda t, p: decode(p, DeviceStatus).online is value


def test_waits_for_a_late_broker_then_last_will_on_kill(
    tmp_path, mqtt_probe, station_process
) -> None:
    site = f"test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    args = ["--mock-pins"] if ON_A_BOARD else []
    proc = station_process(write_config(tmp_path / "counter.toml", site, port), *args)

    refused = f"cannot reach the broker at mqtt://127.0.0.1:{port}: connection refused"
    wait_until(lambda: proc.logged(refused), 20, "the unreachable log")
    assert proc.logged("mock pins"), "falling back to mock pins must be said in the log"
    assert proc.proc.poll() is None, "the station must keep retrying, not exit"

    (tmp_path / "late").mkdir()
    broker = MosquittoBroker(tmp_path / "late", port=port)
    broker.start()
    try:
        status = Topics(site).status("counter-3")
        probe = mqtt_probe(broker.url, [status])
        _, payload = probe.wait_for(is_online(True), timeout=20)
        assert decode(payload, DeviceStatus).kind == "counter"
        wait_until(lambda: proc.logged(f"connected to the broker at {broker.url} again"), 10,
                   "the reconnection log")

        proc.proc.send_signal(signal.SIGKILL)
        proc.proc.wait(10)
        probe.wait_for(is_online(False), timeout=20)
        late = mqtt_probe(broker.url, [status])
        late.wait_for(is_online(False))  # the last will is retained
    finally:
        broker.stop()


def test_sigterm_stops_cleanly_and_says_offline(
    tmp_path, mosquitto, mqtt_probe, station_process
) -> None:
    site = f"test-{uuid.uuid4().hex[:8]}"
    status = Topics(site).status("counter-3")
    probe = mqtt_probe(mosquitto.url, [status])
    config = write_config(tmp_path / "counter.toml", site, mosquitto.port)
    proc = station_process(config, "--mock-pins")
    probe.wait_for(is_online(True), timeout=20)

    proc.proc.send_signal(signal.SIGTERM)
    assert proc.proc.wait(20) == 0
    probe.wait_for(is_online(False))
    assert not proc.logged("Traceback")
