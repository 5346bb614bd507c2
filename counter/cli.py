"""Command line of the officer call station: ``python -m counter run --config PATH``.

The station must survive what happens at a counter: a Pi booted before the server
(it keeps retrying the broker, never exits to be restarted in a loop), a Pi with no
GPIO (it falls back to mock pins and says so), and a bad config file (it names the
key and exits with status 2, so systemd shows the reason instead of a traceback).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from types import FrameType

from counter.station import CounterStation
from counter.station_config import StationConfig, load_station_config
from protocol.config_file import ConfigError

log = logging.getLogger("counter")

DEFAULT_CONFIG = "/etc/motcua/counter.toml"
EXIT_CONFIG = 2
EXIT_HARDWARE = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m counter",
        description="Trạm gọi số tại quầy (officer call station): GPIO buttons, LEDs and "
        "buzzer linked to the queue server over MQTT.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the call station until stopped (SIGTERM or Ctrl-C)")
    run.add_argument(
        "--config", default=DEFAULT_CONFIG, help=f"counter TOML file (default {DEFAULT_CONFIG})"
    )
    run.add_argument(
        "--mock-pins",
        action="store_true",
        help="use gpiozero's mock pins instead of real GPIO (for a PC or a demo)",
    )
    run.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        config = load_station_config(args.config)
    except ConfigError as exc:
        print(f"counter: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return run(config, mock_pins=args.mock_pins)


def run(config: StationConfig, *, mock_pins: bool) -> int:
    """Run until SIGTERM/SIGINT; returns the process exit status."""
    try:
        station = build_station(config, mock_pins=mock_pins)
    except Exception as exc:  # a pin already taken, no permission on /dev/gpiochip0 …
        log.error("cannot set up the counter's GPIO pins: %s", exc)
        return EXIT_HARDWARE

    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        log.info("stopping (%s)", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    station.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        station.close()
    return 0


def build_station(config: StationConfig, *, mock_pins: bool) -> CounterStation:
    """The station on real GPIO when there is any, else (or when asked) on mock pins."""
    from gpiozero import Device
    from gpiozero.exc import BadPinFactory
    from gpiozero.pins.mock import MockFactory

    if mock_pins:
        log.info("--mock-pins: using mock pins, buttons and LEDs are simulated")
        return CounterStation(config, pin_factory=MockFactory())
    try:
        with warnings.catch_warnings():
            # gpiozero warns for every pin library it tries; the outcome is logged below
            warnings.simplefilter("ignore")
            station = CounterStation(config)
    except BadPinFactory:
        log.warning(
            "no GPIO pin library works here (not a Raspberry Pi?): using mock pins, "
            "buttons and LEDs are simulated"
        )
        return CounterStation(config, pin_factory=MockFactory())
    if isinstance(Device.pin_factory, MockFactory):
        log.info("GPIOZERO_PIN_FACTORY=mock: using mock pins, buttons and LEDs are simulated")
    else:
        log.info("using GPIO pin factory %s", type(Device.pin_factory).__name__)
    return station
