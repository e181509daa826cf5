"""The optional C part of kqxl: its per-byte and per-cell loops (kqxl/_speedups.c).

Everything else is in pyproject.toml. Where no C compiler is at hand the build skips the
extension (``optional=True``) and kqxl reads in Python, with the same results, slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("kqxl._speedups", ["kqxl/_speedups.c"], optional=True)])
