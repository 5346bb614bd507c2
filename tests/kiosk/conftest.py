"""Fixtures of the kiosk tests: a contract-speaking HTTP server and kiosk configs."""

from __future__ import annotations

import pytest

from tests.kiosk.contract_server import ContractServer


@pytest.fixture
def contract_server():
    server = ContractServer().start()
    yield server
    server.stop()


@pytest.fixture
def kiosk_cfg(contract_server, tmp_path) -> dict:
    """A valid kiosk config (as loaded from TOML) pointing at the contract server."""
    return {
        "site": "camau-hcc",
        "device_id": "kiosk-test",
        "server_url": contract_server.url,
        "device_token": contract_server.token,
        "printer": "dummy",
        "profile": "TM-T20II",
        "language": "vi",
        "data_dir": str(tmp_path / "kiosk-data"),
    }
