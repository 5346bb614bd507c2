"""The ``day`` and ``what-if`` commands as a manager runs them."""

import re
import subprocess
import sys

from tests.support.live_server import ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_what_if_prints_counters_per_hour_checked_by_simulation():
    out = _run("what-if", "--field", "A", "--arrivals", "8:20,9:35,10:30",
               "--service-min", "12", "--target", "80% within 15 min",
               "--check-by-simulation", "--runs", "60")
    assert out.returncode == 0, out.stderr
    rows = {m.group(1): m.groups()[1:] for m in re.finditer(
        r"^(\d\d:00)\s+(\S+)\s+(\S+)\s+(\d+)\s+\d+ %\s+([\d.]+) %\s+[\d.]+ min"
        r"\s+(\d+)\s+([\d.]+) %",
        out.stdout, re.M)}
    assert set(rows) == {"08:00", "09:00", "10:00"}, out.stdout
    assert [rows[h][2] for h in ("08:00", "09:00", "10:00")] == ["5", "8", "7"]
    for _arrivals, _load, counters, sl, checked, simulated in rows.values():
        assert float(sl) >= 80
        assert int(checked) >= int(counters)
        assert float(simulated) >= 80  # every hour meets the target after the check


def test_what_if_rejects_a_bad_target_with_status_2():
    out = _run("what-if", "--arrivals", "8:20", "--service-min", "12", "--target", "soon")
    assert out.returncode == 2
    assert "80% within 15 min" in out.stderr and "Traceback" not in out.stderr


def test_day_prints_the_figures_per_field_and_hour():
    out = _run("day", "--seed", "3")
    assert out.returncode == 0, out.stderr
    assert "Tổng / total" in out.stdout and "A Đất đai" in out.stdout
    assert re.search(r"^08:00\s+6\s+\d+", out.stdout, re.M)


def test_day_with_a_bad_profile_names_the_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[fields]]\ncode = "A"\narrivals = {8 = 10}\nservice_mean_min = -3\n'
                   '[[counters]]\nnumber = "1"\nfields = ["A"]\n', encoding="utf-8")
    out = _run("day", "--profile", str(bad))
    assert out.returncode == 2
    assert "fields[0].service_mean_min" in out.stderr and "Traceback" not in out.stderr
