"""Benchmarks: searchkit against SQLite FTS5 and tantivy (``python benchmarks/run.py``)."""
