"""Text size from the viewing distance, the single-counter screen, sample screenshots."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pygame
import pytest

from display.board_state import BoardState
from display.board_view import (
    ACCENT,
    DARK_TEXT,
    HIGHLIGHT_ON,
    PANEL_IDLE,
    TEXT,
    BoardView,
    FontCache,
)
from display.counter_view import CounterView
from display.display_config import DisplayConfig
from display.legibility import CAP_HEIGHT_RATIO, Legibility
from protocol import Board, BoardEntry, Call
from protocol.config_file import ConfigError

T0 = datetime(2026, 11, 25, 8, 15, tzinfo=UTC)
WALL = datetime(2026, 11, 25, 8, 15)
CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def fonts() -> FontCache:
    return FontCache()


def call(seq: int, ticket: str, counter: str) -> Call:
    return Call(seq=seq, ticket=ticket, counter=counter, service=ticket[0], ts=T0)


def full_state(clock: FakeClock) -> BoardState:
    state = BoardState(recent_count=8, highlight_s=10, clock=clock)
    state.set_connected(True)
    tickets = [("B00" + str(i), str(i % 6 + 1)) for i in range(1, 9)]
    state.apply_board(Board(
        seq=10,
        recent=[BoardEntry(ticket=t, counter=c, service="B", ts=T0) for t, c in tickets],
        waiting={"A": 3}, message="",
    ))
    return state


def tallest_glyph(surface: pygame.Surface, rect: pygame.Rect, colour) -> int:
    mask = pygame.mask.from_threshold(surface.subsurface(rect), colour, (40, 40, 40, 255))
    return max((r.height for r in mask.get_bounding_rects()), default=0)


def test_letter_height_rule():
    at_10m = Legibility(px_per_cm=10, viewing_distance_m=10)
    assert at_10m.letter_cm() == pytest.approx(8.4)
    assert at_10m.letter_cm(comfort=True) == pytest.approx(16.8)
    assert at_10m.font_px(comfort=True) == pytest.approx(168 / CAP_HEIGHT_RATIO, abs=1)
    assert Legibility(10, 0).font_px() == 0
    # the physical size from the picture height, else the DPI, else the diagonal
    assert Legibility.for_screen(1920, 1080, 5, screen_height_cm=60).px_per_cm == 18
    assert Legibility.for_screen(1920, 1080, 5, screen_dpi=254).px_per_cm == pytest.approx(100)
    tv55 = Legibility.for_screen(1920, 1080, 5)
    assert tv55.px_per_cm == pytest.approx(1080 / 68.5, rel=0.01)
    assert Legibility.for_screen(3840, 2160, 5).px_per_cm == pytest.approx(2 * tv55.px_per_cm)


def test_a_longer_viewing_distance_shows_fewer_larger_rows(fonts):
    rows = []
    for distance in (0, 3, 6, 12):
        legibility = Legibility.for_screen(1920, 1080, distance)
        view = BoardView((1920, 1080), CENTRE, fonts=fonts, legibility=legibility)
        rows.append(view.list_rows(8))
        clock = FakeClock()
        frame = view.render(full_state(clock), clock.now, WALL)
        # every list letter is at least the legible height for that distance
        glyph = max(tallest_glyph(frame, view.layout.recent_panel, colour)
                    for colour in (TEXT, ACCENT))
        if distance <= 6:  # farther, a 55-inch screen is too narrow for the rule
            assert glyph >= legibility.letter_px() - 2, (distance, glyph)
    assert rows[0] == 8
    assert rows == sorted(rows, reverse=True) and rows[-1] >= 1 and rows[-1] < rows[0]


def test_the_called_number_is_comfortably_large_for_the_distance(fonts):
    legibility = Legibility.for_screen(1920, 1080, 8)
    view = BoardView((1920, 1080), CENTRE, fonts=fonts, legibility=legibility)
    assert view.minimum_met()
    clock = FakeClock()
    state = full_state(clock)
    state.apply_call(call(11, "A012", "5"))
    frame = view.render(state, clock.now, WALL)
    assert tallest_glyph(frame, view.layout.call_panel, DARK_TEXT) >= legibility.letter_px(True)
    # 30 m on a 32-inch screen cannot be done: the view says so (the app logs it)
    tiny = BoardView((1280, 720), CENTRE, fonts=fonts,
                     legibility=Legibility.for_screen(1280, 720, 30, screen_diagonal_in=32))
    assert not tiny.minimum_met()
    tiny.render(state, clock.now, WALL)  # and still draws, shrunk to fit


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (3840, 2160)])
def test_the_counter_screen_shows_only_its_own_number(size, fonts):
    clock = FakeClock()
    state = BoardState(recent_count=4, highlight_s=10, clock=clock)
    state.set_connected(True)
    view = CounterView(size, "5", fonts=fonts)
    probe = view.layout.highlight_probe
    empty = view.render(state, clock.now, WALL).copy()
    assert tuple(empty.get_at(probe))[:3] == PANEL_IDLE

    state.apply_call(call(11, "A012", "5"))
    called = view.render(state, clock.now, WALL).copy()
    assert tuple(called.get_at(probe))[:3] == HIGHLIGHT_ON
    mask = pygame.mask.from_threshold(called.subsurface(view.layout.number_panel), DARK_TEXT,
                                      (40, 40, 40, 255))
    # the number fills most of the panel (in portrait on two lines: "A" over "012")
    assert mask.count() > view.layout.number_panel.width * view.layout.number_panel.height * 0.12

    clock.now += 30  # the blink is over; another counter's call changes nothing here
    settled = view.render(state, clock.now, WALL).copy()
    state.apply_call(call(12, "C001", "3"))
    other = view.render(state, clock.now, WALL)
    panel = view.layout.number_panel
    assert pygame.image.tobytes(settled.subsurface(panel), "RGB") == \
        pygame.image.tobytes(other.subsurface(panel), "RGB")
    assert tuple(other.get_at(probe))[:3] == PANEL_IDLE


def test_serving_follows_snapshots_calls_and_transfers():
    clock = FakeClock()
    state = BoardState(recent_count=3, highlight_s=10, clock=clock)
    state.apply_board(Board(seq=5, recent=[
        BoardEntry(ticket="A003", counter="1", service="A", ts=T0),
        BoardEntry(ticket="B002", counter="3", service="B", ts=T0),
        BoardEntry(ticket="A002", counter="1", service="A", ts=T0),
    ], waiting={}, message=""))
    assert {c: line.ticket for c, line in state.serving.items()} == {"1": "A003", "3": "B002"}
    assert state.counter_highlight_age("1") is None  # a snapshot does not blink
    state.apply_call(call(6, "B002", "4"))  # transferred and called at counter 4
    assert "3" not in state.serving and state.serving["4"].ticket == "B002"
    assert state.counter_highlight_age("4") == 0
    # counter 1's call falls off the short list, the counter screen keeps it
    state.apply_call(call(7, "C001", "5"))
    state.apply_call(call(8, "C002", "6"))
    assert state.serving["1"].ticket == "A003"


def test_counter_mode_config():
    base = {"site": "s", "device_id": "d", "mqtt_url": "mqtt://127.0.0.1:1", "centre_name": "X"}
    config = DisplayConfig.from_mapping({**base, "mode": "counter", "counter": 5})
    assert config.counter == "5" and config.announce is False
    assert DisplayConfig.from_mapping(base).announce is True
    assert str(DisplayConfig.from_mapping(base).clip_dir) == "/var/lib/motcua/voice"
    for bad, key in (({"mode": "counter"}, "counter"), ({"mode": "kiosk"}, "mode"),
                     ({"volume": 1.5}, "volume"), ({"viewing_distance_m": -1},
                                                   "viewing_distance_m"),
                     ({"voice_numbers": "words"}, "voice_numbers"),
                     ({"screen_dpi": 0}, "screen_dpi")):
        with pytest.raises(ConfigError, match=f"'{key}'"):
            DisplayConfig.from_mapping({**base, **bad})


def test_the_screenshots_command_draws_the_documented_frames(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "display", "screenshots", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    sizes = {p.name: pygame.image.load(str(p)).get_size() for p in tmp_path.glob("*.png")}
    assert sizes == {
        "board-1920x1080.png": (1920, 1080),
        "board-1080x1920-portrait.png": (1080, 1920),
        "counter-1280x720.png": (1280, 720),
    }
    board = pygame.image.load(str(tmp_path / "board-1920x1080.png"))
    from display.board_view import Layout

    assert tuple(board.get_at(Layout.for_size(1920, 1080).highlight_probe))[:3] == HIGHLIGHT_ON
