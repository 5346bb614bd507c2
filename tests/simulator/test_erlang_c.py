"""Erlang C against values worked by hand and the classic call-centre textbook example."""

import math

import pytest

from queue_server.domain import erlang_c
from simulator.staffing import parse_arrivals, parse_target, staffing_plan


def _erlang_c_by_factorials(n: int, a: float) -> float:
    """The textbook form, written independently of the module's recurrence."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def test_hand_worked_values():
    # A = 2 Erlangs, 3 agents: (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9
    assert erlang_c.probability_of_waiting(3, 2.0) == pytest.approx(4 / 9)
    # A = 1, 2 agents: (1/2 · 2) / (1 + 1 + 1) = 1/3
    assert erlang_c.probability_of_waiting(2, 1.0) == pytest.approx(1 / 3)
    # M/M/1 reduces to P(wait) = ρ
    assert erlang_c.probability_of_waiting(1, 0.7) == pytest.approx(0.7)


def test_classic_example_100_calls_per_half_hour_3_minutes_each():
    # 100 calls in 30 min, 180 s handling: A = 10 Erlangs; target 80 % within 20 s
    load, aht = 100 * 180 / 1800, 180
    assert erlang_c.probability_of_waiting(11, load) == pytest.approx(0.6821, abs=1e-4)
    assert erlang_c.probability_of_waiting(12, load) == pytest.approx(0.4494, abs=1e-4)
    assert erlang_c.probability_of_waiting(13, load) == pytest.approx(0.2853, abs=1e-4)
    assert erlang_c.probability_of_waiting(14, load) == pytest.approx(0.1741, abs=1e-4)
    assert erlang_c.service_level(13, load, aht, 20) == pytest.approx(0.7956, abs=1e-4)
    assert erlang_c.service_level(14, load, aht, 20) == pytest.approx(0.8884, abs=1e-4)
    assert erlang_c.average_speed_of_answer(13, load, aht) == pytest.approx(17.12, abs=0.01)
    assert erlang_c.agents_needed(load, aht, 0.8, 20) == 14


@pytest.mark.parametrize("n,a", [(1, 0.5), (3, 2.5), (5, 4.2), (20, 17.3), (60, 52.0)])
def test_recurrence_agrees_with_the_factorial_formula(n, a):
    assert erlang_c.probability_of_waiting(n, a) == pytest.approx(_erlang_c_by_factorials(n, a))


def test_service_level_formula_and_limits():
    c = erlang_c.probability_of_waiting(3, 2.0)
    assert erlang_c.service_level(3, 2.0, 600, 300) == pytest.approx(1 - c * math.exp(-0.5))
    assert erlang_c.service_level(3, 2.0, 600, 0) == pytest.approx(1 - c)
    assert erlang_c.service_level(2, 2.0, 600, 300) == 0.0  # overloaded
    assert erlang_c.average_speed_of_answer(2, 2.0, 600) == math.inf
    assert erlang_c.agents_needed(0.0, 600, 0.8, 900) == 0


def test_staffing_plan_picks_the_fewest_counters_meeting_the_target():
    plans = staffing_plan([20, 35, 0], 720, 0.8, 900, first_hour=8)
    assert [p.hour for p in plans] == [8, 9, 10]
    assert [p.counters for p in plans] == [5, 8, 0]
    for p in plans[:2]:
        assert p.service_level >= 0.8
        fewer = erlang_c.service_level(p.counters - 1, p.load_erlangs, 720, 900)
        assert fewer < 0.8


def test_parsers():
    assert parse_target("80% within 15 min") == (0.8, 900.0)
    assert parse_target("90 % trong 10 phút") == (0.9, 600.0)
    assert parse_arrivals("8:20, 9:35,10:30") == [(8, 20.0), (9, 35.0), (10, 30.0)]
    with pytest.raises(ValueError):
        parse_target("most people quickly")
    with pytest.raises(ValueError):
        parse_arrivals("8:20,10:30")
