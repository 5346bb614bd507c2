"""Run every ``benchmarks/bench_*.py`` and rewrite BENCHMARKS.md.

Each module has ``run(progress) -> list[Figure]``; ``progress(text)`` shows where a
long run is. ``python -m benchmarks [NAME ...]`` runs only the named modules and keeps
the other suites' rows of BENCHMARKS.md as they were.
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
    kept = kept_rows(names) if argv else []
    write_report(rows, failures, time.monotonic() - started, kept, names if argv else None)
    return 1 if failures else 0


def kept_rows(run: list[str]) -> list[tuple[str, str]]:
    """``(suite, table line)`` of the suites a partial run did not touch, from BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    if not path.exists():
        return []
    done = {name.removeprefix("bench_") for name in run}
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) < 5 or cells[0] == "figure":
            continue
        if cells[-1] not in done:
            kept.append((cells[-1], line))
    return kept


def write_report(rows: list[tuple[str, Figure]], failures: list[str], seconds: float,
                 kept: list[tuple[str, str]] | None = None,
                 partial: list[str] | None = None) -> None:
    run_note = f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {seconds:.0f} s"
    if partial:
        suites = ", ".join(n.removeprefix("bench_") for n in partial)
        run_note += f" (only {suites}; the other rows are from an earlier run)"
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench`; every figure is measured on the machine named below,",
        "in one run.",
        "",
        f"Machine: {machine()}. {run_note}.",
        "",
        "| figure | value | goal | how measured | suite |",
        "|---|---|---|---|---|",
    ]
    table = list(kept or [])
    for suite, fig in rows:
        name = suite.removeprefix("bench_")
        table.append((name, f"| {fig.name} | {fig.value_text()} | {fig.goal} | {fig.method} | "
                            f"{name} |"))
    lines += [line for _, line in sorted(table, key=lambda row: row[0])]
    if failures:
        lines += ["", "Failed suites (see the run's output): " + ", ".join(failures)]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
