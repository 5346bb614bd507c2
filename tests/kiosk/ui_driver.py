"""Drives the real pygame kiosk loop offscreen: synthesized touches, frames until a condition."""

from __future__ import annotations

import time
from collections.abc import Callable

import pygame

from kiosk.touch_ui import TouchUI

SIZE = (1024, 600)


class FakeClock:
    """The kiosk's monotonic clock, moved on by the test instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_until(ui: TouchUI, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Run frames of the real loop (events, time-outs, drawing) until ``predicate()``."""
    deadline = time.monotonic() + timeout
    while True:
        assert ui.step(), "the kiosk loop asked to stop"
        if predicate():
            return
        assert time.monotonic() < deadline, f"not reached in {timeout} s; page {ui.screen.page}"
        time.sleep(0.005)


def centre(rect: tuple[int, int, int, int]) -> tuple[int, int]:
    x, y, w, h = rect
    return x + w // 2, y + h // 2


def button_rect(ui: TouchUI, action: str, value: str = "") -> tuple[int, int, int, int]:
    return next(b.rect for b in ui.screen.buttons() if b.action == action and b.value == value)


def finger_tap(ui: TouchUI, x: int, y: int) -> None:
    """A touch as SDL delivers it: FINGERDOWN (fractions) plus its emulated mouse click."""
    width, height = ui.screen.layout.width, ui.screen.layout.height
    pygame.event.post(pygame.event.Event(
        pygame.FINGERDOWN, x=(x + 0.5) / width, y=(y + 0.5) / height, dx=0.0, dy=0.0,
        touch_id=1, finger_id=0, pressure=1.0))
    pygame.event.post(pygame.event.Event(
        pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1, touch=True))


def mouse_click(x: int, y: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1))


def scanner_burst(text: str, enter: bool = True, keydown: bool = True) -> None:
    """What a USB scanner in keyboard mode sends: per character a KEYDOWN and its
    TEXTINPUT, then Enter (all queued at once, as fast as a scanner types)."""
    for ch in text:
        if keydown:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=ord(ch.lower()) if
                                                 ch.isascii() else 0, unicode=ch, mod=0))
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
    if enter:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN,
                                             unicode="\r", mod=0))


def type_slowly(ui: TouchUI, clock: FakeClock, text: str, gap: float) -> None:
    """A person at a keyboard: one key per frame, ``gap`` seconds apart, then Enter."""
    for ch in text:
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
        ui.step()
        clock.now += gap
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN,
                                         unicode="\r", mod=0))
    ui.step()
