"""The wire contract shared by every part of MotCua Queue (DESIGN.md section 4).

Every process imports topic names, message types and the one codec from here, so a
change to the contract is a change in one place.
"""

from protocol.codec import ProtocolError, decode, encode
from protocol.messages import (
    ACTIONS,
    Board,
    BoardEntry,
    Call,
    Command,
    CounterState,
    DeviceStatus,
)
from protocol.topics import Topics

__all__ = [
    "ACTIONS",
    "Board",
    "BoardEntry",
    "Call",
    "Command",
    "CounterState",
    "DeviceStatus",
    "ProtocolError",
    "Topics",
    "decode",
    "encode",
]
