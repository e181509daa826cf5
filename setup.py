"""The optional C part of kqxl: the byte scan of sheet parts (kqxl/book/_scan.c).

Everything else is in pyproject.toml. Where no C compiler is at hand the build skips the
extension (``optional=True``) and kqxl scans in Python, with the same results, slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("kqxl.book._scan", ["kqxl/book/_scan.c"], optional=True)])
