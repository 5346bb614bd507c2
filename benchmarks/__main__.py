"""Run every ``benchmarks/bench_*.py`` and rewrite BENCHMARKS.md.

Each module has ``run(progress) -> list[Figure]``; ``progress(text)`` shows where a
long run is. ``python -m benchmarks [NAME ...]`` runs only the named modules.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.figures import Figure, machine

ROOT = Path(__file__).resolve().parents[1]


_suite_started = time.monotonic()
_run_started = time.monotonic()


def progress(text: str) -> None:
    """One line per step, with the time spent in this suite and in the whole run."""
    now = time.monotonic()
    print(
        f"  … [{now - _suite_started:4.0f} s | total {now - _run_started:4.0f} s] {text}",
        flush=True,
    )


def main(argv: list[str]) -> int:
    folder = str(Path(__file__).parent)
    names = sorted(m.name for m in pkgutil.iter_modules([folder]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if n.removeprefix("bench_") in argv or n in argv]
    rows: list[tuple[str, Figure]] = []
    failures: list[str] = []
    started = time.monotonic()
    global _suite_started
    for index, name in enumerate(names, 1):
        print(f"[{index}/{len(names)}] {name}", flush=True)
        t0 = _suite_started = time.monotonic()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for fig in module.run(progress):
                rows.append((name, fig))
                print(f"    {fig.name}: {fig.value_text()} (goal {fig.goal})", flush=True)
        except Exception:
            failures.append(name)
            traceback.print_exc()
        print(f"    done in {time.monotonic() - t0:.0f} s", flush=True)
    write_report(rows, failures, time.monotonic() - started)
    return 1 if failures else 0


def write_report(rows: list[tuple[str, Figure]], failures: list[str], seconds: float) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench`; every figure is measured on the machine named below,",
        "in one run.",
        "",
        f"Machine: {machine()}. Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {seconds:.0f} s.",
        "",
        "| figure | value | goal | how measured | suite |",
        "|---|---|---|---|---|",
    ]
    for suite, fig in rows:
        lines.append(
            f"| {fig.name} | {fig.value_text()} | {fig.goal} | {fig.method} | "
            f"{suite.removeprefix('bench_')} |"
        )
    if failures:
        lines += ["", "Failed suites (see the run's output): " + ", ".join(failures)]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
