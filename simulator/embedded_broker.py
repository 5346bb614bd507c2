"""A fallback MQTT broker for the demo when Mosquitto is not installed (amqtt, loopback only).

Run as ``python -m simulator.embedded_broker PORT``. Production and tests always use
Mosquitto; this only lets ``make demo`` work on a machine without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys


async def serve(port: int) -> None:
    from amqtt.broker import Broker

    config = {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }
    broker = Broker(config)
    await broker.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    with contextlib.suppress(Exception):
        await broker.shutdown()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m simulator.embedded_broker PORT")
    asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
