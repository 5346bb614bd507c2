"""The single-counter screen: a small display above one counter showing only the number
being served there, as large as the screen allows, and "Quầy 5".

It is fed by the same board and calls as the hall board (the ticket a counter called
last, see ``BoardState.serving``), so it needs no extra topic and no extra permission.
It has the same drawing interface as BoardView, so the board process runs either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pygame

from display.board_state import BoardState
from display.board_view import (
    BACKGROUND,
    BLINK_PHASE_S,
    DARK_TEXT,
    HEADER_BG,
    HIGHLIGHT_OFF,
    HIGHLIGHT_ON,
    MUTED,
    OFFLINE,
    PANEL_IDLE,
    TEXT,
    FontCache,
    format_clock,
)
from display.legibility import Legibility

COUNTER_LABELS = {
    "vi": ("Quầy {counter}", "Đang phục vụ số", "Mất kết nối"),
    "en": ("Quầy {counter} · Counter {counter}", "Đang phục vụ số · Now serving",
           "Mất kết nối · Offline"),
}


@dataclass(frozen=True)
class CounterLayout:
    """Where the parts of the counter screen go."""

    width: int
    height: int
    margin: int
    title: pygame.Rect
    number_panel: pygame.Rect
    footer: pygame.Rect

    @property
    def highlight_probe(self) -> tuple[int, int]:
        """A point of the number panel no text covers (its colour tells the blink)."""
        return (self.number_panel.left + max(3, self.number_panel.width // 50),
                self.number_panel.top + max(3, self.number_panel.height // 20))

    @classmethod
    def for_size(cls, width: int, height: int) -> CounterLayout:
        m = max(4, round(min(width, height) * 0.02))
        title_h = round(height * (0.2 if width >= height else 0.15))
        footer_h = round(height * 0.08)
        title = pygame.Rect(0, 0, width, title_h)
        footer = pygame.Rect(0, height - footer_h, width, footer_h)
        panel = pygame.Rect(m, title_h + m, width - 2 * m, footer.top - title_h - 2 * m)
        return cls(width, height, m, title, panel, footer)


class CounterView:
    """Renders one counter's screen; same interface as BoardView."""

    def __init__(
        self,
        size: tuple[int, int],
        counter: str,
        language: str = "vi",
        fonts: FontCache | None = None,
        legibility: Legibility | None = None,
    ) -> None:
        if language not in COUNTER_LABELS:
            raise ValueError(f"unknown board language {language!r}")
        self.size = size
        self.counter = counter
        self.layout = CounterLayout.for_size(*size)
        title, self.serving_label, self.offline_label = COUNTER_LABELS[language]
        self.title = title.format(counter=counter)
        self.fonts = fonts or FontCache()
        self.legibility = legibility

    def blink_phase(self, state: BoardState, now: float) -> int | None:
        age = state.counter_highlight_age(self.counter, now)
        return None if age is None else int(age / BLINK_PHASE_S) % 2

    def frame_key(self, state: BoardState, now: float, wall: datetime) -> tuple:
        return (state.version, format_clock(wall), self.blink_phase(state, now))

    def ticker_scrolls(self, state: BoardState) -> bool:
        return False

    def draw_ticker(self, surface: pygame.Surface, state: BoardState, now: float) -> pygame.Rect:
        """The counter screen has no message line: nothing to draw."""
        return pygame.Rect(0, 0, 0, 0)

    def render(
        self,
        state: BoardState,
        now: float,
        wall: datetime,
        target: pygame.Surface | None = None,
    ) -> pygame.Surface:
        surface = target if target is not None else pygame.Surface(self.size)
        surface.fill(BACKGROUND)
        layout = self.layout
        surface.fill(HEADER_BG, layout.title)
        inner_w = layout.width - 2 * layout.margin
        px = self.fonts.fit(self.title, round(layout.title.height * 0.62), inner_w, bold=True)
        title = self.fonts.text(self.title, px, TEXT, bold=True)
        surface.blit(title, title.get_rect(center=layout.title.center))
        self._draw_number(surface, state, now)
        self._draw_footer(surface, state, wall)
        return surface

    def _draw_number(self, surface: pygame.Surface, state: BoardState, now: float) -> None:
        rect = self.layout.number_panel
        phase = self.blink_phase(state, now)
        if phase is None:
            bg, label_c, number_c = PANEL_IDLE, MUTED, (255, 204, 0)
        else:
            bg = HIGHLIGHT_ON if phase == 0 else HIGHLIGHT_OFF
            label_c = number_c = DARK_TEXT
        pygame.draw.rect(surface, bg, rect, border_radius=max(4, rect.height // 30))
        line = state.serving.get(self.counter)
        inner_w = round(rect.width * 0.92)
        label_px = self.fonts.fit(self.serving_label, round(rect.height * 0.12), inner_w)
        label = self.fonts.text(self.serving_label, label_px, label_c)
        number_text = line.ticket if line else "—"
        parts = [number_text]
        if rect.height > rect.width:
            # a tall, narrow screen: the letter above the digits, both much larger
            letters = number_text.rstrip("0123456789")
            if letters and letters != number_text:
                parts = [letters, number_text[len(letters):]]
        # the number fills what is left: a line of text is about 1.17 of the font size
        number_px = round((rect.height * 0.9 - label.get_height()) / (1.17 * len(parts)))
        number_px = min(self.fonts.fit(p, number_px, inner_w, bold=True) for p in parts)
        rendered = [self.fonts.text(p, number_px, number_c, bold=True) for p in parts]
        total = label.get_height() + sum(r.get_height() for r in rendered)
        y = rect.centery - total // 2
        surface.blit(label, (rect.centerx - label.get_width() // 2, y))
        y += label.get_height()
        for r in rendered:
            surface.blit(r, (rect.centerx - r.get_width() // 2, y))
            y += r.get_height()

    def _draw_footer(self, surface: pygame.Surface, state: BoardState, wall: datetime) -> None:
        rect = self.layout.footer
        m = self.layout.margin
        px = round(rect.height * 0.5)
        clock = self.fonts.text(format_clock(wall), px, MUTED)
        surface.blit(clock, (rect.left + m, rect.centery - clock.get_height() // 2))
        notice = state.problem or ("" if state.connected else self.offline_label)
        if notice:
            room = rect.width - clock.get_width() - 3 * m
            text = self.fonts.text(notice, self.fonts.fit(notice, px, room), OFFLINE)
            surface.blit(text, (rect.right - m - text.get_width(),
                                rect.centery - text.get_height() // 2))

    def minimum_met(self) -> bool:
        """True if the number can be drawn at the comfortable size for the distance."""
        if self.legibility is None:
            return True
        return self.layout.number_panel.height * 0.6 >= self.legibility.font_px(True)
