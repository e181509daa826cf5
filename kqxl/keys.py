"""Stable row keys (客户编号 / 项目编号), assigned by kqxl without any coordination.

A key reads ``KH-7QM4XD-0012``: the sheet's prefix (``KH`` 客户, ``XM`` 项目), the workbook id,
and a number counted per workbook and sheet. The workbook id is six random Crockford base32
characters (no I, L, O, U: nothing to misread or mishear), drawn once per workbook and kept in
its 设置 sheet together with the highest number used so far for each sheet. Two reps working
offline therefore never mint the same key (their workbook ids differ), and a workbook never
mints the same key twice (the counter only grows, even when the last row is deleted).

Keys that are there are never changed — also odd or hand-typed ones. Assignment is pure:

>>> done = assign_keys(["KH-7QM4XD-0001", None, "旧编号 17", None],
...                    prefix="KH", workbook_id="7QM4XD", counter=3)
>>> done.keys, done.counter
({1: 'KH-7QM4XD-0004', 3: 'KH-7QM4XD-0005'}, 5)
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# Crockford's base32 alphabet: digits and letters without I, L, O and U.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
WORKBOOK_ID_LENGTH = 6
# At least four digits, so that keys of one workbook line up; more when a sheet passes 9999.
NUMBER_DIGITS = 4

# Which sheets get keys, and the prefix of each sheet's keys (客户 → KH, 项目 → XM).
KEY_PREFIXES: Mapping[str, str] = {"客户": "KH", "项目": "XM"}

_ID = re.compile(rf"[{CROCKFORD}]{{{WORKBOOK_ID_LENGTH}}}")
_KEY = re.compile(rf"([A-Z]{{2}})-([{CROCKFORD}]{{{WORKBOOK_ID_LENGTH}}})-(\d{{{NUMBER_DIGITS},}})")


def new_workbook_id(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh random workbook id, e.g. ``7QM4XD`` (30 bits from :mod:`secrets`)."""
    return "".join(CROCKFORD[randbelow(len(CROCKFORD))] for _ in range(WORKBOOK_ID_LENGTH))


def is_workbook_id(value: object) -> bool:
    """Whether ``value`` is a well-formed workbook id."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def format_key(prefix: str, workbook_id: str, number: int) -> str:
    """``("KH", "7QM4XD", 12)`` → ``KH-7QM4XD-0012``."""
    return f"{prefix}-{workbook_id}-{number:0{NUMBER_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class KeyParts:
    """A key kqxl minted, taken apart."""

    prefix: str
    workbook_id: str
    number: int


def parse_key(value: object) -> KeyParts | None:
    """The parts of a key kqxl minted, or None for anything else (blank, hand-typed …)."""
    if not isinstance(value, str):
        return None
    m = _KEY.fullmatch(value.strip().upper())
    if m is None:
        return None
    return KeyParts(m[1], m[2], int(m[3]))


def is_blank_key(value: object) -> bool:
    """A key cell that needs a key: empty, or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True, slots=True)
class KeyAssignment:
    """New keys by position in the rows given, and the sheet's new high-water counter."""

    keys: dict[int, str]
    counter: int


def assign_keys(
    existing: Sequence[object], *, prefix: str, workbook_id: str, counter: int
) -> KeyAssignment:
    """Give every row whose key is blank a new key; leave every other key as it is.

    ``existing`` holds each row's key cell in row order; ``counter`` is the highest number this
    workbook has used for ``prefix`` (from its 设置 sheet). Numbers continue after the higher
    of ``counter`` and any key of this workbook found in ``existing`` (a 设置 sheet restored
    from an older copy must not make a number come round again).
    """
    if not is_workbook_id(workbook_id):
        raise ValueError(f"not a workbook id: {workbook_id!r}")
    high = max(counter, 0)
    for value in existing:
        parts = parse_key(value)
        if parts is not None and parts.prefix == prefix and parts.workbook_id == workbook_id:
            high = max(high, parts.number)
    keys: dict[int, str] = {}
    for i, value in enumerate(existing):
        if is_blank_key(value):
            high += 1
            keys[i] = format_key(prefix, workbook_id, high)
    return KeyAssignment(keys, high)
