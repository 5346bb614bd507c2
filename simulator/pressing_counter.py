"""A counter process whose officer presses "next" on a timer: the call station's own code.

``python -m simulator.pressing_counter --config counter.toml --every 0.5`` runs the
same ``CounterStation`` as ``python -m counter run --mock-pins`` and presses its
mock "next" button every ``--every`` seconds, so the memory of a busy counter
process can be measured from outside.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from counter.cli import build_station
from counter.station_config import load_station_config
from protocol.config_file import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.pressing_counter")
    parser.add_argument("--config", required=True)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between presses")
    args = parser.parse_args(argv)
    try:
        config = load_station_config(args.config)
    except ConfigError as exc:
        print(f"pressing_counter: {exc}", file=sys.stderr)
        return 2
    station = build_station(config, mock_pins=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    station.start()
    try:
        station.wait_connected(10)
        while not stop.wait(args.every):
            station.press("next")
    finally:
        station.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
