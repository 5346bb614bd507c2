"""Citizens who book ahead in a profile, and what keeping counters for appointments costs."""

import re
import subprocess
import sys

import pytest

from protocol.config_file import ConfigError
from queue_server.domain import erlang_c
from simulator.day_simulation import simulate_day
from simulator.hall_profile import DEFAULT_PROFILE, load_profile, profile_from_dict
from simulator.site_for_profile import site_file_text
from simulator.staffing import reserved_counters, staffing_plan
from tests.support.live_server import ROOT

HALL = {"fields": [{"code": "A", "arrivals": {8: 20}}],
        "counters": [{"number": "1", "fields": ["A"]}]}


def test_booking_share_is_read_and_checked():
    assert load_profile(DEFAULT_PROFILE).booking_share == 0.0
    profile = profile_from_dict({**HALL, "hall": {"booking_share": 0.25}})
    assert profile.booking_share == 0.25
    with pytest.raises(ConfigError, match="hall.booking_share"):
        profile_from_dict({**HALL, "hall": {"booking_share": 1.5}})


def test_a_share_of_the_simulated_citizens_book_and_days_without_bookings_stay_the_same():
    plain = load_profile(DEFAULT_PROFILE)
    from dataclasses import replace

    booking = replace(plain, booking_share=0.3)
    day = simulate_day(booking, seed=4)
    share = sum(t.booked for t in day.tickets) / len(day.tickets)
    assert 0.2 < share < 0.4
    again = simulate_day(plain, seed=4)
    assert not any(t.booked for t in again.tickets)
    assert [t.issued_at for t in again.tickets] == [
        t.issued_at for t in simulate_day(plain, seed=4).tickets]
    # the replay's site then takes appointments in every field, all day
    text = site_file_text(booking)
    assert text.count("appointments = {") == len(plain.fields)
    from queue_server.domain.site_spec import parse_site

    spec = parse_site(text)
    assert all(s.appointments is not None for s in spec.services)


def test_reserving_counters_for_appointments_splits_the_queue():
    plans = staffing_plan([20, 35, 30], 720, 0.8, 900, first_hour=8)
    hours = reserved_counters(plans, 720, 0.8, 900, appointment_share=0.3, reserved=2)
    assert [h.pooled for h in hours] == [p.counters for p in plans] == [5, 8, 7]
    nine = hours[1]
    assert nine.walk_ins == pytest.approx(24.5) and nine.appointments == pytest.approx(10.5)
    assert nine.reserved == 2
    # the walk-ins get the six other counters, the booked citizens the two kept ones
    assert nine.walk_in_service_level == pytest.approx(
        erlang_c.service_level(6, 24.5 * 720 / 3600, 720, 900))
    assert nine.appointment_service_level == erlang_c.service_level(2, 2.1, 720, 900) == 0.0
    # served apart, both groups need more counters than one shared queue
    assert all(h.needed_split >= h.pooled for h in hours) and nine.extra >= 1
    # nobody booked and nothing kept: the plan as it was
    same = reserved_counters(plans, 720, 0.8, 900, appointment_share=0.0, reserved=0)
    assert [h.extra for h in same] == [0, 0, 0]
    assert [h.walk_in_service_level for h in same] == [p.service_level for p in plans]
    with pytest.raises(ValueError):
        reserved_counters(plans, 720, 0.8, 900, appointment_share=2, reserved=1)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_what_if_shows_what_keeping_counters_for_appointments_does():
    out = _run("what-if", "--field", "A", "--arrivals", "8:20,9:35,10:30",
               "--service-min", "12", "--appointment-share", "0.3", "--reserve-counters", "2")
    assert out.returncode == 0, out.stderr
    assert "counters kept for appointments: 30 % of the arrivals booked" in out.stdout
    rows = re.findall(r"^(\d\d:00)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+([\d.]+) %\s+"
                      r"(?:[\d.]+ min|queue grows)\s+([\d.]+) %\s+(\d+)\s+([+-]\d+)$",
                      out.stdout, re.M)
    assert [r[0] for r in rows] == ["08:00", "09:00", "10:00"], out.stdout
    assert [r[3] for r in rows] == ["5", "8", "7"] and {r[4] for r in rows} == {"2"}
    assert all(int(r[8]) >= 0 for r in rows)
    bad = _run("what-if", "--arrivals", "8:20", "--service-min", "12",
               "--appointment-share", "1.5")
    assert bad.returncode == 2 and "appointment share" in bad.stderr
    assert "Traceback" not in bad.stderr
