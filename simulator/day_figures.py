"""The manager's figures (DESIGN.md section 6) of a simulated day, and their tables.

Same definitions as the server's statistics: wait = issue → first call, service
time = call → done, service level = share of called tickets called within the
field's target wait.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from simulator.day_simulation import DayResult, SimTicket


@dataclass(frozen=True)
class Figures:
    label: str
    issued: int
    served: int
    no_show: int
    expired: int
    wait_mean_s: float | None
    wait_median_s: float | None
    wait_p90_s: float | None
    wait_max_s: float | None
    service_mean_s: float | None
    service_level_pct: float | None
    estimate_mae_s: float | None
    proposed_estimate_mae_s: float | None


def _p90(values: Sequence[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def figures_of(label: str, tickets: Iterable[SimTicket], targets: dict[str, float]) -> Figures:
    tickets = list(tickets)
    called = [t for t in tickets if t.called_at is not None]
    waits = sorted(t.wait_s for t in called)  # type: ignore[type-var]
    services = [t.service_s for t in tickets if t.status == "done"]
    within = sum(1 for t in called if t.wait_s <= targets[t.field])  # type: ignore[operator]
    return Figures(
        label=label,
        issued=len(tickets),
        served=sum(1 for t in tickets if t.status == "done"),
        no_show=sum(1 for t in tickets if t.status == "no_show"),
        expired=sum(1 for t in tickets if t.status == "expired"),
        wait_mean_s=statistics.fmean(waits) if waits else None,
        wait_median_s=statistics.median(waits) if waits else None,
        wait_p90_s=_p90(waits),
        wait_max_s=waits[-1] if waits else None,
        service_mean_s=statistics.fmean(services) if services else None,
        service_level_pct=100 * within / len(called) if called else None,
        estimate_mae_s=(
            statistics.fmean(abs(t.estimate_s - t.wait_s) for t in called) if called else None
        ),
        proposed_estimate_mae_s=(
            statistics.fmean(abs(t.proposed_estimate_s - t.wait_s) for t in called)
            if called
            else None
        ),
    )


@dataclass(frozen=True)
class DayReport:
    total: Figures
    by_field: list[Figures]
    by_hour: list[tuple[int, int, Figures]]  # (hour, counters on shift, figures)


def day_report(result: DayResult) -> DayReport:
    targets = {f.code: f.target_wait_s for f in result.profile.fields}
    tickets = result.tickets
    by_field = [
        figures_of(f"{f.code} {f.name}"[:26], (t for t in tickets if t.field == f.code), targets)
        for f in result.profile.fields
    ]
    hours = sorted({int(t.issued_at // 3600) for t in tickets})
    by_hour = [
        (
            h,
            result.counters_by_hour.get(h, 0),
            figures_of(
                f"{h:02d}:00", (t for t in tickets if int(t.issued_at // 3600) == h), targets
            ),
        )
        for h in hours
    ]
    return DayReport(figures_of("Tổng / total", tickets, targets), by_field, by_hour)


def _min(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} %"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain text table (monospace), right-aligned numbers."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


_HEADERS = (
    "",
    "issued",
    "served",
    "no-show",
    "expired",
    "wait mean",
    "median",
    "p90",
    "max",
    "service",
    "SL",
    "est. MAE",
    "proposed MAE",
)


def _row(f: Figures) -> list[str]:
    return [
        f.label,
        str(f.issued),
        str(f.served),
        str(f.no_show),
        str(f.expired),
        _min(f.wait_mean_s),
        _min(f.wait_median_s),
        _min(f.wait_p90_s),
        _min(f.wait_max_s),
        _min(f.service_mean_s),
        _pct(f.service_level_pct),
        _min(f.estimate_mae_s),
        _min(f.proposed_estimate_mae_s),
    ]


def render_report(report: DayReport) -> str:
    """The day as three tables: the whole day, per field, per hour (minutes, %)."""
    fields = render_table(_HEADERS, [_row(f) for f in report.by_field] + [_row(report.total)])
    hours = render_table(
        ("hour", "counters", *_HEADERS[1:]),
        [[_row(f)[0], str(n), *_row(f)[1:]] for _, n, f in report.by_hour],
    )
    return (
        "Theo lĩnh vực / per field (times in minutes; SL = called within the field's target)\n"
        f"{fields}\n\n"
        "Theo giờ lấy số / per hour of issue\n"
        f"{hours}\n"
    )
