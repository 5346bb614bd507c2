"""Drawing a BoardState onto a pygame Surface of any size and orientation.

The hall board is read from across a room, so everything scales with the surface
(1280×720 up to 3840×2160, landscape or portrait) and uses high-contrast colours;
text is DejaVu Sans, which has every Vietnamese letter. Fonts and rendered text are
cached because a Raspberry Pi redraws this several times a second.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pygame

from display.board_state import BoardState
from display.legibility import Legibility

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR_FONT = "DejaVuSans.ttf"
BOLD_FONT = "DejaVuSans-Bold.ttf"

BACKGROUND = (8, 16, 32)
HEADER_BG = (0, 45, 98)
PANEL_IDLE = (20, 40, 72)
ROW_ALT = (14, 28, 52)
TICKER_BG = (0, 45, 98)
TEXT = (255, 255, 255)
MUTED = (175, 190, 210)
ACCENT = (255, 204, 0)
DARK_TEXT = (10, 10, 10)
OFFLINE = (235, 64, 52)
#: ticker background while it shows a setup problem
PROBLEM_BG = (150, 20, 20)
#: the two alternating backgrounds of the newest call while it blinks
HIGHLIGHT_ON = (255, 204, 0)
HIGHLIGHT_OFF = (255, 255, 255)

#: text height in a row of the recent-calls list, as a share of the row
LIST_TEXT_SHARE = 0.58
#: seconds per blink phase of a new call
BLINK_PHASE_S = 0.5
#: ticker speed in screen heights per second (about 130 px/s on 1080 lines)
TICKER_SPEED = 0.12

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@dataclass(frozen=True)
class Labels:
    """Every fixed text on the board, in the board's language."""

    call: str
    to_counter: str
    col_ticket: str
    col_counter: str
    waiting: str
    offline: str
    no_call: str
    #: the server does not serve this board's site ({site})
    unknown_site: str


LABELS: dict[str, Labels] = {
    "vi": Labels(
        call="Mời số",
        to_counter="đến quầy {counter}",
        col_ticket="Số",
        col_counter="Quầy",
        waiting="Đang chờ",
        offline="Mất kết nối",
        no_call="Chưa có lượt gọi",
        unknown_site="Máy chủ không biết điểm giao dịch {site}",
    ),
    # English is the second language: Vietnamese stays first for every citizen
    "en": Labels(
        call="Mời số · Number",
        to_counter="đến quầy {counter} · Counter {counter}",
        col_ticket="Số · No.",
        col_counter="Quầy · Counter",
        waiting="Đang chờ · Waiting",
        offline="Mất kết nối · Offline",
        no_call="Chưa có lượt gọi · No calls yet",
        unknown_site="Máy chủ không biết điểm giao dịch {site} · "
        "The server does not know site {site}",
    ),
}


def format_clock(now: datetime) -> str:
    """The header clock, e.g. "Thứ Tư, 25/11/2026 08:15" (minutes: the board is no watch)."""
    return f"{WEEKDAYS_VI[now.weekday()]}, {now:%d/%m/%Y %H:%M}"


class FontCache:
    """One pygame Font per (size, weight), and the last rendered texts.

    Opening a TrueType font and rasterising a line are the costly parts of a frame;
    most of a board's text is the same from one frame to the next.
    """

    def __init__(self, font_dir: Path = FONT_DIR, text_cache_size: int = 512) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.font_dir = font_dir
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._texts: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._text_cache_size = text_cache_size

    def font(self, px: int, bold: bool = False) -> pygame.font.Font:
        px = max(6, int(px))
        key = (px, bold)
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(str(self.font_dir / (BOLD_FONT if bold else REGULAR_FONT)), px)
            self._fonts[key] = font
        return font

    def text(self, text: str, px: int, color: tuple[int, int, int], bold: bool = False):
        """The rendered line (antialiased, transparent background)."""
        key = (text, max(6, int(px)), bold, color)
        surf = self._texts.get(key)
        if surf is None:
            surf = self.font(px, bold).render(text, True, color)
            self._texts[key] = surf
            if len(self._texts) > self._text_cache_size:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(key)
        return surf

    def fit(self, text: str, max_px: int, max_w: int, bold: bool = False) -> int:
        """The largest size up to ``max_px`` at which ``text`` is at most ``max_w`` wide."""
        px = max(6, int(max_px))
        for _ in range(4):
            width = self.font(px, bold).size(text)[0]
            if width <= max_w or px <= 6:
                break
            px = max(6, int(px * max_w / width) - 1)
        return px


@dataclass(frozen=True)
class Layout:
    """Where each part of the board goes on a surface of one size."""

    width: int
    height: int
    margin: int
    header: pygame.Rect
    call_panel: pygame.Rect
    recent_panel: pygame.Rect
    waiting_strip: pygame.Rect
    ticker: pygame.Rect

    @property
    def highlight_probe(self) -> tuple[int, int]:
        """A point inside the newest-call panel that no text covers: its colour tells
        idle from highlighted, so a screenshot can be checked by machine."""
        return (self.call_panel.left + max(3, self.call_panel.width // 50), self.call_panel.centery)

    @classmethod
    def for_size(cls, width: int, height: int) -> Layout:
        portrait = height > width
        m = max(4, round(min(width, height) * 0.02))
        if portrait:
            hh, wh, th = round(height * 0.085), round(height * 0.07), round(height * 0.05)
        else:
            hh, wh, th = round(height * 0.11), round(height * 0.10), round(height * 0.08)
        header = pygame.Rect(0, 0, width, hh)
        ticker = pygame.Rect(0, height - th, width, th)
        waiting = pygame.Rect(0, ticker.top - wh, width, wh)
        body = pygame.Rect(m, hh + m, width - 2 * m, waiting.top - hh - 2 * m)
        if portrait:
            call_h = round(body.height * 0.42)
            call = pygame.Rect(body.left, body.top, body.width, call_h)
            recent = pygame.Rect(body.left, call.bottom + m, body.width, body.height - call_h - m)
        else:
            call_w = round(body.width * 0.58)
            call = pygame.Rect(body.left, body.top, call_w, body.height)
            recent = pygame.Rect(call.right + m, body.top, body.width - call_w - m, body.height)
        return cls(width, height, m, header, call, recent, waiting, ticker)


class BoardView:
    """Renders the board; one instance per screen size, reused for every frame."""

    def __init__(
        self,
        size: tuple[int, int],
        centre_name: str,
        language: str = "vi",
        fonts: FontCache | None = None,
        legibility: Legibility | None = None,
    ) -> None:
        if language not in LABELS:
            raise ValueError(f"unknown board language {language!r}")
        self.size = size
        self.layout = Layout.for_size(*size)
        self.centre_name = centre_name
        self.labels = LABELS[language]
        self.fonts = fonts or FontCache()
        #: minimum text sizes for the viewing distance; None = sizes follow the screen only
        self.legibility = legibility

    def _min_px(self, comfort: bool) -> int:
        return self.legibility.font_px(comfort) if self.legibility else 0

    def minimum_met(self) -> bool:
        """True if the newest number can be drawn at the comfortable size for the distance."""
        return self._min_px(True) <= self.layout.call_panel.height * 0.6

    def list_rows(self, recent_count: int) -> int:
        """How many recent calls the list shows: ``recent_count``, fewer when the rows
        would otherwise be too small to read from the viewing distance."""
        rect = self.layout.recent_panel
        row_h = rect.height // (recent_count + 1)
        needed = math.ceil(self._min_px(False) / LIST_TEXT_SHARE)
        if needed > row_h:
            return max(1, min(recent_count, rect.height // needed - 1))
        return recent_count

    # -- what decides a redraw ---------------------------------------------------

    def blink_phase(self, state: BoardState, now: float) -> int | None:
        """0 or 1 while the newest call blinks, None when it does not."""
        age = state.highlight_age(now)
        return None if age is None else int(age / BLINK_PHASE_S) % 2

    def frame_key(self, state: BoardState, now: float, wall: datetime) -> tuple:
        """Everything except the ticker that a full frame depends on: equal keys, same
        picture, so the shell redraws only when the key moves."""
        return (state.version, format_clock(wall), self.blink_phase(state, now))

    def ticker_scrolls(self, state: BoardState) -> bool:
        """True if the message is wider than the screen and has to scroll."""
        if not state.ticker_text:
            return False
        px = self._ticker_px()
        return self.fonts.font(px).size(state.ticker_text)[0] > self.layout.ticker.width - 2 * (
            self.layout.margin
        )

    # -- drawing -----------------------------------------------------------------

    def render(
        self,
        state: BoardState,
        now: float,
        wall: datetime,
        target: pygame.Surface | None = None,
    ) -> pygame.Surface:
        """Draw the whole frame; ``now`` is monotonic seconds, ``wall`` the local time."""
        surface = target if target is not None else pygame.Surface(self.size)
        surface.fill(BACKGROUND)
        self._draw_header(surface, state, wall)
        self._draw_call_panel(surface, state, now)
        self._draw_recent(surface, state)
        self._draw_waiting(surface, state)
        self.draw_ticker(surface, state, now)
        return surface

    def draw_ticker(self, surface: pygame.Surface, state: BoardState, now: float) -> pygame.Rect:
        """Draw only the message line (for the frames where nothing else moves)."""
        rect = self.layout.ticker
        surface.fill(PROBLEM_BG if state.problem else TICKER_BG, rect)
        if not state.ticker_text:
            return rect
        px = self._ticker_px()
        text = self.fonts.text(state.ticker_text, px, TEXT)
        y = rect.centery - text.get_height() // 2
        previous_clip = surface.get_clip()
        surface.set_clip(rect)
        if not self.ticker_scrolls(state):
            surface.blit(text, (rect.centerx - text.get_width() // 2, y))
        else:
            gap = rect.width // 3
            period = text.get_width() + gap
            offset = int(now * TICKER_SPEED * self.size[1]) % period
            x = rect.right - offset
            while x > rect.left - text.get_width():
                x -= period
            while x < rect.right:
                surface.blit(text, (x, y))
                x += period
        surface.set_clip(previous_clip)
        return rect

    def _ticker_px(self) -> int:
        return round(self.layout.ticker.height * 0.55)

    def _draw_header(self, surface: pygame.Surface, state: BoardState, wall: datetime) -> None:
        rect = self.layout.header
        m = self.layout.margin
        surface.fill(HEADER_BG, rect)
        clock_text = format_clock(wall)
        portrait = self.size[1] > self.size[0]
        if portrait:
            # narrow screens: the centre name gets the whole first row, the clock the second
            name_row = pygame.Rect(rect.left, rect.top, rect.width, round(rect.height * 0.5))
            clock_px = self.fonts.fit(clock_text, round(rect.height * 0.26), rect.width // 2)
            name_w = rect.width - 2 * m
        else:
            name_row = rect
            clock_px = self.fonts.fit(clock_text, round(rect.height * 0.34), rect.width // 2)
        clock = self.fonts.text(clock_text, clock_px, TEXT, bold=True)
        clock_top = name_row.bottom if portrait else rect.top + round(rect.height * 0.14)
        surface.blit(clock, (rect.right - m - clock.get_width(), clock_top))
        if not state.connected:
            self._draw_offline(surface, rect.right - m, clock_top + clock.get_height())
        if not portrait:
            name_w = rect.width - clock.get_width() - 3 * m
        name = self.centre_name
        name_px = self.fonts.fit(name, round(name_row.height * 0.4), name_w, bold=True)
        min_px = round(rect.height * 0.22)
        if name_px < min_px:
            name_px = min_px
            name = _ellipsize(self.fonts.font(min_px, True), name, name_w)
        text = self.fonts.text(name, name_px, TEXT, bold=True)
        surface.blit(text, (rect.left + m, name_row.centery - text.get_height() // 2))

    def _draw_offline(self, surface: pygame.Surface, right: int, top: int) -> None:
        px = max(10, round(self.layout.header.height * 0.18))
        text = self.fonts.text(self.labels.offline, px, OFFLINE)
        radius = max(3, px // 3)
        x = right - text.get_width()
        surface.blit(text, (x, top))
        pygame.draw.circle(
            surface, OFFLINE, (x - 2 * radius, top + text.get_height() // 2), radius
        )

    def _draw_call_panel(self, surface: pygame.Surface, state: BoardState, now: float) -> None:
        rect = self.layout.call_panel
        phase = self.blink_phase(state, now)
        if phase is None:
            bg, label_c, number_c, counter_c = PANEL_IDLE, MUTED, ACCENT, TEXT
        else:
            bg = HIGHLIGHT_ON if phase == 0 else HIGHLIGHT_OFF
            label_c = number_c = counter_c = DARK_TEXT
        radius = max(4, rect.height // 30)
        pygame.draw.rect(surface, bg, rect, border_radius=radius)
        inner_w = round(rect.width * 0.9)
        # the number is what a citizen looks for: it gets most of the height
        unit = min(rect.height, round(rect.width * 0.75))
        if state.newest is None:
            px = self.fonts.fit(self.labels.no_call, round(unit * 0.09), inner_w)
            text = self.fonts.text(self.labels.no_call, px, label_c)
            surface.blit(text, text.get_rect(center=rect.center))
            return
        # the number at least at the comfortable size for the viewing distance, the
        # counter at least legible; both still shrink to fit the panel's width
        lines = [
            (self.labels.call, round(unit * 0.11), label_c, False),
            (state.newest.ticket, max(round(unit * 0.42), self._min_px(True)), number_c, True),
            (
                self.labels.to_counter.format(counter=state.newest.counter),
                max(round(unit * 0.15), self._min_px(False)),
                counter_c,
                True,
            ),
        ]
        gap = round(unit * 0.03)
        limit = round(rect.height * 0.96)
        for _ in range(4):
            rendered = []
            for text, px, color, bold in lines:
                fitted = self.fonts.fit(text, px, inner_w, bold)
                rendered.append(self.fonts.text(text, fitted, color, bold))
            total = sum(r.get_height() for r in rendered) + gap * (len(rendered) - 1)
            if total <= limit:
                break
            # a long viewing distance on a short panel: the number gives way first
            others = total - rendered[1].get_height()
            text, px, color, bold = lines[1]
            px = max(6, int(px * (limit - others) / rendered[1].get_height()))
            lines[1] = (text, px, color, bold)
        y = rect.centery - total // 2
        for r in rendered:
            surface.blit(r, (rect.centerx - r.get_width() // 2, y))
            y += r.get_height() + gap

    def _draw_recent(self, surface: pygame.Surface, state: BoardState) -> None:
        rect = self.layout.recent_panel
        shown = self.list_rows(state.recent_count)
        row_h = rect.height // (shown + 1)
        px = round(row_h * LIST_TEXT_SHARE)
        col_split = rect.left + round(rect.width * 0.55)
        pad = self.layout.margin
        head = pygame.Rect(rect.left, rect.top, rect.width, row_h)
        surface.fill(HEADER_BG, head)
        for label, left, right in (
            (self.labels.col_ticket, rect.left, col_split),
            (self.labels.col_counter, col_split, rect.right),
        ):
            size = self.fonts.fit(label, round(px * 0.8), right - left - 2 * pad, True)
            text = self.fonts.text(label, size, MUTED, bold=True)
            surface.blit(text, (left + pad, head.centery - text.get_height() // 2))
        for i in range(shown):
            row = pygame.Rect(rect.left, rect.top + (i + 1) * row_h, rect.width, row_h)
            if i % 2:
                surface.fill(ROW_ALT, row)
            if i >= len(state.recent):
                continue
            line = state.recent[i]
            color = ACCENT if i == 0 else TEXT
            for value, left, right in (
                (line.ticket, rect.left, col_split),
                (line.counter, col_split, rect.right),
            ):
                size = self.fonts.fit(value, px, right - left - 2 * pad, True)
                text = self.fonts.text(value, size, color, bold=True)
                surface.blit(text, (left + pad, row.centery - text.get_height() // 2))

    def _draw_waiting(self, surface: pygame.Surface, state: BoardState) -> None:
        rect = self.layout.waiting_strip
        m = self.layout.margin
        label_px = self.fonts.fit(self.labels.waiting, round(rect.height * 0.4), rect.width // 4)
        label = self.fonts.text(self.labels.waiting, label_px, MUTED, bold=True)
        surface.blit(label, (rect.left + m, rect.centery - label.get_height() // 2))
        items = sorted(state.waiting.items())
        if not items:
            return
        left = rect.left + 2 * m + label.get_width()
        cell_w = (rect.right - m - left) // len(items)
        # one size for every field, so no count looks more important than another
        px = min(
            self.fonts.fit(f"{code} {count}", round(rect.height * 0.5), cell_w - m, bold=True)
            for code, count in items
        )
        for i, (code, count) in enumerate(items):
            cell = pygame.Rect(left + i * cell_w, rect.top, cell_w, rect.height)
            code_s = self.fonts.text(f"{code} ", px, ACCENT, bold=True)
            count_s = self.fonts.text(str(count), px, TEXT, bold=True)
            x = cell.centerx - (code_s.get_width() + count_s.get_width()) // 2
            y = cell.centery - code_s.get_height() // 2
            surface.blit(code_s, (x, y))
            surface.blit(count_s, (x + code_s.get_width(), y))


def _ellipsize(font: pygame.font.Font, text: str, max_w: int) -> str:
    """Cut ``text`` to fit ``max_w`` with a trailing ellipsis (very long centre names)."""
    if font.size(text)[0] <= max_w:
        return text
    while text and font.size(text + "…")[0] > max_w:
        text = text[:-1]
    return text.rstrip() + "…"
