"""Command line of the hall board: ``python -m display run --config PATH``."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from protocol.config_file import ConfigError

DEFAULT_CONFIG = "/etc/motcua/display.toml"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m display",
        description="Hall display board of MotCua Queue: shows calls from the MQTT broker.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="show the board (full screen unless --windowed)")
    run.add_argument(
        "--config", default=DEFAULT_CONFIG, help=f"display TOML file (default {DEFAULT_CONFIG})"
    )
    run.add_argument(
        "--screenshot",
        metavar="PATH",
        help="write the current frame as PNG to PATH whenever the board changes, and at exit",
    )
    run.add_argument(
        "--exit-after",
        metavar="SECONDS",
        type=float,
        help="stop cleanly after this many seconds (headless demos and tests)",
    )
    run.add_argument(
        "--windowed", action="store_true", help="use a window even if the config says fullscreen"
    )
    run.add_argument("--verbose", "-v", action="store_true", help="log every message")
    shots = sub.add_parser(
        "screenshots",
        help="draw the board with sample content (landscape, portrait, counter mode) as PNGs",
    )
    shots.add_argument("--out", required=True, help="folder for the PNG files")
    shots.add_argument(
        "--config", help="take centre name, language and viewing distance from this config"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if getattr(args, "exit_after", None) is not None and args.exit_after < 0:
        print("error: --exit-after must be 0 or more seconds", file=sys.stderr)
        return 2
    # imported here so that --help and config errors stay quick and need no pygame
    from display.display_config import load_display_config

    try:
        config = load_display_config(args.config) if args.config else None
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    if args.command == "screenshots":
        from display.sample_frames import write_sample_frames

        try:
            paths = write_sample_frames(args.out, config)
        except OSError as exc:
            print(f"error: --out {exc.filename or args.out}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
        for path in paths:
            print(path)
        return 0
    if config is None:
        print("error: no config file", file=sys.stderr)
        return 2
    if args.screenshot:
        folder = Path(args.screenshot).absolute().parent
        if not folder.is_dir():
            print(f"error: --screenshot {args.screenshot}: no folder {folder}", file=sys.stderr)
            return 2
    from display.board_app import BoardApp
    from display.video_driver import video_driver_for

    driver = video_driver_for(os.environ)
    if driver is not None:
        os.environ["SDL_VIDEODRIVER"] = driver
        if driver == "offscreen":
            logging.getLogger("display").warning(
                "no screen (no DISPLAY, WAYLAND_DISPLAY or /dev/dri/card*): the board is "
                "drawn offscreen only%s", f" into {args.screenshot}" if args.screenshot else ""
            )
    app = BoardApp(config, screenshot=args.screenshot, windowed=args.windowed)
    signal.signal(signal.SIGTERM, lambda signum, frame: app.stop())
    signal.signal(signal.SIGINT, lambda signum, frame: app.stop())
    import pygame

    try:
        app.run(exit_after=args.exit_after)
    except pygame.error as exc:
        # no usable screen (no HDMI, wrong SDL_VIDEODRIVER): say so plainly
        print(f"error: cannot open the screen: {exc}", file=sys.stderr)
        return 1
    return 0
