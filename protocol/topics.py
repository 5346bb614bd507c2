"""Topic names of the MQTT contract, all under ``motcua/{site}``."""

from __future__ import annotations

from dataclasses import dataclass


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
