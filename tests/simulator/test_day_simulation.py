"""The offline simulation against queueing theory, and its bookkeeping."""

import statistics

import pytest

from queue_server.domain import erlang_c
from simulator.day_figures import day_report, render_report
from simulator.day_simulation import simulate_day
from simulator.hall_profile import (
    DEFAULT_PROFILE,
    CounterProfile,
    FieldProfile,
    HallProfile,
    load_profile,
)


def _mmc_hall(per_hour: float, mean_s: float, counters: int, hours: int = 20) -> HallProfile:
    field = FieldProfile("A", arrivals_per_hour={h: per_hour for h in range(hours)},
                         service_mean_s=mean_s, target_wait_s=300)
    return HallProfile(
        fields=(field,),
        counters=tuple(CounterProfile(str(n), ("A",), ((0.0, 86400.0),))
                       for n in range(1, counters + 1)),
        no_show_share=0.0, priority_share=0.0,
    )


def test_mmc_waits_match_erlang_c():
    # λ = 12/h, mean service 10 min (μ = 6/h), c = 3: A = 2 Erlangs, ρ = 2/3
    hall = _mmc_hall(12, 600, 3)
    waits = []
    for seed in range(1, 201):
        for t in simulate_day(hall, seed, exponential_service=True).tickets:
            if 2 * 3600 <= t.issued_at < 18 * 3600:  # steady state: no warm-up, no closing
                waits.append(t.wait_s)
    assert len(waits) > 30_000
    load, aht = 2.0, 600.0
    expected_mean = erlang_c.average_speed_of_answer(3, load, aht)  # 266.7 s
    assert statistics.fmean(waits) == pytest.approx(expected_mean, rel=0.10)
    p_wait = sum(w > 0 for w in waits) / len(waits)
    assert p_wait == pytest.approx(erlang_c.probability_of_waiting(3, load), rel=0.05)
    within = sum(w <= 300 for w in waits) / len(waits)
    assert within == pytest.approx(erlang_c.service_level(3, load, aht, 300), abs=0.02)


def test_a_day_accounts_for_every_ticket_and_honours_priority():
    profile = load_profile(DEFAULT_PROFILE)
    waits = {True: [], False: []}
    for seed in range(1, 31):
        result = simulate_day(profile, seed)
        report = day_report(result)
        total = report.total
        assert total.issued == len(result.tickets) > 100
        assert total.issued == total.served + total.no_show + total.expired
        assert sum(f.issued for f in report.by_field) == total.issued
        assert sum(f.issued for _, _, f in report.by_hour) == total.issued
        for t in result.tickets:
            if t.wait_s is not None:
                assert t.wait_s >= 0
                assert t.counter in {c.number for c in profile.counters
                                     if t.field in c.fields}
                waits[t.priority].append(t.wait_s)
    # priority citizens are called first by the server's rule, so they wait less
    assert statistics.fmean(waits[True]) < 0.5 * statistics.fmean(waits[False])


def test_same_seed_same_day_and_the_report_renders():
    profile = load_profile(DEFAULT_PROFILE)
    a, b = simulate_day(profile, 7), simulate_day(profile, 7)
    assert [(t.field, t.issued_at, t.called_at) for t in a.tickets] == [
        (t.field, t.issued_at, t.called_at) for t in b.tickets]
    text = render_report(day_report(a))
    assert "Tổng / total" in text and "08:00" in text
