"""Command line of the kiosk: ``run`` the touch screen, ``print-ticket`` for installers,
``screenshots`` for the manual.

``print-ticket`` takes one real ticket from the server and prints it, which proves
in one step that the token, the network and the printer all work. Exit status:
0 done, 1 the server or the printer failed, 2 the configuration is wrong.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk.fonts import MissingFontError
from kiosk.kiosk_error import KioskError
from kiosk.ticket_image import wait_minutes
from protocol.config_file import ConfigError, load_config

EXIT_FAILED = 1
EXIT_CONFIG = 2
DEFAULT_CONFIG = "/etc/motcua/kiosk.toml"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk",
        description="MotCua ticket kiosk: touch screen and ticket printer.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the touch screen kiosk")
    run.add_argument("--config", default=DEFAULT_CONFIG, metavar="PATH",
                     help=f"kiosk TOML config (default {DEFAULT_CONFIG})")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--fullscreen", dest="fullscreen", action="store_true", default=None,
                      help="full screen (default: the config's 'fullscreen' key)")
    mode.add_argument("--windowed", dest="fullscreen", action="store_false",
                      help="in a window")
    run.add_argument("--exit-after", type=float, metavar="SECONDS",
                     help="stop after SECONDS (bench and soak runs)")
    run.add_argument("--tap-every", type=float, metavar="SECONDS",
                     help="soak test: tap the first open service every SECONDS "
                          "(takes and prints real numbers; never on a kiosk in service)")

    shots = sub.add_parser("screenshots", help="write PNGs of every screen and a sample ticket")
    shots.add_argument("--out", default="docs/kiosk", metavar="DIR",
                       help="output folder (default: docs/kiosk)")
    shots.add_argument("--site", metavar="PATH", help="site TOML for the sample services "
                       "(default: firmware_config/examples/site.toml)")

    pt = sub.add_parser("print-ticket", help="take one real ticket from the server and print it")
    pt.add_argument("--service", required=True, metavar="CODE", help="service code, e.g. A")
    pt.add_argument("--priority", action="store_true", help="a priority ticket (ưu tiên)")
    pt.add_argument("--printer", metavar="SPEC",
                    help="usb:VID:PID | serial:DEV[:BAUD] | net:HOST[:PORT] | file:PATH | dummy")
    pt.add_argument("--profile", metavar="NAME", help="python-escpos profile, e.g. TM-T20II")
    pt.add_argument("--config", metavar="PATH", help="kiosk TOML config")
    pt.add_argument("--server", metavar="URL", help="server URL, e.g. http://192.168.1.10:8080")
    pt.add_argument("--token", metavar="TOKEN", help="the kiosk's device token")
    pt.add_argument("--language", choices=("vi", "en"), help="ticket language")
    return parser


def _print_ticket(args: argparse.Namespace) -> int:
    from kiosk.station import KioskStation

    cfg = load_config(args.config)
    for key, value in (("server_url", args.server), ("device_token", args.token),
                       ("printer", args.printer), ("profile", args.profile),
                       ("language", args.language)):
        if value is not None:
            cfg[key] = value
    cfg.setdefault("site", "local")
    cfg.setdefault("device_id", "print-ticket")
    # a one-off print must not take over the running kiosk's broker session and status
    cfg.pop("mqtt_url", None)
    station = KioskStation.from_config(cfg)
    try:
        ticket = station.take_ticket(args.service, args.priority)
    finally:
        station.close()
    minutes = wait_minutes(int(ticket.get("estimated_wait_s", 0)))
    print(f"Đã lấy số / Ticket taken: {ticket['number']} "
          f"(trước bạn / ahead: {ticket.get('ahead', 0)}, khoảng / about {minutes} phút / min)")
    return 0


def _open_buttons(pins: dict[str, int], ui: object) -> object | None:
    """The configured physical buttons, or None (with a log line) when GPIO is missing."""
    if not pins:
        return None
    from kiosk.service_buttons import ServiceButtons

    try:
        return ServiceButtons(pins, ui.press_service, ui.press_priority)
    except Exception as exc:  # no GPIO on this machine: the touch screen still works
        logging.getLogger("kiosk").error("physical buttons unavailable: %s", exc)
        return None


def _soak_tapper(ui: object, every: float) -> Callable[[], None]:
    """Posts a tap on the first open service every ``every`` seconds into pygame's queue."""
    import pygame

    next_tap = time.monotonic() + every

    def tap() -> None:
        nonlocal next_tap
        if time.monotonic() < next_tap:
            return
        next_tap = time.monotonic() + every
        screen = ui.screen
        if screen.page == "confirm":
            screen.back_to_start(time.monotonic())
        target = next((b for b in screen.buttons() if b.action == "service" and b.enabled), None)
        if target is not None:
            x, y, w, h = target.rect
            pygame.event.post(pygame.event.Event(
                pygame.MOUSEBUTTONDOWN, pos=(x + w // 2, y + h // 2), button=1))

    return tap


def _run(args: argparse.Namespace) -> int:
    from kiosk.station import KioskStation
    from kiosk.ticket_voice import start_ticket_voice
    from kiosk.touch_ui import TouchUI

    cfg = load_config(args.config)
    station = KioskStation.from_config(cfg)
    config = station.config
    # systemd stops the kiosk with SIGTERM: leave through the normal path so the
    # offline status is published and the printer closed
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    fullscreen = config.fullscreen if args.fullscreen is None else args.fullscreen
    voice = start_ticket_voice(config)
    ui = TouchUI(station, language=config.language, lockout=config.lockout_s, voice=voice,
                 appointments=config.appointments,
                 keyboard_scanner=config.scanner.kind == "keyboard")
    buttons = _open_buttons(config.buttons, ui)
    scanner = None
    if config.scanner.kind == "serial":
        from kiosk.barcode_scanner import SerialScanner

        scanner = SerialScanner(config.scanner.device, ui.scan,
                                baudrate=config.scanner.baudrate).start()
    deadline = None if args.exit_after is None else time.monotonic() + args.exit_after
    tapper = _soak_tapper(ui, args.tap_every) if args.tap_every else None

    def until() -> bool:
        if tapper is not None:
            tapper()
        return deadline is not None and time.monotonic() >= deadline

    try:
        ui.run(fullscreen=fullscreen, until=until)
    finally:
        if buttons is not None:
            buttons.close()
        if scanner is not None:
            scanner.stop()
        station.close()
    return 0


def _screenshots(args: argparse.Namespace) -> int:
    from kiosk.screenshots import SAMPLE_SITE, write_screenshots

    try:
        paths = write_screenshots(Path(args.out), Path(args.site) if args.site else SAMPLE_SITE)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        print(f"error: {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONFIG
    for path in paths:
        print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    command = {"print-ticket": _print_ticket, "screenshots": _screenshots}.get(args.command, _run)
    try:
        return command(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KioskError as exc:
        print(f"Lỗi: {exc.message}\nError: {exc.message_en} [{exc.code}]", file=sys.stderr)
        return EXIT_FAILED
    except (MissingFontError, RuntimeError, OSError) as exc:
        print(f"Lỗi / Error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 0
