"""A sheet's normalised columns, each converted the first time something reads it (pure).

Validation must look at every cell (a ``#N/A`` in any column is a finding), but most text
columns are read by no rule and no system: 备注, 地址, 联系人 … For those, validation only looks
for error values (one ``str.join`` and a substring test, in C, when there is none) and leaves the
conversion (stripping every cell) to the first reader. A column nobody reads is never
converted; one that is read gets exactly the values an eager conversion would have given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

try:  # the search for "#" in C (setup.py); without a compiler, one str.join
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

from kqxl.cells import ERROR_CODES, CellValue
from kqxl.engine.convert import Bad, positions

__all__ = ["LazyColumns", "SlotColumns", "text_errors"]


def text_errors(raw: Sequence[CellValue]) -> list[Bad] | None:
    """The error values (``#N/A``, ``" #REF! "`` …) of a column of text and blanks, found
    without converting it; ``None`` when the column holds other values (convert it instead).

    The same :class:`Bad` entries as :func:`~kqxl.engine.convert.convert_text` gives. Every
    error code starts with ``#``: a column whose joined text has none holds no error value.
    """
    if _speedups is None:
        return _text_errors_py(raw)
    marked = _speedups.text_marks(raw, "#")  # the cells holding a "#", without joining them
    if marked is None:
        return None
    texts: Sequence[str] = raw  # type: ignore[assignment]  # the cells marked are text
    return [Bad(i, "error_value", texts[i]) for i in marked if texts[i].strip() in ERROR_CODES]


def _text_errors_py(raw: Sequence[CellValue]) -> list[Bad] | None:
    """:func:`text_errors` without the C part: the text joined once."""
    try:
        # filter(None, …) drops blanks; any other non-text cell but 0/False makes join fail
        joined = "\x00".join(filter(None, raw))  # type: ignore[arg-type]
    except TypeError:
        return None
    if "#" not in joined:
        return []
    if not all(v.__class__ is str for v in raw if v is not None):
        return None  # a 0 or False among the text: converted, as convert_text reports it
    # Error codes typed exactly, found in C; each holds one "#": if they account for every
    # "#", no other cell (" #N/A ", "a#b") needs a look.
    exact = ERROR_CODES.intersection(raw)
    found = [Bad(i, "error_value", code) for code in exact for i in positions(raw, code)]
    if len(found) != joined.count("#"):
        found = [
            Bad(i, "error_value", v)
            for i, v in enumerate(raw)
            if v and "#" in v and v.strip() in ERROR_CODES  # type: ignore[operator,union-attr]
        ]
    return sorted(found, key=_by_index)


def _by_index(bad: Bad) -> int:
    return bad.index


class LazyColumns(dict[str, list[Any]]):
    """Column key → normalised values; a deferred column is converted on first read.

    Behaves as the plain dict it replaces: ``in``, ``len``, iteration, ``items()``,
    ``dict(columns)`` and ``==`` all see the deferred columns (converting them where values
    are needed). ``deferred`` maps a key to a function returning its converted column.
    """

    __slots__ = ("_deferred", "_order")

    def __init__(
        self,
        ready: dict[str, list[Any]],
        deferred: dict[str, Callable[[], list[Any]]],
        order: Sequence[str] = (),
    ) -> None:
        """``order``: the key order an eager conversion would have (default: ready first)."""
        super().__init__(ready)
        self._deferred = deferred
        self._order = tuple(order)

    def __missing__(self, key: str) -> list[Any]:
        make = self._deferred.pop(key, None)
        if make is None:
            raise KeyError(key)
        column = make()
        dict.__setitem__(self, key, column)
        return column

    def _resolve(self) -> None:
        for key in list(self._deferred):
            self.__missing__(key)  # converts and stores it
        if self._order:  # columns read one by one were added in the order they were read
            ordered = {key: dict.__getitem__(self, key) for key in self._order if key in self}
            ordered.update(dict.items(self))
            dict.clear(self)
            dict.update(self, ordered)
            self._order = ()

    def __setitem__(self, key: str, value: list[Any]) -> None:
        self._deferred.pop(key, None)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        if self._deferred.pop(key, None) is None:
            dict.__delitem__(self, key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._deferred

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        return default

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._deferred)

    def __iter__(self) -> Iterator[str]:
        self._resolve()  # keeps the key order of an eager conversion
        return dict.__iter__(self)

    def keys(self) -> Any:
        self._resolve()
        return dict.keys(self)

    def values(self) -> Any:
        self._resolve()
        return dict.values(self)

    def items(self) -> Any:
        self._resolve()
        return dict.items(self)

    def copy(self) -> dict[str, list[Any]]:
        self._resolve()
        return dict(dict.items(self))

    def __eq__(self, other: object) -> bool:
        self._resolve()
        return dict.__eq__(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        self._resolve()
        return dict.__repr__(self)


class SlotColumns(Sequence[Sequence[Any]]):
    """The columns in the slot order compiled conditions read, each fetched from ``values``
    when a condition reads it (so a column no condition names is not converted)."""

    __slots__ = ("_extra", "_keys", "_values")

    def __init__(
        self,
        values: dict[str, list[Any]],
        keys: Sequence[str],
        extra: Sequence[Sequence[Any]] = (),
    ) -> None:
        self._values = values
        self._keys = tuple(keys)
        self._extra = tuple(extra)

    def __len__(self) -> int:
        return len(self._keys) + len(self._extra)

    def _one(self, i: int) -> Sequence[Any]:
        if i < 0:
            i += len(self)
        if 0 <= i < len(self._keys):
            return self._values[self._keys[i]]
        return self._extra[i - len(self._keys)]

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._one(j) for j in range(*i.indices(len(self)))]
        return self._one(i)
