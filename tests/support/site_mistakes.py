"""Mistakes in a copy of the example site file, each with the line it must be reported on."""

from __future__ import annotations

from pathlib import Path

from tests.support.live_server import EXAMPLE_SITE

#: (text in the example site, its replacement, the message) for load-site and validate
SITE_MISTAKES = {
    "bad hours": ('hours = ["07:00-11:30", "13:30-17:00"]', 'hours = ["07:00-25:00"]',
                  "service A: bad time span '07:00-25:00'"),
    "unknown service": ('services = ["A", "D"]', 'services = ["A", "Q"]',
                        "counter 2 serves unknown service 'Q'"),
    "duplicate number": ('number = "3"', 'number = "2"', "duplicate counter number '2'"),
    "daily_limit type": ("daily_limit = 200", 'daily_limit = "200"',
                         "service C: daily_limit must be a whole number"),
}


def site_with_mistake(tmp_path: Path, case: str) -> tuple[Path, int, str]:
    """The example site with one mistake, and the line number of that mistake."""
    old, new, message = SITE_MISTAKES[case]
    text = EXAMPLE_SITE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "site.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text.count("\n", 0, text.index(old)) + 1, message
