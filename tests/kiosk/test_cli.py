from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from escpos.constants import PAPER_FULL_CUT

from protocol import DeviceStatus, Topics, decode
from tests.support.cli_output import assert_one_line_error, run_module

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", PYTHONPATH=str(ROOT))
    return env


def kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the kiosk command in a folder of its own: its default data folder lands there."""
    with tempfile.TemporaryDirectory(prefix="kiosk-cli-") as workdir:
        return subprocess.run(
            [sys.executable, "-m", "kiosk", *args], cwd=workdir, env=_env(),
            capture_output=True, text=True, timeout=timeout,
        )


def _write_config(path: Path, **values: object) -> Path:
    lines = []
    for key, value in values.items():
        text = str(value).lower() if isinstance(value, bool) else f'"{value}"'
        lines.append(f"{key} = {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_help() -> None:
    result = kiosk("--help")
    assert result.returncode == 0
    assert "print-ticket" in result.stdout and "run" in result.stdout
    result = kiosk("print-ticket", "--help")
    assert result.returncode == 0 and "--printer" in result.stdout


def test_print_ticket_takes_and_prints_real_tickets(contract_server, tmp_path) -> None:
    spool = tmp_path / "t.bin"
    common = ("--server", contract_server.url, "--token", contract_server.token,
              "--printer", f"file:{spool}", "--profile", "POS-5890")
    first = kiosk("print-ticket", "--service", "A", *common)
    assert first.returncode == 0, first.stderr
    assert "A001" in first.stdout
    second = kiosk("print-ticket", "--service", "A", "--priority", *common)
    assert second.returncode == 0, second.stderr
    assert "A002" in second.stdout
    assert contract_server.posts()[1][3] == {"service": "A", "priority": True}
    data = spool.read_bytes()
    assert data.count(b"\x1dv0\x00" + (384 // 8).to_bytes(2, "little")) == 2
    assert PAPER_FULL_CUT not in data  # a 58 mm POS-5890 has no cutter


def test_print_ticket_reads_the_kiosk_config(contract_server, tmp_path) -> None:
    spool = tmp_path / "cfg.bin"
    cfg = _write_config(
        tmp_path / "kiosk.toml", site="camau-hcc", device_id="kiosk-1",
        server_url=contract_server.url, device_token=contract_server.token,
        printer=f"file:{spool}", profile="TM-T20II", language="en",
    )
    result = kiosk("print-ticket", "--service", "B", "--config", str(cfg))
    assert result.returncode == 0, result.stderr
    assert "B001" in result.stdout
    assert spool.read_bytes().endswith(PAPER_FULL_CUT)


def test_config_errors_exit_2_naming_the_key(tmp_path) -> None:
    result = kiosk("print-ticket", "--service", "A", "--token", "x", "--printer", "dummy")
    assert result.returncode == 2
    assert "'server_url'" in result.stderr and "Traceback" not in result.stderr
    result = kiosk("print-ticket", "--service", "A", "--server", "http://127.0.0.1:9",
                   "--token", "x", "--printer", "usb:zz:01")
    assert result.returncode == 2 and "'printer'" in result.stderr
    result = kiosk("run", "--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2 and "not found" in result.stderr
    bad = _write_config(tmp_path / "bad.toml", site="camau-hcc", device_id="kiosk-1",
                        server_url="http://127.0.0.1:9", device_token="t", printer="dummy",
                        language="fr")
    result = kiosk("run", "--config", str(bad))
    assert result.returncode == 2 and "'language'" in result.stderr


def test_server_errors_exit_1_with_a_readable_message(contract_server) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = kiosk("print-ticket", "--service", "A", "--server", f"http://127.0.0.1:{port}",
                   "--token", "x", "--printer", "dummy")
    assert result.returncode == 1
    assert "Không kết nối được máy chủ" in result.stderr
    assert "Cannot reach the server" in result.stderr
    result = kiosk("print-ticket", "--service", "D", "--server", contract_server.url,
                   "--token", contract_server.token, "--printer", "dummy")
    assert result.returncode == 1
    assert "Lĩnh vực này ngoài giờ tiếp nhận" in result.stderr and "Traceback" not in result.stderr


def test_run_publishes_status_and_says_goodbye_on_sigterm(contract_server, mosquitto,
                                                         mqtt_probe, tmp_path) -> None:
    device_id = f"kiosk-{uuid.uuid4().hex[:8]}"
    topic = Topics("camau-hcc").status(device_id)
    probe = mqtt_probe(mosquitto.url, [topic])
    cfg = _write_config(
        tmp_path / "kiosk.toml", site="camau-hcc", device_id=device_id,
        server_url=contract_server.url, device_token=contract_server.token,
        mqtt_url=mosquitto.url, printer="dummy", fullscreen=False,
    )
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(cfg)],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        probe.wait_for(lambda t, p: decode(p, DeviceStatus).online, timeout=20)
        # the screen asks the server for its services
        deadline = time.monotonic() + 20
        while not any(r[1] == "/api/v1/services" for r in contract_server.requests):
            assert time.monotonic() < deadline, "the kiosk never loaded its services"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, proc.stderr.read()
        _, payload = probe.wait_for(lambda t, p: not decode(p, DeviceStatus).online)
        goodbye = decode(payload, DeviceStatus)
        # published by the kiosk itself (the broker's last will carries no timestamp)
        assert goodbye.kind == "kiosk" and goodbye.ts is not None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_screenshots_command_writes_every_screen(tmp_path) -> None:
    from PIL import Image

    result = kiosk("screenshots", "--out", str(tmp_path / "shots"))
    assert result.returncode == 0, result.stderr
    names = {p.name for p in (tmp_path / "shots").iterdir()}
    assert {"start.png", "priority.png", "confirmation.png", "paper_out.png",
            "server_down.png", "ticket_80mm.png", "appointment_start.png",
            "appointment_code.png", "appointment_confirmation.png",
            "appointment_too_early.png", "appointment_too_late.png",
            "appointment_cancelled.png", "appointment_unknown.png", "appointment_wait.png",
            "scan_unreadable.png", "ticket_appointment_80mm.png", "dossier_code.png",
            "dossier_ready.png", "dossier_not_ready.png", "dossier_unchecked.png",
            "ticket_results_80mm.png"} <= names
    with Image.open(tmp_path / "shots" / "start.png") as start:
        assert start.size == (1024, 600)
    with Image.open(tmp_path / "shots" / "ticket_80mm.png") as ticket:
        assert ticket.width == 576


def test_screenshots_of_a_site_file_it_cannot_use_is_one_line(tmp_path) -> None:
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[site]\nname = "Cà Mau"\n'.encode("latin-1"))
    nameless = tmp_path / "nameless.toml"
    nameless.write_text('[site]\nname = "X"\n\n[[services]]\ncode = "A"\n', encoding="utf-8")
    for site, problem in ((tmp_path / "nope.toml", "No such file"), (latin1, "not UTF-8"),
                          (nameless, "name_vi")):
        out = run_module("kiosk", "screenshots", "--out", str(tmp_path / "shots"),
                         "--site", str(site))
        assert_one_line_error(out, str(site), problem)


def test_run_checks_in_a_booking_from_a_serial_scanner(contract_server, tmp_path) -> None:
    import pty

    contract_server.bookings["K7M2Q9XA"] = {"service": "A", "start": "2026-03-04T09:30:00+07:00"}
    master, slave = pty.openpty()
    spool = tmp_path / "paper.bin"
    cfg = _write_config(
        tmp_path / "kiosk.toml", site="camau-hcc", device_id="kiosk-1",
        server_url=contract_server.url, device_token=contract_server.token,
        printer=f"file:{spool}", fullscreen=False, scanner=f"serial:{os.ttyname(slave)}:9600",
        public_url="https://hcc.camau.gov.vn", appointments=True,
    )
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(cfg)],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not contract_server.checked_in:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the scan never reached the server"
            os.write(master, b"https://hcc.camau.gov.vn/booking/K7M2-Q9XA\r\n")
            time.sleep(0.5)
        while not spool.exists() or b"\x1dv0" not in spool.read_bytes():
            assert time.monotonic() < deadline, "the appointment ticket was not printed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, proc.stderr.read()
        assert [t["number"] for t in contract_server.tickets] == ["H001"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
        os.close(slave)


def test_run_keeps_going_without_its_serial_scanner(contract_server, tmp_path) -> None:
    cfg = _write_config(
        tmp_path / "kiosk.toml", site="camau-hcc", device_id="kiosk-1",
        server_url=contract_server.url, device_token=contract_server.token,
        printer="dummy", fullscreen=False, scanner=f"serial:{tmp_path / 'ttyACM9'}",
    )
    result = kiosk("run", "--config", str(cfg), "--exit-after", "3")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("barcode scanner") == 1 and "not available" in result.stderr
    assert "Traceback" not in result.stderr
    bad = _write_config(tmp_path / "bad.toml", site="camau-hcc", device_id="kiosk-1",
                        server_url=contract_server.url, device_token="t", printer="dummy",
                        scanner="usb-hid")
    result = kiosk("run", "--config", str(bad))
    assert result.returncode == 2 and "'scanner'" in result.stderr
