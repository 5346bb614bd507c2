"""README's "Running a real hall" followed literally: its commands, in order, in a fresh folder.

Only the two port numbers change (the machine may run its own broker on 1883); each
command runs as written through bash with the project's virtualenv, the ones ending in
``&`` stay running, and ``create-user`` gets its password on a real terminal.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.mosquitto import find_mosquitto, free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mật-khẩu-thử-đủ-dài"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Running a real hall", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the section has no sh block"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited with {proc.returncode}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def _wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    """The server answers 503 until its broker link is up, as someone typing would see."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on port {port} is not healthy after {timeout} s")


def _on_terminal(command: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` with a pseudo-terminal as its stdin, answering every prompt."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        ["bash", "-c", command], cwd=cwd, env=env, stdin=child,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        # getpass writes its prompt to the terminal: answer each one
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(main, 1024)
            except OSError:
                break
            seen += chunk
            if chunk.rstrip().endswith(b":"):
                os.write(main, PASSWORD.encode() + b"\n")
    out, _ = proc.communicate(timeout=30)
    os.close(main)
    return proc.returncode, out.decode() + seen.decode(errors="replace")


@pytest.mark.skipif(find_mosquitto() is None, reason="mosquitto is not installed")
def test_the_readme_path_runs_a_hall_on_one_machine(tmp_path):
    commands = readme_commands()
    mqtt_port, http_port = free_port(), free_port()
    (tmp_path / "firmware_config").symlink_to(ROOT / "firmware_config")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env |= {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYTHONPATH": str(ROOT)}
    background: list[subprocess.Popen] = []
    outputs: dict[str, str] = {}
    try:
        for command in commands:
            line = command.replace("1883", str(mqtt_port)).replace("8080", str(http_port))
            if line.startswith(". "):
                continue  # every command below runs inside the activated virtualenv
            if line.endswith("&"):
                log = open(tmp_path / f"bg-{len(background)}.log", "w")  # noqa: SIM115
                proc = subprocess.Popen(
                    ["bash", "-c", f". .venv/bin/activate && exec {line[:-1]}"],
                    cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                background.append(proc)
                if "mosquitto" in line:
                    _wait_port(mqtt_port, proc)
                elif "queue_server run" in line:
                    _wait_port(http_port, proc)
                    _wait_healthy(http_port, proc)
                continue
            line = f". .venv/bin/activate && {line}"
            if "create-user" in line:
                code, out = _on_terminal(line, tmp_path, env)
            else:
                done = subprocess.run(
                    ["bash", "-c", line], cwd=tmp_path, env=env,
                    capture_output=True, text=True, timeout=120,
                )
                code, out = done.returncode, done.stdout + done.stderr
            assert code == 0, f"{command!r} failed ({code}):\n{out}"
            outputs[command] = out
        # what the README says to look at is there
        health = next(out for cmd, out in outputs.items() if "healthz" in cmd)
        assert '"status":"ok"' in health
        ticket = next(out for cmd, out in outputs.items() if "print-ticket" in cmd)
        assert "B001" in ticket
        hall = tmp_path / "hall"
        assert (hall / "ticket.bin").stat().st_size > 1000
        assert (hall / "board.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (hall / "data" / "motcua.db").exists()
        assert all(p.poll() is None for p in background), "a long-running part stopped"
        counter_log = (tmp_path / "bg-2.log").read_text()
        assert "counter 3" in counter_log and "Traceback" not in counter_log
    finally:
        for proc in background:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in background:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
