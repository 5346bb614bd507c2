"""Peak memory of the server and counter processes, and the counter's idle CPU.

Each is the real program as a subprocess: ``python -m queue_server run`` under 8 s of
ticket load from 50 wrk clients; ``python -m counter run --mock-pins`` idle for 20 s
(CPU and memory); and the same station code pressing "next" twice a second
(``simulator.pressing_counter``). Memory is VmHWM (peak resident set) from /proc.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_queue import wrk_issue
from benchmarks.figures import Figure
from benchmarks.load_hall import cpu_seconds, kiosk_token, proc_status, running_hall

ROOT = Path(__file__).resolve().parents[1]
IDLE_S = 20
PRESSING_S = 15


def _counter_config(stack, path: Path) -> Path:
    path.write_text(
        f'site = "{stack.site}"\ndevice_id = "counter-1"\ncounter = "1"\n'
        f'mqtt_url = "{stack.mqtt_url}"\ndebounce_s = 0.3\n\n'
        "[buttons]\nnext = 17\nrecall = 27\nskip = 22\n\n[leds]\nonline = 5\nbusy = 6\n"
    )
    return path


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "GPIOZERO_PIN_FACTORY": "mock"},
    )


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run(progress) -> list[Figure]:
    figures: list[Figure] = []
    with running_hall() as stack:
        server = stack.procs["server"]
        # tickets for the pressing counter to call
        if shutil.which("wrk"):
            progress("server under 8 s of ticket load")
            result = wrk_issue(stack.server_url, kiosk_token(stack), seconds=8)
            peak = proc_status(server.pid, "VmHWM") / 1024
            figures.append(
                Figure(
                    "Peak RSS, server",
                    peak,
                    "MB",
                    "-",
                    "VmHWM of `python -m queue_server run` (SQLite, waitress 32 threads) "
                    f"after 8 s of 50 wrk clients issuing tickets ({result['requests']} requests)",
                )
            )
        config = _counter_config(stack, stack.workdir / "counter.toml")
        progress(f"counter idle for {IDLE_S} s")
        counter = _spawn(
            [
                "-m",
                "counter",
                "run",
                "--mock-pins",
                "--config",
                str(config),
                "--log-level",
                "WARNING",
            ],
            stack.workdir / "counter.log",
        )
        try:
            time.sleep(3)  # imports and connection done
            cpu0, t0 = cpu_seconds(counter.pid), time.monotonic()
            time.sleep(IDLE_S)
            cpu = (cpu_seconds(counter.pid) - cpu0) / (time.monotonic() - t0) * 100
            idle_rss = proc_status(counter.pid, "VmHWM") / 1024
        finally:
            _stop(counter)
        figures += [
            Figure(
                "Idle CPU, counter",
                cpu,
                "% of one core",
                "-",
                f"`python -m counter run --mock-pins` connected, no presses, user+system "
                f"CPU over {IDLE_S} s from /proc/PID/stat",
            ),
            Figure(
                "Peak RSS, counter (idle)",
                idle_rss,
                "MB",
                "-",
                "VmHWM of the same process after the idle period",
            ),
        ]
        progress(f"counter pressing next twice a second for {PRESSING_S} s")
        pressing = _spawn(
            ["-m", "simulator.pressing_counter", "--config", str(config), "--every", "0.5"],
            stack.workdir / "pressing.log",
        )
        try:
            time.sleep(PRESSING_S)
            busy_rss = proc_status(pressing.pid, "VmHWM") / 1024
        finally:
            _stop(pressing)
        figures.append(
            Figure(
                "Peak RSS, counter (pressing)",
                busy_rss,
                "MB",
                "-",
                f"VmHWM of the same CounterStation code pressing 'next' every 0.5 s for "
                f"{PRESSING_S} s (simulator.pressing_counter; calls answered by the server)",
            )
        )
    return figures
