from collections.abc import Callable, Sequence
from typing import Any, overload

def scan_window(
    window: bytes, prefix: bytes, max_row: int, max_col: int, check_prefixed: bool, /
) -> tuple[int, int, int, int, int, int, int, int, int, int, int, int]: ...
def normalise_row(
    row: list[Any], short: dict[str, str], max_len: int, max_short: int, /
) -> list[Any]: ...
def columns(rows: list[Any], width: int, /) -> list[tuple[Any, ...]]: ...
def instances(
    new: Any,
    cls: Any,
    dict_slot: Any,
    fixed: tuple[tuple[Any, Any], ...],
    template: dict[str, Any],
    names: tuple[str, ...],
    columns: tuple[Sequence[Any], ...],
    /,
) -> list[Any]: ...
def finding_keys(findings: list[Any], sheet_order: dict[str, int], other: int, /) -> list[int]: ...
def differing(
    rows: Sequence[Sequence[Any]], j: int, new: Sequence[Any], /
) -> tuple[list[int], bool]: ...
def new_cells(
    inner: bytes,
    open_tag: bytes,
    open_c: bytes,
    close_c: bytes,
    order: tuple[int, ...],
    heads: list[bytes],
    tails: list[dict[object, tuple[bytes, Any]]],
    columns: list[Any],
    cells: dict[int, object],
    r: int,
    expected: dict[tuple[int, int], Any] | None,
    fill: Callable[[Any, object, bytes], tuple[bytes, Any] | None],
    /,
) -> bytes | None: ...
def rewrite_rows(
    buf: bytes, pos: int, limit: int, sheet: tuple[Any, ...], state: list[Any], /
) -> tuple[bytes, int]: ...
def convert_cells(
    values: Sequence[Any],
    kind: int,
    one: Callable[[Any], Any],
    bounds: tuple[Any, ...],
    others: list[int] = ...,
    /,
) -> list[Any]: ...
@overload
def look_up(values: Sequence[Any], table: Any, /) -> list[Any]: ...
@overload
def look_up(values: Sequence[Any], table: Any, flags: Any, /) -> tuple[list[Any], list[int]]: ...
def where(values: Sequence[Any], table: Any, /) -> list[int]: ...
def where_is(values: Sequence[Any], target: Any, /) -> list[int]: ...
def where_type(values: Sequence[Any], types: frozenset[type], inside: bool, /) -> list[int]: ...
def text_marks(values: Sequence[Any], mark: str, /) -> list[int] | None: ...
def name_keys(values: Sequence[Any], one: Callable[[Any], Any], /) -> list[Any]: ...
