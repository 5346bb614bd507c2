"""The board says what is wrong with its link: in the log, and on the screen."""

from __future__ import annotations

import time

import pygame

from display.board_view import PROBLEM_BG, TICKER_BG, Layout
from tests.display.board_testkit import wait_until, write_config
from tests.display.test_display_cli import running  # noqa: F401  (fixture)
from tests.support.mosquitto import free_port

SECRET = "mat-khau-man-hinh"


def ticker_colour(surface: pygame.Surface) -> tuple[int, int, int]:
    """The ticker's background, at its left edge (where no text is drawn)."""
    rect = Layout.for_size(*surface.get_size()).ticker
    return tuple(surface.get_at((rect.left + 2, rect.top + 2)))[:3]


def test_the_board_process_logs_the_broker_it_cannot_reach(running, site, device_id, tmp_path):  # noqa: F811
    port = free_port()
    url = f"mqtt://{device_id}:{SECRET}@127.0.0.1:{port}"
    config = write_config(tmp_path / "display.toml", url, site, device_id)
    proc = running(config, "--exit-after", "3")
    assert proc.wait(30) == 0
    log = (tmp_path / "display-0.log").read_text()
    shown = f"mqtt://{device_id}@127.0.0.1:{port}"
    assert f"cannot reach the broker at {shown}: connection refused" in log
    assert SECRET not in log


def test_a_site_the_server_does_not_serve_is_said_on_the_screen(
    live_server, board_app_factory, tmp_path, running, device_id  # noqa: F811
):
    app = board_app_factory(live_server.mqtt_url, site="camau-hc", board_timeout_s=1)
    wait_until(lambda: (app.pump(0.1), app.state.problem)[1], 10)
    assert app.state.problem == "Máy chủ không biết điểm giao dịch camau-hc"
    assert ticker_colour(app.render()) == PROBLEM_BG

    # the real process, screenshot and log
    shot = tmp_path / "board.png"
    config = write_config(tmp_path / "display.toml", live_server.mqtt_url, "camau-hc",
                          device_id, board_timeout_s=1)
    proc = running(config, "--screenshot", str(shot), "--exit-after", "4")
    assert proc.wait(30) == 0
    assert "no board for site camau-hc" in (tmp_path / "display-0.log").read_text()
    assert ticker_colour(pygame.image.load(str(shot))) == PROBLEM_BG


def test_the_site_the_server_serves_shows_no_problem(live_server, board_app_factory):
    app = board_app_factory(live_server.mqtt_url, site=live_server.site, board_timeout_s=1)
    wait_until(lambda: (app.pump(0.1), app.state.last_seq is not None)[1], 10)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        app.pump(0.1)
    assert app.state.problem == ""
    assert ticker_colour(app.render()) == TICKER_BG


def test_a_counter_screen_says_it_in_its_footer(live_server, board_app_factory):
    from display.board_view import OFFLINE
    from display.counter_view import CounterLayout

    app = board_app_factory(live_server.mqtt_url, site="camau-hc", mode="counter",
                            counter="5", board_timeout_s=1)
    wait_until(lambda: (app.pump(0.1), app.state.problem)[1], 10)
    assert app.state.connected  # the red text is the problem, not "Mất kết nối"
    frame = app.render()
    footer = CounterLayout.for_size(*frame.get_size()).footer
    right = range(footer.centerx, footer.right)
    assert any(tuple(frame.get_at((x, y)))[:3] == OFFLINE
               for x in right for y in range(footer.top, footer.bottom, 2))
