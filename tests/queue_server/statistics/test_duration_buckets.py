"""Bucket histograms: the percentile bound, merging, and the stored form."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.statistics import percentile
from queue_server.statistics.duration_buckets import (
    EDGES,
    SIZE,
    BucketHistogram,
    bucket_of,
    decode_groups,
    encode_groups,
    error_bound,
)


def test_bucket_scheme():
    assert EDGES[0] == 0 and EDGES[-1] == 86400 and len(EDGES) == SIZE
    assert bucket_of(-3) == 0 and bucket_of(4) == 0 and bucket_of(5) == 1
    assert [error_bound(s) for s in (0, 1799, 1800, 3600)] == [4, 4, 9, 29]
    assert error_bound(7200) == 119 and error_bound(90000) is None


def neighbours(values, p):
    data = sorted(values)
    rank = (len(data) - 1) * p / 100
    return data[math.floor(rank)], data[math.ceil(rank)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 20000), min_size=1, max_size=400),
       st.sampled_from([50, 90, 0, 100, 37]))
def test_percentile_within_the_bound_of_its_neighbours(values, p):
    hist = BucketHistogram()
    for v in values:
        hist.add(v)
    exact = percentile(values, p)
    low, high = neighbours(values, p)
    assert abs(hist.percentile(p) - exact) <= max(error_bound(low), error_bound(high)) + 1e-9


@given(st.lists(st.integers(0, 100000), max_size=50), st.lists(st.integers(0, 100000), max_size=50))
def test_merging_equals_adding_all(a, b):
    one, two, both = BucketHistogram(), BucketHistogram(), BucketHistogram()
    for v in a:
        one.add(v)
        both.add(v)
    for v in b:
        two.add(v)
        both.add(v)
    one.merge(two)
    assert one.counts == both.counts and one.top == both.top
    assert one.percentile(90) == both.percentile(90)


def test_open_bucket_is_closed_by_the_largest_value():
    hist = BucketHistogram()
    hist.add(90000)
    hist.add(100000)
    assert hist.percentile(100) == 100000
    assert 86400 <= hist.percentile(0) <= 100000


def test_stored_form_round_trip():
    wait, service, empty = BucketHistogram(), BucketHistogram(), BucketHistogram()
    for v in (3, 700, 700, 5000):
        wait.add(v)
    service.add(400)
    blob = encode_groups({(1, 2, 3): (wait, service), (4, None, None): (empty, empty)})
    groups = list(decode_groups(blob))
    assert len(groups) == 1  # a group without durations is not stored
    key, w, w_top, s, s_top = groups[0]
    assert key == (1, 2, 3) and (w_top, s_top) == (5000, 400)
    restored = BucketHistogram()
    restored.merge_counts(w, w_top)
    assert restored.counts == wait.counts
    assert len(w) == bucket_of(5000) + 1  # empty tail left out
