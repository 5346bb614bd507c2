"""Rendering: the newest call's panel changes visibly, at every size and orientation."""

from __future__ import annotations

from datetime import UTC, datetime

import pygame
import pytest

from display.board_state import BoardState
from display.board_view import (
    DARK_TEXT,
    HIGHLIGHT_OFF,
    HIGHLIGHT_ON,
    PANEL_IDLE,
    BoardView,
    FontCache,
    Layout,
    format_clock,
)
from protocol import Board, BoardEntry, Call

T0 = datetime(2026, 11, 25, 8, 15, tzinfo=UTC)
WALL = datetime(2026, 11, 25, 8, 15)
CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
SIZES = [(1920, 1080), (1080, 1920), (3840, 2160), (1280, 720)]


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def fonts() -> FontCache:
    return FontCache()


def board_state(clock: FakeClock, message: str = "Xin kính chào quý khách") -> BoardState:
    state = BoardState(recent_count=8, highlight_s=10, clock=clock)
    state.set_connected(True)
    state.apply_board(
        Board(
            seq=10,
            recent=[
                BoardEntry(ticket="B007", counter="2", service="B", ts=T0),
                BoardEntry(ticket="A011", counter="1", service="A", ts=T0),
            ],
            waiting={"A": 7, "B": 2, "C": 0},
            message=message,
        )
    )
    return state


def pixels(surface: pygame.Surface, rect: pygame.Rect) -> bytes:
    return pygame.image.tobytes(surface.subsurface(rect), "RGB")


def colour_at(surface: pygame.Surface, point: tuple[int, int]) -> tuple[int, int, int]:
    return tuple(surface.get_at(point))[:3]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_new_call_changes_the_highlight_area_only_where_expected(size, fonts):
    clock = FakeClock()
    state = board_state(clock)
    view = BoardView(size, CENTRE, fonts=fonts)
    layout = view.layout
    before = view.render(state, clock.now, WALL).copy()
    assert colour_at(before, layout.highlight_probe) == PANEL_IDLE

    state.apply_call(Call(seq=11, ticket="A012", counter="5", service="A", ts=T0))
    after = view.render(state, clock.now, WALL)

    assert colour_at(after, layout.highlight_probe) == HIGHLIGHT_ON
    assert pixels(before, layout.call_panel) != pixels(after, layout.call_panel)
    assert pixels(before, layout.recent_panel) != pixels(after, layout.recent_panel)
    # the header (same minute, same link) and the waiting counts did not move
    assert pixels(before, layout.header) == pixels(after, layout.header)
    assert pixels(before, layout.waiting_strip) == pixels(after, layout.waiting_strip)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_highlight_blinks_then_settles(size, fonts):
    clock = FakeClock()
    state = board_state(clock)
    view = BoardView(size, CENTRE, fonts=fonts)
    state.apply_call(Call(seq=11, ticket="A012", counter="5", service="A", ts=T0))
    probe = view.layout.highlight_probe
    seen = {colour_at(view.render(state, clock.now + dt, WALL), probe) for dt in (0.1, 0.6)}
    assert seen == {HIGHLIGHT_ON, HIGHLIGHT_OFF}
    settled = view.render(state, clock.now + 10.5, WALL)
    assert colour_at(settled, probe) == PANEL_IDLE


def test_the_layout_fits_inside_the_surface_in_both_orientations():
    for w, h in SIZES:
        layout = Layout.for_size(w, h)
        screen = pygame.Rect(0, 0, w, h)
        for rect in (layout.header, layout.call_panel, layout.recent_panel,
                     layout.waiting_strip, layout.ticker):
            assert screen.contains(rect), (w, h, rect)
        assert not layout.call_panel.colliderect(layout.recent_panel)
        assert layout.call_panel.collidepoint(layout.highlight_probe)
    assert Layout.for_size(1080, 1920).call_panel.width > Layout.for_size(1080, 1920).height // 2


def test_text_grows_with_the_screen(fonts):
    def number_height(size: tuple[int, int]) -> int:
        clock = FakeClock()
        state = board_state(clock)
        state.apply_call(Call(seq=11, ticket="A012", counter="5", service="A", ts=T0))
        view = BoardView(size, CENTRE, fonts=fonts)
        frame = view.render(state, clock.now, WALL)
        panel = frame.subsurface(view.layout.call_panel)
        mask = pygame.mask.from_threshold(panel, DARK_TEXT, (60, 60, 60, 255))
        return max(r.height for r in mask.get_bounding_rects())

    small, full_hd, uhd = (number_height(s) for s in ((1280, 720), (1920, 1080), (3840, 2160)))
    assert small < full_hd < uhd
    assert 1.8 < uhd / full_hd < 2.2


def test_offline_shows_a_small_indicator_in_the_header(fonts):
    clock = FakeClock()
    state = board_state(clock)
    view = BoardView((1920, 1080), CENTRE, fonts=fonts)
    online = view.render(state, clock.now, WALL).copy()
    state.set_connected(False)
    offline = view.render(state, clock.now, WALL)
    layout = view.layout
    assert pixels(online, layout.header) != pixels(offline, layout.header)
    assert pixels(online, layout.call_panel) == pixels(offline, layout.call_panel)


def test_a_long_message_scrolls_and_a_short_one_stands_still(fonts):
    clock = FakeClock()
    view = BoardView((1280, 720), CENTRE, fonts=fonts)
    short = board_state(clock, "Xin chào")
    assert not view.ticker_scrolls(short)
    long = board_state(clock, "Kính chào quý khách đến Trung tâm Phục vụ hành chính công. " * 3)
    assert view.ticker_scrolls(long)
    surface = pygame.Surface(view.size)
    first = pixels(surface, view.draw_ticker(surface, long, 1.0))
    second = pixels(surface, view.draw_ticker(surface, long, 1.5))
    assert first != second


def test_frame_key_moves_with_data_minute_and_blink_only(fonts):
    clock = FakeClock()
    state = board_state(clock)
    view = BoardView((1920, 1080), CENTRE, fonts=fonts)
    key = view.frame_key(state, clock.now, WALL)
    assert view.frame_key(state, clock.now + 5, WALL.replace(second=40)) == key
    assert view.frame_key(state, clock.now, WALL.replace(minute=16)) != key
    state.apply_call(Call(seq=11, ticket="A012", counter="5", service="A", ts=T0))
    assert view.frame_key(state, clock.now, WALL) != key


def test_english_adds_a_second_language_and_keeps_vietnamese(fonts):
    view = BoardView((1920, 1080), CENTRE, language="en", fonts=fonts)
    assert view.labels.call.startswith("Mời số")
    assert "Counter" in view.labels.to_counter
    with pytest.raises(ValueError):
        BoardView((1920, 1080), CENTRE, language="fr", fonts=fonts)


def test_the_clock_reads_in_vietnamese():
    assert format_clock(datetime(2026, 11, 25, 8, 15)) == "Thứ Tư, 25/11/2026 08:15"
    assert format_clock(datetime(2026, 11, 29, 17, 5)) == "Chủ Nhật, 29/11/2026 17:05"
    assert format_clock(datetime(2026, 11, 28, 7, 0)).startswith("Thứ Bảy")


def test_fonts_are_opened_once_per_size(fonts):
    assert fonts.font(40, bold=True) is fonts.font(40, bold=True)
    assert fonts.font(40) is not fonts.font(40, bold=True)
    assert fonts.text("Mời số", 40, (255, 255, 255)) is fonts.text("Mời số", 40, (255, 255, 255))
    assert fonts.font(fonts.fit("A" * 20, 40, 300)).size("A" * 20)[0] <= 300
