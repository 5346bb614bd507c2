from datetime import UTC, datetime

import pytest

from protocol import (
    Board,
    BoardEntry,
    Call,
    Command,
    CounterState,
    DeviceStatus,
    ProtocolError,
    decode,
    encode,
)


def test_round_trip_every_message_type_carries_version():
    ts = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    messages = [
        Command(id="c1", action="next", ts=ts),
        CounterState(counter="5", ticket="A012", service="A", waiting=3, last_cmd="c1", seq=7),
        Call(seq=7, ticket="A012", counter="5", service="A", ts=ts),
        Board(seq=7, recent=[BoardEntry(ticket="A012", counter="5", service="A", ts=ts)],
              waiting={"A": 3}, message="Xin chào"),
        DeviceStatus(device="kiosk-1", kind="kiosk", online=True, printer="ok", ts=ts),
    ]
    for message in messages:
        data = encode(message)
        assert b'"v":1' in data
        assert decode(data, type(message)) == message


def test_unknown_fields_are_ignored():
    cmd = decode(b'{"v":1,"id":"x","action":"recall","future":{"a":1}}', Command)
    assert cmd.action == "recall"


def test_vietnamese_text_is_utf8():
    board = decode(encode(Board(seq=1, message="Mời số A012 đến quầy 5")), Board)
    assert board.message == "Mời số A012 đến quầy 5"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{",
        b"\xff\xfe",
        b"[]",
        b'{"v":2,"id":"x","action":"next"}',
        b'{"v":1,"action":"next"}',
        b'{"v":1,"id":"x","action":"explode"}',
        b'{"v":1,"id":"x","action":"transfer"}',
        b'{"v":1,"id":"x","action":"rate","rating":9}',
        b'{"v":1,"id":"","action":"next"}',
    ],
)
def test_malformed_commands_raise_one_exception_type(payload):
    with pytest.raises(ProtocolError):
        decode(payload, Command)
