"""Topic names of the MQTT contract, all under ``motcua/{site}``."""

from __future__ import annotations

from dataclasses import dataclass

#: every site's device status, and every site's board (a server watching for devices
#: that report to a site no server serves)
ANY_SITE_STATUS = "motcua/+/device/+/status"
ANY_SITE_BOARD = "motcua/+/board"


def site_and_device(topic: str) -> tuple[str, str] | None:
    """(site, device) of any site's ``device/{device}/status`` topic, else None."""
    parts = topic.split("/")
    if len(parts) == 5 and parts[0] == "motcua" and parts[2] == "device" and parts[4] == "status":
        return parts[1], parts[3]
    return None


def site_of_board(topic: str) -> str | None:
    """The site of any site's ``board`` topic, else None."""
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "motcua" and parts[2] == "board":
        return parts[1]
    return None


@dataclass(frozen=True)
class Topics:
    """Topic names for one site; ``Topics("camau-hcc").calls == "motcua/camau-hcc/calls"``."""

    site: str

    @property
    def root(self) -> str:
        return f"motcua/{self.site}"

    def cmd(self, counter: str) -> str:
        return f"{self.root}/counter/{counter}/cmd"

    def state(self, counter: str) -> str:
        return f"{self.root}/counter/{counter}/state"

    @property
    def calls(self) -> str:
        return f"{self.root}/calls"

    @property
    def board(self) -> str:
        return f"{self.root}/board"

    def status(self, device: str) -> str:
        return f"{self.root}/device/{device}/status"

    @property
    def all_cmds(self) -> str:
        """Subscription filter for every counter's commands (the server's)."""
        return f"{self.root}/counter/+/cmd"

    @property
    def all_status(self) -> str:
        """Subscription filter for every device's status (the server's)."""
        return f"{self.root}/device/+/status"

    def counter_of(self, topic: str) -> str | None:
        """The counter number in a ``counter/{counter}/...`` topic of this site, else None."""
        parts = topic.split("/")
        if len(parts) == 5 and parts[:3] == ["motcua", self.site, "counter"]:
            return parts[3]
        return None

    def device_of(self, topic: str) -> str | None:
        """The device id in a ``device/{device}/status`` topic of this site, else None."""
        parts = topic.split("/")
        if len(parts) == 5 and parts[:3] == ["motcua", self.site, "device"]:
            return parts[3]
        return None
