"""The one encoder/decoder of the wire contract.

``decode`` turns any bad payload (not UTF-8, not JSON, wrong schema, wrong version,
out-of-range value) into a single exception type, ``ProtocolError``, which callers
log and drop: no process dies on bad input.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

T = TypeVar("T")

_encoder = msgspec.json.Encoder()
_decoders: dict[type, msgspec.json.Decoder] = {}


class ProtocolError(ValueError):
    """A payload that does not match the contract. The message says why."""


def encode(message: msgspec.Struct) -> bytes:
    """Encode one contract message as compact UTF-8 JSON."""
    return _encoder.encode(message)


def decode(payload: bytes | str, kind: type[T]) -> T:
    """Decode and validate ``payload`` as a ``kind`` message, or raise ProtocolError."""
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind)
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    try:
        return decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ProtocolError(f"{kind.__name__}: {exc}") from None
    except ValueError as exc:  # raised by a message's own __post_init__ checks
        raise ProtocolError(f"{kind.__name__}: {exc}") from None
