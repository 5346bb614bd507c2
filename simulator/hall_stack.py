"""The processes of a hall on one machine: broker, queue server and display board.

Used by ``make demo`` and by load tests: each part runs as its real program (the
same ``python -m …`` an installer runs on a Pi), bound to 127.0.0.1 only.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SITE = ROOT / "firmware_config" / "examples" / "site.toml"


def free_port(preferred: int | None = None) -> int:
    """``preferred`` when it is free on 127.0.0.1, else any free port."""
    if preferred:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", preferred))
                return preferred
            except OSError:
                pass
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start listening on port {port}")


@dataclass
class HallStack:
    workdir: Path
    site_file: Path = EXAMPLE_SITE
    site: str = "camau-hcc"
    http_port: int = 8080
    mqtt_port: int = 1884
    tokens: dict[str, str] = field(default_factory=dict)
    broker_kind: str = ""
    #: a PostgreSQL URL to use instead of the SQLite file in ``workdir``
    database_url: str | None = None
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def mqtt_url(self) -> str:
        return f"mqtt://127.0.0.1:{self.mqtt_port}"

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None):
        logfile = (self.workdir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_broker(self) -> None:
        self.mqtt_port = free_port(self.mqtt_port)
        binary = shutil.which("mosquitto") or (
            "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
        )
        if binary:
            conf = self.workdir / "mosquitto.conf"
            conf.write_text(
                f"listener {self.mqtt_port} 127.0.0.1\nallow_anonymous true\n"
                "set_tcp_nodelay true\npersistence false\n"
            )
            proc = self._spawn("broker", [binary, "-c", str(conf)])
            self.broker_kind = "Mosquitto"
        else:
            proc = self._spawn(
                "broker", [sys.executable, "-m", "simulator.embedded_broker", str(self.mqtt_port)]
            )
            self.broker_kind = "amqtt (Mosquitto not installed)"
        _wait_port(self.mqtt_port, proc, "broker")

    def server_config(self) -> Path:
        path = self.workdir / "server.toml"
        database_url = self.database_url or f"sqlite:///{self.workdir / 'motcua.db'}"
        path.write_text(
            f'site = "{self.site}"\n'
            f'data_dir = "{self.workdir}"\n'
            f'database_url = "{database_url}"\n'
            f'mqtt_url = "{self.mqtt_url}"\n'
            f"port = {self.http_port}\n"
            f'public_url = "{self.server_url}"\n'
            # simulated citizens all book from this machine, with made-up phone numbers
            "booking_limit_per_phone = 0\n"
            "booking_limit_per_address = 0\n"
        )
        return path

    def start_server(self) -> None:
        self.http_port = free_port(self.http_port)
        config = self.server_config()
        loaded = subprocess.run(
            [
                sys.executable,
                "-m",
                "queue_server",
                "load-site",
                str(self.site_file),
                "--config",
                str(config),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if loaded.returncode != 0:
            raise RuntimeError(f"load-site failed: {loaded.stderr.strip()}")
        self.tokens.update(re.findall(r"^token (\S+) (\S+)$", loaded.stdout, re.M))
        proc = self._spawn(
            "server", [sys.executable, "-m", "queue_server", "run", "--config", str(config)]
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.workdir / 'server.log'}")
            try:
                if requests.get(f"{self.server_url}/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become healthy in 60 s")

    def start_display(self, screenshot: Path, windowed: bool) -> None:
        config = self.workdir / "display.toml"
        spec_name = _site_name(self.site_file)
        config.write_text(
            f'site = "{self.site}"\ndevice_id = "display-1"\nmqtt_url = "{self.mqtt_url}"\n'
            f'centre_name = "{spec_name}"\nfullscreen = false\nwidth = 1280\nheight = 720\n'
            "recent_count = 8\n"
            # the voice clips the board generates stay with the demo's files
            f'data_dir = "{self.workdir / "display"}"\n'
        )
        args = [
            sys.executable,
            "-m",
            "display",
            "run",
            "--config",
            str(config),
            "--screenshot",
            str(screenshot),
        ]
        env = {}
        if windowed:
            args.append("--windowed")
        else:
            env = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        self._spawn("display", args, env)

    def stop(self) -> None:
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.terminate()
        for name, proc in self.procs.items():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in 10 s; killing it", name)
                proc.kill()
                proc.wait()
        self.procs.clear()


def _site_name(site_file: Path) -> str:
    import tomllib

    with site_file.open("rb") as fh:
        return str(tomllib.load(fh).get("site", {}).get("name", "")).replace('"', "'")
