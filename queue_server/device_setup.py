"""What an installer copies onto a device set up in /admin: its whole config file.

The config is the same file ``firmware_config generate`` writes (same role example,
same keys), filled with the device's token and, when the server keeps the broker's
accounts, its broker login. Devices reach the broker at the server's public host, on
the port and scheme of the server's own broker connection.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from firmware_config.device_configs import device_values, render_config
from firmware_config.hall_generator import DEVICE_CA_FILE, broker_url
from protocol.broker_url import BrokerUrl
from queue_server.domain.site_spec import DeviceSpec


def new_broker_password() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class DeviceCredentials:
    """Shown once, right after they are made; only hashes are stored."""

    device: str
    kind: str
    token: str | None
    broker_password: str | None
    mqtt_url: str | None
    config_text: str

    @property
    def config_name(self) -> str:
        return f"{self.device}.toml"


@dataclass(frozen=True)
class DeviceSetup:
    site: str
    public_url: str
    #: the server's own broker URL; None when the server runs without a broker
    server_mqtt_url: str | None

    @property
    def tls(self) -> bool:
        return bool(self.server_mqtt_url) and BrokerUrl.parse(self.server_mqtt_url).tls

    def device_mqtt_url(self, device: str, password: str | None) -> str | None:
        """The device's broker URL; without a password, one the installer completes."""
        if not self.server_mqtt_url:
            return None
        server = BrokerUrl.parse(self.server_mqtt_url)
        host = urlsplit(self.public_url).hostname or server.host
        return broker_url(device, password or "CHANGE-ME", host, server.tls, server.port)

    def credentials(
        self,
        device: DeviceSpec,
        centre_name: str,
        token: str | None,
        broker_password: str | None,
    ) -> DeviceCredentials:
        url = self.device_mqtt_url(device.id, broker_password)
        values = device_values(
            device,
            site=self.site,
            centre_name=centre_name,
            mqtt_url=url or "",
            server_url=self.public_url,
            token=token,
            ca_file=DEVICE_CA_FILE if self.tls else None,
        )
        return DeviceCredentials(
            device=device.id,
            kind=device.kind,
            token=token,
            broker_password=broker_password,
            mqtt_url=url if broker_password else None,
            config_text=render_config(device.kind, values),
        )
