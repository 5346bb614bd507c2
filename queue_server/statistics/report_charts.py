"""Charts of a report as inline SVG (pygal), drawn on the server: no CDN, no JavaScript.

Labels arrive already translated, so this module knows figures, not languages.
"""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

_STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#222222",
    foreground_strong="#111111",
    foreground_subtle="#777777",
    colors=("#0b3d91", "#e07b00", "#2a8f3c", "#b22222", "#6a4c93"),
    font_family="DejaVu Sans, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=15,
    value_font_size=11,
)


#: pygal always embeds a small configuration script for its tooltips; the page needs none
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


def _svg(chart) -> str:
    return _SCRIPT.sub("", chart.render(is_unicode=True))


def _config(title: str) -> dict:
    return dict(
        title=title,
        style=_STYLE,
        js=[],  # pygal links a tooltip script from the internet unless told not to
        disable_xml_declaration=True,
        height=320,
        width=760,
        legend_at_bottom=True,
        print_values=False,
        show_minor_x_labels=True,
        truncate_label=-1,
    )


def _add(chart, title: str, values: list, **options) -> None:
    """Add a series unless it has no value at all (pygal cannot scale an empty axis)."""
    if any(v is not None for v in values):
        chart.add(title, values, **options)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def wait_by_service(rows: list[dict], title: str, labels: dict[str, str]) -> str:
    """Mean, median and p90 wait (minutes) per field, with the target beside them."""
    chart = pygal.Bar(**_config(title))
    chart.x_labels = [r["service"] or "?" for r in rows]
    for key in ("mean", "median", "p90"):
        _add(chart, labels[key], [_minutes(r["wait_s"].get(key)) for r in rows])
    _add(chart, labels["target"], [r.get("target_wait_min") for r in rows])
    return _svg(chart)


def arrivals_by_hour(rows: list[dict], title: str, labels: dict[str, str]) -> str:
    """Tickets issued and mean wait (minutes, second axis) per local hour."""
    chart = pygal.Bar(**_config(title))
    chart.x_labels = [f"{r['hour']:02d}h" for r in rows]
    _add(chart, labels["issued"], [r["issued"] for r in rows])
    _add(chart, labels["mean_wait"], [_minutes(r["wait_s"]["mean"]) for r in rows], secondary=True)
    return _svg(chart)


def days_trend(rows: list[dict], title: str, labels: dict[str, str]) -> str:
    """Issued and served per day, and the day's service level (second axis)."""
    chart = pygal.Line(**_config(title), x_label_rotation=45, show_dots=len(rows) <= 62)
    step = max(1, len(rows) // 20)
    chart.x_labels = [r["day"] for r in rows]
    chart.x_labels_major = [r["day"] for r in rows[::step]]
    chart.show_minor_x_labels = False
    _add(chart, labels["issued"], [r["issued"] for r in rows])
    _add(chart, labels["served"], [r["served"] for r in rows])
    _add(chart, labels["service_level"], [r["service_level_pct"] for r in rows], secondary=True)
    return _svg(chart)


def ratings(counts: dict[str, int], title: str, labels: dict[str, str]) -> str:
    """How citizens rated the service, from Rất hài lòng (4) to Không hài lòng (1)."""
    chart = pygal.HorizontalBar(**_config(title))
    for key in ("4", "3", "2", "1"):
        _add(chart, labels[key], [counts.get(key, 0)])
    return _svg(chart)
