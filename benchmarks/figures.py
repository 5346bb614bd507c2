"""A measured figure and the table BENCHMARKS.md is made of."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One row of BENCHMARKS.md: what, how much, the goal, and how it was measured."""

    name: str
    value: float | int | str
    unit: str
    goal: str
    method: str

    def value_text(self) -> str:
        if isinstance(self.value, float):
            text = f"{self.value:.1f}" if abs(self.value) >= 10 else f"{self.value:.2f}"
        else:
            text = str(self.value)
        return f"{text} {self.unit}".strip()


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0-100) of the samples, inclusive method."""
    data = sorted(samples)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    return statistics.quantiles(data, n=100, method="inclusive")[max(0, min(98, round(p) - 1))]


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
