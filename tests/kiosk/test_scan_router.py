"""The scanned-text router: booking links and codes check in, anything else is unreadable."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.scan_router import (
    ALPHABET,
    MAX_SCAN_CHARS,
    Scan,
    ScanRouter,
    booking_router,
    display_code,
    normalise_code,
)
from kiosk.screen_model import KioskScreen

PUBLIC = "https://hcc.camau.gov.vn"
LAN = "http://192.168.1.10:8080"
ROUTER = booking_router(PUBLIC, LAN)


@pytest.mark.parametrize("text", [
    "K7M2-Q9XA", "k7m2q9xa", " K7M2 Q9XA \r", "k7m2-q9xa",
    f"{PUBLIC}/booking/K7M2-Q9XA", f"{PUBLIC}/booking/k7m2q9xa/",
    f"{PUBLIC}/booking/K7M2-Q9XA?lang=en", "HTTPS://HCC.CAMAU.GOV.VN/booking/K7M2-Q9XA",
    f"{PUBLIC}:443/booking/K7M2%2DQ9XA", f"{LAN}/booking/K7M2-Q9XA",
])
def test_booking_links_and_codes_check_in(text: str) -> None:
    assert ROUTER.route(text) == Scan("check_in", "K7M2Q9XA")


def test_lookalike_letters_read_as_digits() -> None:
    assert normalise_code("iLo0-abcd") == "1100ABCD"
    assert ROUTER.route(f"{PUBLIC}/booking/IL0O-ABCD") == Scan("check_in", "1100ABCD")


@pytest.mark.parametrize("text", [
    "", "   ", "\r\n", "K7M2-Q9X", "K7M2-Q9XAB", "K7M2-Q9XU",  # U is not in the alphabet
    "https://example.com/booking/K7M2-Q9XA",       # another site's booking link
    "http://hcc.camau.gov.vn:8443/booking/K7M2-Q9XA",  # same host, other port
    f"{PUBLIC}/booking/", f"{PUBLIC}/booking/K7M2-Q9XA-EXTRA", f"{PUBLIC}/t/K7M2-Q9XA",
    f"{PUBLIC}/other/booking/K7M2-Q9XA", "ftp://hcc.camau.gov.vn/booking/K7M2-Q9XA",
    # a VietQR bank transfer code (EMVCo)
    "00020101021238570010A000000727012700069704220113VQRQ00012345670208QRIBFTTA53037045802VN6304ABCD",
    "K7M2\x00Q9XA", "K7M2-Q9XA\ufffd", "x" * 10_000, "http://[::1", "http://:80/booking/K7M2Q9XA",
])
def test_anything_else_is_unreadable(text: str) -> None:
    assert ROUTER.route(text).kind == "unreadable"


def test_display_code() -> None:
    assert display_code("K7M2Q9XA") == "K7M2-Q9XA"
    assert display_code("K7M") == "K7M" and display_code("K7M2Q") == "K7M2-Q"


def test_another_reader_can_be_added() -> None:
    def dossier(text: str) -> Scan | None:
        return Scan("dossier", text.strip()) if text.startswith("HS:") else None

    router = ScanRouter([*ROUTER.readers, dossier])
    assert router.route("HS:000.00.12.H12-250101-0001") == Scan(
        "dossier", "HS:000.00.12.H12-250101-0001")
    assert router.route("K7M2Q9XA").kind == "check_in"
    assert router.route("HX:1").kind == "unreadable"


GARBAGE = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")),
    st.text(alphabet=ALPHABET + "-ILOUilou ", max_size=20),
    st.builds(lambda s: f"{PUBLIC}/booking/{s}", st.text(max_size=30)),
    st.builds(lambda s: f"https://{s}/booking/K7M2-Q9XA", st.text(max_size=30)),
    st.text(min_size=MAX_SCAN_CHARS - 2, max_size=MAX_SCAN_CHARS + 2, alphabet="ab"),
)


def _booking_tail(text: str) -> str | None:
    """The code part of a link under one of the router's bases, as the citizen's slip has it."""
    lowered = text.strip().lower()
    for base in (PUBLIC, LAN):
        prefix = f"{base.lower()}/booking/"
        if lowered.startswith(prefix):
            return text.strip()[len(prefix):].split("?")[0].split("#")[0].rstrip("/")
    return None


@settings(max_examples=400, deadline=None)
@given(GARBAGE)
def test_fuzz_never_crashes_and_only_valid_codes_check_in(text: str) -> None:
    scan = ROUTER.route(text)
    assert scan.kind in ("check_in", "unreadable")
    if scan.kind == "unreadable":
        assert scan.value == ""
        return
    # only a real code, bare or in this centre's booking link, gets this far
    assert len(scan.value) == 8 and set(scan.value) <= set(ALPHABET)
    tail = _booking_tail(text)
    assert normalise_code(text.strip()) == scan.value or (
        tail is not None and normalise_code(unquote(tail)) == scan.value)


@settings(max_examples=200, deadline=None)
@given(GARBAGE)
def test_fuzz_the_screen_issues_nothing_from_garbage(text: str) -> None:
    """Whatever is scanned, the kiosk screen never takes a walk-in ticket for it, and checks
    in only what the router read as a booking code."""
    screen = KioskScreen((1024, 600))
    screen.show_services([{"code": "A", "name_vi": "Đất đai", "open": True}], "", "ok", 0.0)
    scan = ROUTER.route(text)
    action = screen.scan(scan, 1.0)
    if scan.kind == "check_in":
        assert action == ("check_in", scan.value) and screen.page == "busy"
    else:
        assert action is None and screen.page == "notice"
        assert screen.notice is not None and screen.notice.code == "unreadable"
