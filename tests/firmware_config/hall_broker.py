"""Runs a real Mosquitto from a generated hall folder, on a free loopback port."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from firmware_config.hall_generator import BROKER_DIR
from tests.support.mosquitto import MosquittoBroker, find_mosquitto, free_port


class HallBroker(MosquittoBroker):
    """The generated mosquitto.conf with only the port, file paths and persistence changed.

    Starts, stops and restarts like the tests' own broker; only its config differs.
    """

    def __init__(self, hall: Path, extra_conf: str = "") -> None:
        binary = find_mosquitto()
        if binary is None:
            raise RuntimeError("mosquitto is not installed")
        self.binary = binary
        self.port = free_port()
        text = (hall / "mosquitto.conf").read_text()
        text = text.replace(BROKER_DIR, str(hall))
        text = re.sub(r"^listener \d+$", f"listener {self.port} 127.0.0.1", text, flags=re.M)
        text = re.sub(r"^persistence true$", "persistence false", text, flags=re.M)
        text = re.sub(r"^(persistence_location|autosave_interval) .*$", "", text, flags=re.M)
        # files in a root-only temp folder: keep running as root instead of 'mosquitto'
        self.conf = hall / "test-mosquitto.conf"
        self.conf.write_text(f"user root\nlog_dest stderr\n{extra_conf}{text}")
        self.proc: subprocess.Popen | None = None
