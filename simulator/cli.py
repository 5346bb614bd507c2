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
        "--booking-share",
        type=float,
        default=0.15,
        help="share of citizens who book a slot ahead and check in at the kiosk (default 0.15)",
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
    _add_offline_commands(sub)
    return parser


def _add_offline_commands(sub) -> None:
    day = sub.add_parser(
        "day",
        help="simulate a whole day offline in seconds and print the manager's figures",
        description="Discrete-event simulation of one day: arrivals per field and hour, "
        "service times, counters and shifts, no-shows and priority, with the server's own "
        "call order. Prints issued/served/no-show, waits, service level per field and hour.",
    )
    day.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="hall profile TOML (default: simulator/profiles/camau.toml)",
    )
    day.add_argument("--seed", type=int, default=1, help="random seed (same seed, same day)")
    day.add_argument(
        "--learn-from",
        metavar="DATABASE_URL",
        default=None,
        help="learn arrivals and service times from real tickets in this database",
    )
    day.add_argument("--site", default="camau-hcc", help="site id, with --learn-from")
    day.add_argument("--from", dest="first", default=None, help="first day YYYY-MM-DD")
    day.add_argument("--to", dest="last", default=None, help="last day YYYY-MM-DD")
    day.add_argument(
        "--weekday", type=int, default=None, help="only this ISO weekday of the range (1 = Monday)"
    )

    what_if = sub.add_parser(
        "what-if",
        help="counters needed per hour for a service-level target (Erlang C + simulation)",
        description="For one field: the fewest counters per hour so that the target share of "
        "citizens is called within the target wait, by Erlang C; optionally checked by "
        "simulating the day many times with exactly that staffing.",
    )
    what_if.add_argument("--field", default="A", help="field code (label only)")
    what_if.add_argument(
        "--arrivals", required=True, help='citizens per hour as hour:count, e.g. "8:20,9:35,10:30"'
    )
    what_if.add_argument(
        "--service-min", type=float, required=True, help="mean service time in minutes"
    )
    what_if.add_argument(
        "--service-cv",
        type=float,
        default=1.0,
        help="coefficient of variation of service times for the simulation "
        "(1 = exponential, as Erlang C assumes; default 1)",
    )
    what_if.add_argument(
        "--target", default="80% within 15 min", help='e.g. "80%% within 15 min" (default)'
    )
    what_if.add_argument(
        "--check-by-simulation",
        action="store_true",
        help="simulate the day with the resulting staffing",
    )
    what_if.add_argument(
        "--appointment-share",
        type=float,
        default=None,
        help="share of the arrivals who booked (0..1): adds what keeping counters for "
        "appointments does to each hour",
    )
    what_if.add_argument(
        "--reserve-counters",
        type=int,
        default=1,
        help="counters kept for appointments, with --appointment-share (default 1)",
    )
    what_if.add_argument("--runs", type=int, default=300, help="simulated days (default 300)")
    what_if.add_argument("--seed", type=int, default=1)

    for name, text in (
        ("replay", "replay a simulated day through a real server started here"),
        ("live", "drive a running hall (kiosk HTTP + counter MQTT) with a simulated day"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument(
            "--profile",
            type=Path,
            default=None,
            help="hall profile TOML (default: simulator/profiles/camau.toml)",
        )
        p.add_argument(
            "--speed",
            type=float,
            default=60.0 if name == "replay" else 1.0,
            help="times faster than real time",
        )
        p.add_argument("--seed", type=int, default=1)
        if name == "replay":
            p.add_argument("--workdir", type=Path, default=Path("var/replay"))
        else:
            p.add_argument("--server", required=True, help="server URL, e.g. http://127.0.0.1:8080")
            p.add_argument("--token", required=True, help="a kiosk device token")
            p.add_argument("--mqtt", required=True, help="broker URL, e.g. mqtt://127.0.0.1:1883")
            p.add_argument("--site", required=True, help="site id (topic root motcua/{site})")
            p.add_argument(
                "--timeout",
                type=float,
                default=None,
                help="stop after this many seconds of wall time",
            )
            p.add_argument(
                "--finish-queue",
                action="store_true",
                help="officers stay past their shift until nobody waits",
            )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command != "demo":
        from protocol.config_file import ConfigError
        from simulator.subcommands import run_command

        try:
            return run_command(args)
        except (ConfigError, ValueError) as exc:
            print(f"simulator: {exc}", file=sys.stderr)
            return 2
    if args.command == "demo":
        from simulator.demo import run_demo

        if not 0 <= args.booking_share <= 1:
            print("simulator: --booking-share must be a number 0..1", file=sys.stderr)
            return 2
        return run_demo(
            args.workdir,
            speed=args.speed,
            arrivals_per_min=args.arrivals_per_min,
            booking_share=args.booking_share,
            duration=args.duration,
            http_port=args.port,
            windowed=args.windowed,
        )
    return 2


if __name__ == "__main__":
    sys.exit(main())
