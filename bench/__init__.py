"""Benchmarks: each scenario prints figures against targets; `python -m bench [NAME ...] [--smoke]`."""
