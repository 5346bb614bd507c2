"""The real server as a subprocess: its own SQLite file, the example site, a given broker."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from protocol.config_file import ENV_OVERRIDES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = ROOT / "firmware_config" / "examples" / "site.toml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, config: Path, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m queue_server ARGS --config CONFIG``; no terminal on stdin without ``stdin``."""
    feed = {"stdin": subprocess.DEVNULL} if stdin is None else {"input": stdin}
    # only the config file and ``env`` decide, not overrides in the caller's environment
    base = {k: v for k, v in os.environ.items() if k not in ENV_OVERRIDES}
    return subprocess.run(
        [sys.executable, "-m", "queue_server", *args, "--config", str(config)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**base, **(env or {})}, **feed,
    )


@dataclass
class LiveServer:
    """A running ``python -m queue_server run``; ``tokens`` maps device id → token."""

    workdir: Path
    mqtt_url: str
    site_file: Path = EXAMPLE_SITE
    database_url: str | None = None
    site: str = "camau-hcc"
    port: int = field(default_factory=free_port)
    tokens: dict[str, str] = field(default_factory=dict)
    #: more lines for server.toml
    extra_config: str = ""
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config(self) -> Path:
        return self.workdir / "server.toml"

    def prepare(self) -> None:
        db = self.database_url or f"sqlite:///{self.workdir / 'motcua.db'}"
        self.config.write_text(
            f'site = "{self.site}"\n'
            f'data_dir = "{self.workdir}"\n'
            f'database_url = "{db}"\n'
            f'mqtt_url = "{self.mqtt_url}"\n'
            f"port = {self.port}\n"
            f'public_url = "{self.url}"\n'
            + self.extra_config
        )
        loaded = run_cli("load-site", str(self.site_file), config=self.config)
        if loaded.returncode != 0:
            raise RuntimeError(f"load-site failed: {loaded.stderr}")
        self.tokens.update(re.findall(r"^token (\S+) (\S+)$", loaded.stdout, re.M))

    def start(self, broker_up: bool = True) -> None:
        """Start and wait until ``/healthz`` says ``ok``; with ``broker_up=False`` until it
        answers at all (503 ``degraded`` while the broker cannot be reached)."""
        ready = (200,) if broker_up else (200, 503)
        log = (self.workdir / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "queue_server", "run", "--config", str(self.config)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code in ready:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_text()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_text(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def take_ticket(self, service: str, priority: bool = False, key: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.tokens['kiosk-1']}"}
        if key:
            headers["Idempotency-Key"] = key
        r = requests.post(f"{self.url}/api/v1/tickets", json={"service": service,
                          "priority": priority}, headers=headers, timeout=10)
        r.raise_for_status()
        return r.json()


def create_user(server: LiveServer, role: str, username: str, password: str) -> None:
    """Create an account through the real CLI, as an installer would."""
    out = run_cli("create-user", "--role", role, "--username", username, "--password-stdin",
                  config=server.config, stdin=password + "\n")
    if out.returncode != 0:
        raise RuntimeError(f"create-user failed: {out.stderr}")
