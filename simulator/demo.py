"""``make demo``: a whole simulated hall on one machine, until Ctrl-C.

Starts a private broker, the queue server with the sample Vietnamese site, a display
board (a window, or PNG screenshots when there is no screen), a kiosk printing to a
file, six counters on mock GPIO pins, and simulated citizens and officers. Some
citizens have booked ahead: they book a slot through the booking API and check in at
the kiosk, whose appointment ticket prints like any other. The sample site's fields
keep their appointment rules, except that field A takes appointments all day, every
day, in 5-minute slots, so the demo books at any hour.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import threading
import time
from pathlib import Path

from simulator.booking_citizen import BookingCitizens, BookingTally
from simulator.call_watch import CallWatch
from simulator.hall_people import Citizens, HallTally, Officer
from simulator.hall_stack import EXAMPLE_SITE, HallStack

#: field A's appointments in the demo: every 5 minutes, all day, every day
DEMO_APPOINTMENTS = (
    'appointments = { slot_min = 5, per_slot = 4, days_ahead = 7, prefix = "H", '
    'hours = ["00:00-24:00"], weekdays = [1, 2, 3, 4, 5, 6, 7], max_share = 0.5 }'
)


def demo_site_text() -> str:
    """The sample site with field A's appointments open at any hour."""
    text = EXAMPLE_SITE.read_text(encoding="utf-8")
    start = text.index("appointments = {", text.index('code = "A"'))
    return text[:start] + DEMO_APPOINTMENTS + text[text.index("\n", start):]

log = logging.getLogger(__name__)


def run_demo(
    workdir: Path,
    *,
    speed: float,
    arrivals_per_min: float,
    duration: float,
    booking_share: float = 0.15,
    http_port: int,
    windowed: bool | None,
) -> int:
    from gpiozero.pins.mock import MockFactory

    from counter.station import CounterStation
    from kiosk.station import KioskStation

    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    tickets_bin = workdir / "tickets.bin"
    ticket_png = workdir / "last-ticket.png"
    board_png = workdir / "board.png"
    if windowed is None:
        windowed = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))

    site_file = workdir / "site.toml"
    site_file.write_text(demo_site_text(), encoding="utf-8")
    stack = HallStack(workdir, site_file=site_file, http_port=http_port)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    people: list = []
    stations: list = []
    watch = None
    tally = HallTally()
    bookings = BookingTally()
    started = time.monotonic()
    try:
        print("Đang khởi động sảnh mô phỏng / starting the simulated hall …", flush=True)
        stack.start_broker()
        stack.start_server()
        stack.start_display(board_png, windowed)

        kiosk = KioskStation.from_config(
            {
                "site": stack.site,
                "device_id": "kiosk-1",
                "server_url": stack.server_url,
                "device_token": stack.tokens["kiosk-1"],
                "mqtt_url": stack.mqtt_url,
                "printer": f"file:{tickets_bin}",
                "profile": "TM-T20II",
                "language": "vi",
                # its pending cancels stay with the demo's files, not in the checkout
                "data_dir": str(stack.workdir / "kiosk"),
            }
        )
        stations.append(kiosk)
        factory = MockFactory()
        officers: dict[str, Officer] = {}
        for n in range(1, 7):
            pins = {"next": 2 + n * 3, "recall": 3 + n * 3, "skip": 4 + n * 3}
            station = CounterStation.from_config(
                {
                    "site": stack.site,
                    "device_id": f"counter-{n}",
                    "counter": str(n),
                    "mqtt_url": stack.mqtt_url,
                    "debounce_s": 0.3,
                "skip_hold_s": 0,  # simulated officers tap skip; real panels hold it

                    "buttons": pins,
                },
                pin_factory=factory,
            )
            station.start()
            stations.append(station)
            officers[str(n)] = Officer(station, tally, speed, seed=n)

        def press_time(counter: str) -> float | None:
            officer = officers.get(counter)
            return officer.last_press if officer else None

        watch = CallWatch(stack.mqtt_url, stack.site, press_time)
        watch.start()
        bookers = BookingCitizens(stack.server_url, kiosk.check_in, tally=bookings)
        citizens = Citizens(kiosk, tally, arrivals_per_min, bookers=bookers,
                            booking_share=booking_share)
        people = [citizens, *officers.values()]
        for p in people:
            p.start()

        _print_banner(stack, tickets_bin, ticket_png, board_png, windowed, speed)
        last_report = 0.0
        while not stop.wait(0.5):
            elapsed = time.monotonic() - started
            if kiosk.last_image is not None:
                _save_png(kiosk.last_image, ticket_png)
            if elapsed - last_report >= 5:
                last_report = elapsed
                _print_status(tally, watch, elapsed, bookings=bookings)
            if duration and elapsed >= duration:
                break
        return 0
    except Exception as exc:
        log.exception("demo failed")
        print(f"Lỗi / error: {exc}. Logs are in {workdir}.", flush=True)
        return 1
    finally:
        print("\nĐang dừng / stopping …", flush=True)
        for p in people:
            p.stop()
        for p in people:
            p.join(5)
        if watch is not None:
            watch.stop()
        for s in reversed(stations):
            try:
                s.close()
            except Exception:
                log.exception("closing %s", s)
        stack.stop()
        elapsed = time.monotonic() - started
        _print_status(tally, watch, elapsed, final=True, bookings=bookings)
        print(f"Logs and files: {workdir}", flush=True)


def _save_png(image, path: Path) -> None:
    tmp = path.with_suffix(".tmp.png")
    image.save(tmp)
    os.replace(tmp, path)


def _print_banner(
    stack: HallStack,
    tickets_bin: Path,
    ticket_png: Path,
    board_png: Path,
    windowed: bool,
    speed: float,
) -> None:
    print(
        "\n"
        f"  Sảnh đang chạy / the hall is running (time ×{speed:g}); Ctrl-C dừng / stops.\n"
        f"  Broker              : {stack.mqtt_url} ({stack.broker_kind})\n"
        f"  Trạng thái hàng đợi : {stack.server_url}/\n"
        f"  API                 : {stack.server_url}/api/v1/services\n"
        f"  Phiếu in (ESC/POS)  : {tickets_bin}\n"
        f"  Phiếu mới nhất (PNG): {ticket_png}\n"
        f"  Bảng hiển thị       : "
        f"{'a window on this screen' if windowed else ''}"
        f"{' and ' if windowed else ''}{board_png}\n"
        f"  Nhật ký / logs      : {stack.workdir}/*.log\n",
        flush=True,
    )


def _print_status(
    tally: HallTally,
    watch: CallWatch | None,
    elapsed: float,
    final: bool = False,
    bookings: BookingTally | None = None,
) -> None:
    rate = tally.issued / elapsed if elapsed > 0 else 0.0
    calls = watch.calls if watch else 0
    delay = watch.percentiles() if watch else None
    delay_text = f"call delay p50 {delay[0]:.1f} ms, p99 {delay[1]:.1f} ms" if delay else "-"
    refused = sum(tally.refused.values())
    prefix = "Tổng kết / summary" if final else f"[{elapsed:5.0f} s]"
    print(
        f"{prefix}: {tally.issued} phiếu/tickets ({rate:.2f}/s), {calls} lượt gọi/calls, "
        f"{refused} từ chối/refused; {delay_text}"
        + (f"; {bookings.line()}" if bookings is not None else ""),
        flush=True,
    )
