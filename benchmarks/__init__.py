"""``make bench``: every measured figure of the project, written to BENCHMARKS.md."""
