"""Message types of the MQTT contract (DESIGN.md section 4).

Each type is a msgspec Struct: decoding validates types and ranges in one pass,
unknown fields are ignored (so a newer sender never breaks an older receiver), and
every message carries ``"v": 1``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

Version = Literal[1]
Action = Literal["next", "recall", "skip", "complete", "transfer", "pause", "resume", "rate"]
ACTIONS: tuple[str, ...] = (
    "next",
    "recall",
    "skip",
    "complete",
    "transfer",
    "pause",
    "resume",
    "rate",
)
Result = Literal["ok", "empty", "rejected"]
DeviceKind = Literal["kiosk", "display", "counter"]
PrinterHealth = Literal["ok", "paper_low", "paper_out", "offline"]

Rating = Annotated[int, msgspec.Meta(ge=1, le=4)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


def now_utc() -> datetime:
    """The timestamp every message is stamped with: aware, in UTC."""
    return datetime.now(UTC)


def new_command_id() -> str:
    """A fresh, unique command id: the server applies each id at most once."""
    return str(uuid.uuid4())


class Command(msgspec.Struct, kw_only=True):
    """counter or console → server on ``counter/{counter}/cmd``."""

    v: Version = 1
    id: ShortText
    action: Action
    service: ShortText | None = None
    rating: Rating | None = None
    ts: datetime | None = None

    def __post_init__(self) -> None:
        if self.action == "transfer" and self.service is None:
            raise ValueError("a transfer command needs 'service'")
        if self.action == "rate" and self.rating is None:
            raise ValueError("a rate command needs 'rating' (1-4)")


class CounterState(msgspec.Struct, kw_only=True):
    """server → counter on ``counter/{counter}/state`` (retained)."""

    v: Version = 1
    counter: ShortText
    ticket: str | None = None
    service: str | None = None
    paused: bool = False
    waiting: int = 0
    last_cmd: str | None = None
    result: Result = "ok"
    reason: str | None = None
    seq: int = 0


class Call(msgspec.Struct, kw_only=True):
    """server → displays on ``calls``: one ticket called (or recalled) to a counter."""

    v: Version = 1
    seq: int
    ticket: ShortText
    counter: ShortText
    service: ShortText
    recall: bool = False
    ts: datetime


class BoardEntry(msgspec.Struct, kw_only=True):
    """One line of the board's list of recent calls."""

    ticket: ShortText
    counter: ShortText
    service: ShortText
    ts: datetime


class Board(msgspec.Struct, kw_only=True):
    """server → displays on ``board`` (retained): the whole snapshot."""

    v: Version = 1
    seq: int
    recent: list[BoardEntry] = []
    waiting: dict[str, int] = {}
    message: str = ""


class DeviceStatus(msgspec.Struct, kw_only=True):
    """every device → server on ``device/{device}/status`` (retained, with a last will)."""

    v: Version = 1
    device: ShortText
    kind: DeviceKind
    online: bool
    version: str | None = None
    printer: PrinterHealth | None = None
    ts: datetime | None = None
