"""The pure arithmetic: percentiles, tallies, heat map, busiest hours, filter parsing."""

import statistics
from datetime import date

import pytest

from queue_server.statistics import ReportFilter, ReportFilterError, Tally, percentile
from queue_server.statistics.figures import busiest_hours, heat_map, percentile_of_counts


def test_percentile_matches_the_statistics_module():
    data = [5, 1, 9, 3, 3, 8, 120, 44, 2]
    assert percentile(data, 50) == statistics.median(data)
    assert percentile(data, 90) == pytest.approx(
        statistics.quantiles(data, n=10, method="inclusive")[8])
    assert percentile([], 50) is None
    assert percentile([7], 90) == 7


def test_percentile_of_counts_equals_the_expanded_list():
    pairs = [(10, 3), (20, 1), (35, 4), (50, 2)]
    expanded = [v for v, c in pairs for _ in range(c)]
    for q in (0, 10, 50, 73, 90, 100):
        assert percentile_of_counts(pairs, q) == pytest.approx(percentile(expanded, q))


def test_tally_of_a_few_tickets():
    t = Tally()
    t.add_ticket(status="done", wait_s=600, service_s=300, target_s=900, rating=4,
                 estimated_wait_s=500)
    t.add_ticket(status="no_show", wait_s=1200, target_s=900, estimated_wait_s=1000)
    t.add_ticket(status="waiting")
    t.add_ticket(status="expired", transferred=True)
    f = t.figures()
    assert (f["issued"], f["served"], f["no_show"], f["waiting"], f["expired"]) == (4, 1, 1, 1, 1)
    assert f["transferred"] == 1
    assert f["wait_s"] == {"mean": 900.0, "median": 900.0, "p90": 1140.0, "max": 1200}
    assert f["service_s"] == {"mean": 300.0, "median": 300.0, "p90": 300.0}
    assert f["service_level_pct"] == 50.0
    assert f["ratings"] == {"1": 0, "2": 0, "3": 0, "4": 1}
    assert f["satisfied_pct"] == 100.0
    assert f["estimate_mae_s"] == 150.0


def test_empty_tally_gives_nulls():
    f = Tally().figures()
    assert f["issued"] == 0
    assert f["wait_s"] == {"mean": None, "median": None, "p90": None, "max": None}
    assert f["service_level_pct"] is None and f["satisfied_pct"] is None
    assert f["estimate_mae_s"] is None


def test_merge_adds_everything():
    a, b, both = Tally(), Tally(), Tally()
    for t, w in ((a, 100), (b, 300), (b, 50)):
        t.add_ticket(status="done", wait_s=w, service_s=w, target_s=120)
        both.add_ticket(status="done", wait_s=w, service_s=w, target_s=120)
    a.merge(b)
    assert a.figures() == both.figures()


def test_heat_map_and_busiest_hours():
    grid = heat_map({(1, 8): 5, (1, 9): 2, (3, 8): 7, (7, 14): 0})
    assert grid["hours"] == [8, 9]
    assert grid["peak"] == 7
    assert grid["rows"][0] == {"weekday": 1, "cells": [5, 2]}
    assert grid["rows"][2]["cells"] == [7, 0]
    assert len(grid["rows"]) == 7
    assert busiest_hours({8: 10, 9: 30, 10: 30, 14: 5}, 2) == [9, 10]


TODAY = date(2025, 3, 3)


def test_filter_defaults_to_today_and_reads_filters():
    f = ReportFilter.parse({}, TODAY)
    assert (f.first, f.last) == (TODAY, TODAY)
    f = ReportFilter.parse({"from": "2025-01-01", "to": "2025-01-31", "service": "A",
                            "counter": "2", "officer": "7"}, TODAY)
    assert (f.service, f.counter, f.officer, f.days) == ("A", "2", 7, 31)
    assert ReportFilter.parse(f.query_args(), TODAY) == f


@pytest.mark.parametrize("args, param", [
    ({"from": "2025-02-30"}, "from"),
    ({"to": "03/03/2025"}, "to"),
    ({"from": "2025-3-3"}, "from"),
    ({"from": "2025-03-04", "to": "2025-03-03"}, "from"),
    ({"from": "2024-01-01", "to": "2025-03-03"}, "to"),
    ({"officer": "abc"}, "officer"),
    ({"service": "X" * 20}, "service"),
])
def test_bad_filters_name_their_parameter(args, param):
    with pytest.raises(ReportFilterError) as caught:
        ReportFilter.parse(args, TODAY)
    assert caught.value.param == param


def test_exactly_400_days_is_allowed():
    f = ReportFilter.parse({"from": "2024-01-01", "to": "2025-02-03"}, TODAY)
    assert f.days == 400
