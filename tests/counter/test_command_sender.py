"""The press rules on their own: debounce per button, refusal while offline."""

from __future__ import annotations

import pytest

from counter.command_sender import CommandSender, PressDebouncer
from protocol import Command, decode


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_debouncer_ignores_the_same_button_within_the_window() -> None:
    clock = FakeClock()
    debouncer = PressDebouncer(0.3, clock)
    assert debouncer.accept("next")
    clock.now += 0.29
    assert not debouncer.accept("next")
    assert debouncer.accept("recall")
    clock.now += 0.02  # 0.31 s after the accepted press
    assert debouncer.accept("next")


def make_sender(online: bool, clock: FakeClock):
    sent: list[tuple[str, bytes]] = []
    refused: list[str] = []

    def publish(topic: str, payload: bytes) -> bool:
        if online:
            sent.append((topic, payload))
        return online

    sender = CommandSender(
        "motcua/s/counter/1/cmd",
        publish,
        debounce_s=0.3,
        on_refused=refused.append,
        clock=clock,
    )
    return sender, sent, refused


def test_each_accepted_press_is_one_command_with_a_fresh_id() -> None:
    clock = FakeClock()
    sender, sent, _ = make_sender(True, clock)
    assert sender.press("next")[0] == "sent"
    assert sender.press("next")[0] == "debounced"
    clock.now += 1
    outcome, command = sender.press("next")
    assert outcome == "sent"
    commands = [decode(p, Command) for _, p in sent]
    assert [c.action for c in commands] == ["next", "next"]
    assert len({c.id for c in commands}) == 2
    assert all(c.ts is not None and c.ts.tzinfo is not None for c in commands)
    assert sender.sent_recently(command.id)
    assert not sender.sent_recently("someone-else")


def test_refused_press_is_reported_and_not_kept() -> None:
    clock = FakeClock()
    sender, sent, refused = make_sender(False, clock)
    assert sender.press("skip") == ("refused", None)
    assert refused == ["skip"]
    assert sent == []


def test_transfer_needs_a_service_and_rate_a_rating() -> None:
    sender, sent, _ = make_sender(True, FakeClock())
    for action, fields in (
        ("transfer", {}),
        ("rate", {}),
        ("next", {"service": "B"}),
        ("skip", {"rating": 4}),
        ("launch", {}),
    ):
        with pytest.raises(ValueError):
            sender.press(action, **fields)
    assert sender.press("transfer", service="B")[0] == "sent"
    outcome, command = sender.press("rate", button="rating", rating=4)
    assert outcome == "sent"
    assert sender.action_of(command.id) == "rate"
    assert sender.action_of("someone-else") is None
    commands = [decode(p, Command) for _, p in sent]
    assert [(c.action, c.service, c.rating) for c in commands] == [
        ("transfer", "B", None),
        ("rate", None, 4),
    ]


def test_debounce_is_per_physical_button() -> None:
    clock = FakeClock()
    sender, sent, _ = make_sender(True, clock)
    assert sender.press("pause", button="pause")[0] == "sent"
    # the same button a moment later, now sending resume: the same shaky press
    assert sender.press("resume", button="pause")[0] == "debounced"
    clock.now += 0.31
    assert sender.press("resume", button="pause")[0] == "sent"
    assert [decode(p, Command).action for _, p in sent] == ["pause", "resume"]
