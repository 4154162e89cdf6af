"""Benchmarks for the quality bars in DESIGN.md, each measured beside a baseline in the same run.

`python -m benchmarks` runs them all; `python -m benchmarks search broadcast` runs some. Figures
are printed and written to `benchmarks/results.json`; `docs/PERFORMANCE.md` holds the latest table.
"""
