"""Managers' figures (DESIGN.md section 6): waits, service times, service level, ratings.

``figures`` is plain Python over grouped rows (tallies and histograms of whole
seconds); ``report_query`` puts a report together for a date range and filters, on
SQLite and PostgreSQL alike, from the stored finished days (``daily_rollup``, read by
``rollup_reader``, durations in ``duration_buckets``) and today's tickets counted live
(``ticket_scan``); ``ticket_rows`` streams one row per ticket for the exports.
"""

from queue_server.statistics.figures import Tally, percentile, percentile_of_counts
from queue_server.statistics.report_filter import ReportFilter, ReportFilterError
from queue_server.statistics.report_query import Report, build_report

__all__ = [
    "Report",
    "ReportFilter",
    "ReportFilterError",
    "Tally",
    "build_report",
    "percentile",
    "percentile_of_counts",
]
