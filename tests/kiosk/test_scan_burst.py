"""A keyboard-mode scanner's burst is told from a person's typing by its timing."""

from __future__ import annotations

from kiosk.scan_burst import MAX_GAP_S, ScanBurst
from kiosk.scan_router import MAX_SCAN_CHARS


def _type(burst: ScanBurst, text: str, start: float, gap: float) -> float:
    now = start
    for ch in text:
        burst.text(ch, now)
        now += gap
    return now


def test_fast_burst_with_enter_is_a_scan() -> None:
    burst = ScanBurst()
    end = _type(burst, "https://hcc.camau.gov.vn/booking/K7M2-Q9XA", 10.0, 0.004)
    assert burst.enter(end) == "https://hcc.camau.gov.vn/booking/K7M2-Q9XA"
    assert not burst.pending


def test_a_person_typing_is_not_a_scan() -> None:
    burst = ScanBurst()
    end = _type(burst, "K7M2Q9XA", 10.0, 0.2)
    assert burst.enter(end) is None
    # and the next real scan is not spoiled by it
    end = _type(burst, "K7M2Q9XA", end + 1, 0.003)
    assert burst.enter(end) == "K7M2Q9XA"


def test_a_partial_burst_times_out_and_is_dropped() -> None:
    burst = ScanBurst()
    end = _type(burst, "K7M2", 10.0, 0.003)
    burst.expire(end + MAX_GAP_S / 2)
    assert burst.pending
    burst.expire(end + MAX_GAP_S + 0.01)
    assert not burst.pending
    assert burst.enter(end + MAX_GAP_S + 0.02) is None
    # a pause mid-way restarts: only what came after the pause is the scan
    burst.text("XX", 20.0)
    end = _type(burst, "K7M2Q9XA", 20.0 + MAX_GAP_S + 0.1, 0.003)
    assert burst.enter(end) == "K7M2Q9XA"


def test_enter_alone_is_nothing() -> None:
    assert ScanBurst().enter(5.0) is None


def test_an_endless_burst_is_capped() -> None:
    burst = ScanBurst()
    end = _type(burst, "a" * (3 * MAX_SCAN_CHARS), 0.0, 0.0001)
    text = burst.enter(end)
    assert text is not None and len(text) == MAX_SCAN_CHARS + 1  # the router refuses it
