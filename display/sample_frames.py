"""Pictures of the board with sample content, drawn by the real renderer.

``python -m display screenshots --out docs/display`` writes them for the README and for
installers choosing a screen: the hall board in landscape and portrait, and the
single-counter screen. The content is a plausible morning at a Vietnamese centre.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pygame

from display.board_state import BoardState
from display.board_view import BoardView, FontCache
from display.counter_view import CounterView
from display.display_config import DisplayConfig
from display.legibility import Legibility
from protocol import Board, BoardEntry, Call

SAMPLE_CENTRE = "Trung tâm Phục vụ hành chính công tỉnh Cà Mau"
SAMPLE_MESSAGE = (
    "Kính chào quý khách. Vui lòng giữ phiếu và chú ý số được mời trên màn hình. "
    "Welcome: please keep your ticket and watch for your number."
)
#: the wall clock shown (local time of the centre)
SAMPLE_WALL = datetime(2026, 11, 25, 9, 42)

#: file name → (width, height, mode)
FRAMES: dict[str, tuple[int, int, str]] = {
    "board-1920x1080.png": (1920, 1080, "board"),
    "board-1080x1920-portrait.png": (1080, 1920, "board"),
    "counter-1280x720.png": (1280, 720, "counter"),
}


def sample_state(clock_now: float = 1000.0, recent_count: int = 8) -> BoardState:
    """A board a few calls into the morning, the newest (A012 to counter 5) just in."""
    t0 = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    state = BoardState(recent_count=recent_count, highlight_s=10, clock=lambda: clock_now)
    called = [("B007", "3"), ("D004", "2"), ("U002", "6"), ("C015", "5"), ("E003", "4"),
              ("A011", "1"), ("B008", "3")]
    state.apply_board(
        Board(
            seq=40,
            recent=[
                BoardEntry(ticket=t, counter=c, service=t[0], ts=t0 - timedelta(minutes=i))
                for i, (t, c) in enumerate(reversed(called))
            ],
            waiting={"A": 14, "B": 6, "C": 3, "D": 5, "E": 2, "U": 1},
            message=SAMPLE_MESSAGE,
        )
    )
    state.apply_call(Call(seq=41, ticket="A012", counter="5", service="A", ts=t0))
    state.set_connected(True)
    return state


def write_sample_frames(out: str | Path, config: DisplayConfig | None = None) -> list[Path]:
    """Render every sample frame into ``out``; the paths written."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    pygame.font.init()
    fonts = FontCache()
    written: list[Path] = []
    for name, (width, height, mode) in FRAMES.items():
        c = config or _default_config()
        c = replace(c, width=width, height=height)
        legibility = Legibility.for_screen(
            width, height, c.viewing_distance_m, screen_height_cm=c.screen_height_cm,
            screen_dpi=c.screen_dpi, screen_diagonal_in=c.screen_diagonal_in,
        )
        state = sample_state(recent_count=c.recent_count)
        view: BoardView | CounterView
        if mode == "counter":
            view = CounterView((width, height), c.counter or "5", c.language, fonts,
                               legibility=None)
        else:
            view = BoardView((width, height), c.centre_name, c.language, fonts, legibility)
        # 0.2 s after the call arrived: the first, yellow, phase of the blink
        frame = view.render(state, 1000.2, SAMPLE_WALL)
        path = folder / name
        pygame.image.save(frame, str(path))
        written.append(path)
    return written


def _default_config() -> DisplayConfig:
    return DisplayConfig.from_mapping(
        {
            "site": "camau-hcc",
            "device_id": "display-1",
            "mqtt_url": "mqtt://127.0.0.1:1883",
            "centre_name": SAMPLE_CENTRE,
            "counter": "5",
        }
    )
