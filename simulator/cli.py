"""``python -m simulator``: a simulated hall on one machine."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="MotCua Queue simulator: a whole hall of citizens, officers and devices.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="run a whole simulated hall until Ctrl-C",
        description="Start a private broker, the server with the sample site, a display, a "
        "kiosk printing to a file, six mock-GPIO counters, citizens and officers.",
    )
    demo.add_argument(
        "--workdir",
        type=Path,
        default=Path("var/demo"),
        help="where logs, the database, tickets and screenshots go",
    )
    demo.add_argument(
        "--speed",
        type=float,
        default=30.0,
        help="how many times faster than real time services run (default 30)",
    )
    demo.add_argument(
        "--arrivals-per-min",
        type=float,
        default=40.0,
        help="citizens arriving per minute of demo time (default 40)",
    )
    demo.add_argument(
        "--duration",
        type=float,
        default=0.0,
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    demo.add_argument(
        "--port",
        type=int,
        default=8080,
        help="HTTP port of the server (default 8080, another if busy)",
    )
    screen = demo.add_mutually_exclusive_group()
    screen.add_argument(
        "--windowed",
        dest="windowed",
        action="store_true",
        default=None,
        help="show the board in a window",
    )
    screen.add_argument(
        "--headless",
        dest="windowed",
        action="store_false",
        help="no window: the board is written as PNG screenshots",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "demo":
        from simulator.demo import run_demo

        return run_demo(
            args.workdir,
            speed=args.speed,
            arrivals_per_min=args.arrivals_per_min,
            duration=args.duration,
            http_port=args.port,
            windowed=args.windowed,
        )
    return 2


if __name__ == "__main__":
    sys.exit(main())
