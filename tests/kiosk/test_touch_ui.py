from __future__ import annotations

import socket
import time

import pygame
import pytest
from escpos.printer import Dummy

from kiosk.printer_spec import open_printer
from kiosk.screen_model import CONFIRM_SECONDS
from kiosk.screen_painter import PRIORITY_ON, SERVICE, SERVICE_CLOSED
from kiosk.station import KioskStation
from kiosk.touch_ui import TouchUI
from tests.kiosk.network_printer import PAPER_OUT, NetworkPrinter

SIZE = (1024, 600)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module", autouse=True)
def pygame_offscreen():
    pygame.init()
    yield
    pygame.quit()


@pytest.fixture
def station(kiosk_cfg):
    dummy = Dummy(profile="TM-T20II")
    station = KioskStation.from_config(kiosk_cfg, printer=dummy)
    yield station
    station.close()


def _centre(rect) -> tuple[int, int]:
    x, y, w, h = rect
    return x + w // 2, y + h // 2


def _button(ui: TouchUI, action: str, value: str = ""):
    return next(b for b in ui.screen.buttons() if b.action == action and b.value == value)


def _frame(ui: TouchUI) -> pygame.Surface:
    surface = pygame.Surface(SIZE)
    ui.render(surface)
    return surface


def test_start_page_renders_a_button_per_service(station) -> None:
    ui = TouchUI(station, SIZE, background=False, clock=FakeClock())
    ui.refresh()
    assert ui.screen.page == "start"
    services = [b for b in ui.screen.buttons() if b.action == "service"]
    assert [b.value for b in services] == ["A", "B", "C", "D"]
    assert [b.enabled for b in services] == [True, True, True, False]
    frame = _frame(ui)
    assert frame.get_at((services[0].rect[0] + 10, services[0].rect[1] + 30))[:3] == SERVICE
    assert frame.get_at((services[3].rect[0] + 10, services[3].rect[1] + 30))[:3] == (
        SERVICE_CLOSED
    )


def test_click_on_a_service_takes_and_prints_a_ticket(station, contract_server) -> None:
    clock = FakeClock()
    ui = TouchUI(station, SIZE, background=False, clock=clock)
    ui.refresh()
    ui.click(*_centre(_button(ui, "service", "A").rect))
    (_, _, _, body), = contract_server.posts()
    assert body == {"service": "A", "priority": False}
    assert ui.screen.page == "confirm"
    assert ui.screen.ticket["number"] == "A001"
    assert b"\x1dv0" in station.printer.printer.output
    _frame(ui)  # the confirmation page draws
    # back to the start page on its own after a while
    clock.now += CONFIRM_SECONDS + 0.1
    ui.tick()
    assert ui.screen.page == "start"


def test_priority_choice_is_sent_and_reset(station, contract_server) -> None:
    clock = FakeClock()
    ui = TouchUI(station, SIZE, background=False, clock=clock)
    ui.refresh()
    priority = _button(ui, "priority")
    ui.click(*_centre(priority.rect))
    assert ui.screen.priority
    assert _frame(ui).get_at((priority.rect[0] + 5, priority.rect[1] + 5))[:3] == PRIORITY_ON
    ui.click(*_centre(_button(ui, "service", "B").rect))
    assert contract_server.posts()[0][3] == {"service": "B", "priority": True}
    clock.now += 1
    ui.click(*_centre(_button(ui, "done").rect))
    assert ui.screen.page == "start" and not ui.screen.priority


def test_closed_service_and_empty_space_do_nothing(station, contract_server) -> None:
    ui = TouchUI(station, SIZE, background=False, clock=FakeClock())
    ui.refresh()
    ui.click(*_centre(_button(ui, "service", "D").rect))
    ui.click(2, SIZE[1] // 2)
    assert contract_server.posts() == []
    assert ui.screen.page == "start"


def test_language_toggle_changes_the_words(station) -> None:
    ui = TouchUI(station, SIZE, background=False, clock=FakeClock())
    ui.refresh()
    vietnamese = pygame.image.tobytes(_frame(ui), "RGB")
    ui.click(*_centre(_button(ui, "language").rect))
    assert ui.screen.language == "en"
    assert pygame.image.tobytes(_frame(ui), "RGB") != vietnamese


def test_unreachable_server_shows_an_error_page(kiosk_cfg) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    station = KioskStation.from_config(
        {**kiosk_cfg, "server_url": f"http://127.0.0.1:{port}"}, printer=Dummy()
    )
    station.client.retry_pause = 0.01
    try:
        ui = TouchUI(station, SIZE, background=False, clock=FakeClock())
        ui.refresh()
        assert ui.screen.page == "error"
        assert ui.screen.error.code == "unreachable"
        _frame(ui)
        assert [b.action for b in ui.screen.buttons()] == ["retry", "language"]
    finally:
        station.close()


def test_printer_out_of_paper_holds_an_error_page(kiosk_cfg, contract_server) -> None:
    device = NetworkPrinter(paper=PAPER_OUT)
    station = KioskStation.from_config(kiosk_cfg, printer=open_printer(device.spec))
    try:
        ui = TouchUI(station, SIZE, background=False, clock=FakeClock())
        ui.refresh()
        assert ui.screen.page == "error"
        assert ui.screen.error.message == "Máy in hết giấy — vui lòng liên hệ cán bộ"
        assert not [b for b in ui.screen.buttons() if b.action == "service"]
        _frame(ui)
        # paper loaded again: the next refresh brings the services back
        device.paper = 0x12
        ui.click(*_centre(_button(ui, "retry").rect))
        assert ui.screen.page == "start"
    finally:
        station.close()
        device.close()


def test_background_worker_keeps_the_screen_responsive(station, contract_server) -> None:
    ui = TouchUI(station, SIZE)
    try:
        ui.refresh()
        deadline = time.monotonic() + 10
        while ui.screen.page != "start" and time.monotonic() < deadline:
            ui.tick()
            time.sleep(0.01)
        ui.click(*_centre(_button(ui, "service", "C").rect))
        assert ui.screen.page == "busy"
        _frame(ui)  # "Đang in vé…"
        while ui.screen.page == "busy" and time.monotonic() < deadline:
            ui.tick()
            time.sleep(0.01)
        assert ui.screen.page == "confirm"
        assert ui.screen.ticket["number"] == "C001"
    finally:
        ui.close()
