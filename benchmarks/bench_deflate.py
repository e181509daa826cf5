"""Deflate benchmark: the patch writer's compressor on real sheet XML, one job per process.

    .venv/bin/python benchmarks/bench_deflate.py METHOD FILE...

METHOD is ``zlib:6``, ``zlib-ng:5``, ``isal:2`` … (module and level). Each FILE (a sheet part
unzipped from a recomputed workbook, e.g. ``bench_recompute.py``'s after one ``kqxl
recompute``) is deflated in 256 KiB pieces as the writer feeds its worker (raw deflate, as a
zip stores it), inflated again and checked, as the writer checks its own output. Printed: the
compressed size of each file and the job's CPU seconds. Time two methods against each other
as whole processes, alternating (the figures in docs/PERFORMANCE.md were made that way).
"""

from __future__ import annotations

import argparse
import time
import zlib
from pathlib import Path
from types import ModuleType


def compressor(name: str) -> ModuleType:
    """The zlib-like module a method names."""
    if name == "zlib":
        return zlib
    if name == "zlib-ng":
        from zlib_ng import zlib_ng

        return zlib_ng
    if name == "isal":
        from isal import isal_zlib  # not a dependency of kqxl: install it to compare

        return isal_zlib
    raise SystemExit(f"unknown compressor {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method", help="module:level, e.g. zlib:6 or zlib-ng:5")
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    name, _, level = args.method.partition(":")
    module = compressor(name)
    started = time.process_time()
    for path in args.files:
        data = path.read_bytes()
        comp = module.compressobj(int(level or 6), module.DEFLATED, -15)
        check = module.decompressobj(-15)
        crc = check_crc = 0
        size = 0
        for i in range(0, len(data), 256 << 10):
            piece = data[i : i + (256 << 10)]
            crc = module.crc32(piece, crc)
            out = comp.compress(piece)
            size += len(out)
            check_crc = module.crc32(check.decompress(out), check_crc)
        out = comp.flush()
        size += len(out)
        check_crc = module.crc32(check.decompress(out) + check.flush(), check_crc)
        if check_crc != crc:
            raise SystemExit(f"{path}: the deflated data does not inflate back")
        print(f"{path.name}: {len(data):,} -> {size:,} bytes ({size / len(data):.2%})")
    print(f"{args.method}: {time.process_time() - started:.2f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
