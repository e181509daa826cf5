"""What the engine returns: findings, sheet layouts, and one result per row of each sheet.

A row's result holds the outputs of the computed systems of its sheet by column key
(``values["grade"] == "II级"``); reasons and gaps are :class:`Reason` values, formatted only
where they are shown (:mod:`kqxl.engine.explain`). ``BookResult.model_dump(mode="json")`` is
exactly what ``kqxl validate --json`` prints::

    {"file": "张三.xlsx",
     "layouts": {"客户": {...}, "项目": {...}},
     "rows": {"客户": [{"row": 3, "key": "KH-001", "name": "甲公司",
                        "values": {"grade": "I级", "grade_level": 1, "customer_type": "甲方",
                                   "grade_reasons": [{"level": "I级", "rank": 1,
                                                      "label": "已送资料", "held": true,
                                                      "need": 5, "of": 5}, ...],
                                   "grade_gaps": [...]}}, ...],
              "项目": [...]},
     "findings": [...]}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any, Literal, TypeVar, overload

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, field_serializer

try:  # many findings at once in C (setup.py); without a compiler at install, one by one
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

from kqxl.rules.io import RulesInfo
from kqxl.schema import CUSTOMERS, PROJECTS
from kqxl.texts import FINDINGS, text

Level = Literal["error", "warning", "notice"]
M = TypeVar("M", bound=BaseModel)


def fast_builder(cls: type[M]) -> Callable[..., M]:
    """A constructor for trusted values that skips validation, like ``model_construct``.

    ``model_construct`` costs ~8 µs per call (it walks the fields in Python); this costs
    ~1 µs, which matters at 200,000 results per run. Callers pass every field, already of
    the right type; ``tests/test_engine_grade.py`` checks that such results re-validate equal.
    """
    put = _instance_setter(cls)

    def build(**values: Any) -> M:
        return put(values)

    return build


def _instance_setter(cls: type[M]) -> Callable[[dict[str, Any]], M]:
    """A new ``cls`` whose ``__dict__`` is the given dict of every field, not validated."""
    # Every field is always set, so one set serves all instances: setting an attribute only
    # adds a name that is already in it. BaseModel's own slot descriptors set the instance
    # state (faster than object.__setattr__, which looks each name up first).
    fields_set = set(cls.model_fields)
    slots = vars(BaseModel)
    set_dict = slots["__dict__"].__set__
    set_fields = slots["__pydantic_fields_set__"].__set__
    set_extra = slots["__pydantic_extra__"].__set__
    set_private = slots["__pydantic_private__"].__set__
    new = object.__new__

    def put(values: dict[str, Any]) -> M:
        obj = new(cls)
        set_dict(obj, values)
        set_fields(obj, fields_set)
        set_extra(obj, None)
        set_private(obj, None)
        return obj

    return put


# Codes that are warnings: the row is still usable as it stands.
WARNING_CODES = frozenset(
    {"wrong_customer_type", "merged_cells", "duplicate_column", "formula_text"}
)
# Codes that are notices: nothing is wrong with the row, but a value could not be read yet.
NOTICE_CODES = frozenset(
    {
        "formula_not_calculated",
        "shared_formula_not_calculated",
        # what a rep typed, read leniently (kqxl.engine.validate)
        "unknown_column",
        "lenient_value",
        "choice_synonym",
        "placeholder",
        # a computed cell a rep typed over (kqxl.engine.typed_over)
        "computed_typed_over",
    }
)


class Finding(BaseModel):
    """One problem in the workbook, where a rep can see it (Excel row number, column letter)."""

    model_config = ConfigDict(frozen=True)

    code: str
    level: Level
    sheet: str
    row: int | None = None
    column: str | None = None
    header: str | None = None
    value: str | None = None
    message: str

    @classmethod
    def make(
        cls,
        code: str,
        sheet: str,
        row: int | None = None,
        column: str | None = None,
        header: str | None = None,
        value: str | None = None,
        **extra: object,
    ) -> Finding:
        """A finding with its Chinese message filled from ``kqxl.texts.FINDINGS``."""
        message = text(
            FINDINGS,
            code,
            sheet=sheet,
            row=row or "",
            column=column or "",
            header=header or "",
            value=value if value is not None else "",
            **extra,
        )
        level = level_of(code)
        return _new_finding(
            code=code,
            level=level,
            sheet=sheet,
            row=row,
            column=column,
            header=header,
            value=value,
            message=message,
        )


def _column_builder(
    cls: type[M],
) -> Callable[[dict[str, Any], tuple[str, ...], tuple[Sequence[Any], ...]], list[M]]:
    """:func:`_instance_setter` for many instances at once: ``build(template, names, columns)``
    gives, for each position of ``columns``, an instance whose fields are ``template``'s with
    ``names[k]`` set to ``columns[k][i]`` — in C (``kqxl._speedups.instances``) where it was
    built, else one :func:`_instance_setter` call each."""
    put = _instance_setter(cls)
    slots = vars(BaseModel)
    fixed = (
        (slots["__pydantic_fields_set__"], set(cls.model_fields)),
        (slots["__pydantic_extra__"], None),
        (slots["__pydantic_private__"], None),
    )

    def build(
        template: dict[str, Any], names: tuple[str, ...], columns: tuple[Sequence[Any], ...]
    ) -> list[M]:
        columns = tuple(c if isinstance(c, (list, tuple)) else list(c) for c in columns)
        if _speedups is not None:
            return _speedups.instances(
                object.__new__, cls, slots["__dict__"], fixed, template, names, columns
            )
        rows = zip(*columns, strict=True)
        return [put({**template, **dict(zip(names, row, strict=True))}) for row in rows]

    return build


_new_finding = fast_builder(Finding)
_put_finding = _instance_setter(Finding)
_new_findings = _column_builder(Finding)


def level_of(code: str) -> Level:
    """The level of a finding code."""
    return "warning" if code in WARNING_CODES else "notice" if code in NOTICE_CODES else "error"


class ColumnFindings:
    """Findings in one column of a sheet, as :meth:`Finding.make` makes them, with the message
    of each distinct (code, value, details) built once: a column of 100,000 rows may hold
    thousands of the same notice (``√`` read as 是). Messages that name the row are built
    for each finding."""

    __slots__ = ("column", "header", "messages", "sheet")

    def __init__(self, sheet: str, column: str | None, header: str | None) -> None:
        self.sheet, self.column, self.header = sheet, column, header
        self.messages: dict[tuple[object, ...], tuple[str, Level]] = {}

    def notices(
        self,
        codes: Sequence[str],
        rows: Sequence[int],
        values: Sequence[str | None],
        typed: Sequence[str],
        kind: str,
    ) -> list[Finding]:
        """:meth:`make` for each (code, row, value, typed) of the column, all with ``kind``:
        what a rep typed and how it was read. The message of each distinct (code, value,
        typed) is built once, and matched to the findings in C."""
        if any("{row}" in FINDINGS[code] for code in set(codes)):
            return [
                self.make(code, row, value, typed=read_as, kind=kind)
                for code, row, value, read_as in zip(codes, rows, values, typed, strict=True)
            ]
        keys = list(zip(codes, values, typed, strict=True))
        messages: dict[tuple[str, str | None, str], str] = {}
        for key in dict.fromkeys(keys):
            code, value, read_as = key
            known = self.messages.get((code, value, ("typed", read_as), ("kind", kind)))
            messages[key] = (
                known[0]
                if known is not None
                else self._message(code, value, typed=read_as, kind=kind)
            )
        levels = {code: level_of(code) for code in set(codes)}
        found = list(map(messages.__getitem__, keys))
        template: dict[str, Any] = {
            "code": None,
            "level": None,
            "sheet": self.sheet,
            "row": None,
            "column": self.column,
            "header": self.header,
            "value": None,
            "message": None,
        }
        if len(levels) == 1:  # the usual case: one code for the column
            ((template["code"], template["level"]),) = levels.items()
            return _new_findings(template, ("row", "value", "message"), (rows, values, found))
        return _new_findings(
            template,
            ("code", "level", "row", "value", "message"),
            (codes, list(map(levels.__getitem__, codes)), rows, values, found),
        )

    def _message(self, code: str, value: str | None, **extra: object) -> str:
        """The message :meth:`make` gives a finding (its text names no row), without the
        finding."""
        return text(
            FINDINGS,
            code,
            sheet=self.sheet,
            row="",
            column=self.column or "",
            header=self.header or "",
            value=value if value is not None else "",
            **extra,
        )

    def make(self, code: str, row: int, value: str | None, **extra: object) -> Finding:
        key = (code, value, *extra.items())
        known = self.messages.get(key)
        if known is None:
            if "{row}" in FINDINGS[code]:
                return Finding.make(code, self.sheet, row, self.column, self.header, value, **extra)
            made = Finding.make(code, self.sheet, row, self.column, self.header, value, **extra)
            self.messages[key] = (made.message, made.level)
            return made
        message, level = known
        return _put_finding(
            {
                "code": code,
                "level": level,
                "sheet": self.sheet,
                "row": row,
                "column": self.column,
                "header": self.header,
                "value": value,
                "message": message,
            }
        )


class SheetLayout(BaseModel):
    """Where a sheet's header and data are, and which column holds which schema key."""

    name: str
    header_row: int
    first_data_row: int
    last_row: int  # last non-blank data row (header_row when there is no data)
    columns: dict[str, int]  # column key → 1-based Excel column index
    unknown_columns: list[str]  # headers kqxl does not know, kept and ignored


class Reason(BaseModel):
    """One condition of one level, as it stood for a row: the level (its label and rank), the
    condition's label, whether it held, and that the level needs ``need`` of its ``of``
    conditions. Reasons list conditions that held; gaps those missing for the next level."""

    model_config = ConfigDict(frozen=True)

    level: str  # I级 … / 90% …
    rank: int  # grade level (1 …) or heat percent
    label: str
    held: bool
    need: int
    of: int


# What a row's output may be: a label, a number, or reasons (None: not applicable / blank).
OutputValue = str | int | float | dt.date | tuple[Reason, ...] | None


class RowResult(BaseModel):
    """One row of a sheet: where it is, which record, and the systems' outputs by column key."""

    row: int  # as Excel numbers it
    key: str | None
    name: str | None
    values: dict[str, OutputValue]

    def __getitem__(self, key: str) -> OutputValue:
        return self.values[key]


_new_row = fast_builder(RowResult)


class SheetRows(Sequence[RowResult]):
    """One sheet's row results, kept as the columns the systems computed them in.

    Reads as the list of :class:`RowResult` it stands for (``rows[i]["grade"]``, ``len``,
    iteration, slices, ``==`` with a list): a row's result is built the first time it is read
    and kept (so it is the same object each time). Callers that read column-wise (the recompute
    plan, the board) take :meth:`column` and :attr:`numbers` and build no row at all.
    """

    __slots__ = ("_made", "columns", "keys", "names", "numbers")

    def __init__(
        self,
        numbers: Sequence[int],
        keys: Sequence[str | None],
        names: Sequence[str | None],
        columns: Mapping[str, Sequence[OutputValue]],
    ) -> None:
        """``numbers``: each row as Excel numbers it; ``keys``/``names``: its record;
        ``columns``: output key → one value per row (in the order a row's ``values`` lists)."""
        n = len(numbers)
        if len(keys) != n or len(names) != n or any(len(c) != n for c in columns.values()):
            raise ValueError("every column of a sheet's results needs one value per row")
        self.numbers = numbers
        self.keys = list(keys)
        self.names = names
        self.columns = dict(columns)
        self._made: list[RowResult | None] = [None] * n

    def column(self, key: str) -> Sequence[OutputValue]:
        """Output ``key`` of every row (``KeyError`` when the sheet's systems have none)."""
        return self.columns[key]

    def set_key(self, i: int, key: str) -> None:
        """Give row ``i`` its key (also to its result if that was built already)."""
        self.keys[i] = key
        made = self._made[i]
        if made is not None:
            made.key = key

    def __len__(self) -> int:
        return len(self.numbers)

    def _row(self, i: int) -> RowResult:
        made = self._made[i]
        if made is None:
            values = {key: column[i] for key, column in self.columns.items()}
            made = self._made[i] = _new_row(
                row=self.numbers[i], key=self.keys[i], name=self.names[i], values=values
            )
        return made

    @overload
    def __getitem__(self, i: int) -> RowResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[RowResult]: ...

    def __getitem__(self, i: int | slice) -> RowResult | list[RowResult]:
        if isinstance(i, slice):
            return [self._row(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("row result index out of range")
        return self._row(i)

    def __iter__(self) -> Iterator[RowResult]:
        return map(self._row, range(len(self)))

    def as_list(self) -> list[RowResult]:
        """The rows as a list, without keeping the ones not read before (for a dump)."""
        keys, columns = list(self.columns), list(self.columns.values())
        return [
            made
            if made is not None
            else _new_row(row=row, key=key, name=name, values=dict(zip(keys, values)))  # noqa: B905
            for made, row, key, name, values in zip(
                self._made,
                self.numbers,
                self.keys,
                self.names,
                zip(*columns, strict=True) if columns else repeat(()),
                strict=False,  # repeat(()) is endless
            )
        ]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (SheetRows, list, tuple)):
            return len(self) == len(other) and all(map(_same, self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(list(self))


def _same(a: object, b: object) -> bool:
    return a == b


def row_numbers(rows: Sequence[RowResult]) -> Sequence[int]:
    """The Excel row of each result, without building the results when they are columns."""
    return rows.numbers if isinstance(rows, SheetRows) else [r.row for r in rows]


def row_keys(rows: Sequence[RowResult]) -> Sequence[str | None]:
    """The key of each result, without building the results when they are columns."""
    return rows.keys if isinstance(rows, SheetRows) else [r.key for r in rows]


def set_row_key(rows: Sequence[RowResult], i: int, key: str) -> None:
    """Give result ``i`` of ``rows`` its key."""
    if isinstance(rows, SheetRows):
        rows.set_key(i, key)
    else:
        rows[i].key = key


def output_column(rows: Sequence[RowResult], key: str) -> Sequence[OutputValue]:
    """Output ``key`` of each result (``None`` where a row has none), read column-wise when
    the results are columns."""
    if isinstance(rows, SheetRows):
        column = rows.columns.get(key)
        return column if column is not None else [None] * len(rows)
    return [r.values.get(key) for r in rows]


class BookResult(BaseModel):
    """Everything the engine found in one workbook."""

    file: str
    layouts: dict[str, SheetLayout]
    # sheet name → one result per data row (the engine gives :class:`SheetRows`, which read
    # as such a list; a result validated from JSON holds lists)
    rows: dict[str, list[RowResult]]
    findings: list[Finding]
    rules: RulesInfo | None = None  # which rules these results were computed with

    @field_serializer("rows", mode="wrap")
    def _rows_as_lists(
        self, rows: Mapping[str, Sequence[RowResult]], handler: SerializerFunctionWrapHandler
    ) -> Any:
        return handler(
            {
                name: results.as_list() if isinstance(results, SheetRows) else list(results)
                for name, results in rows.items()
            }
        )

    def sheet(self, name: str) -> Sequence[RowResult]:
        """The row results of sheet ``name`` (empty when the schema has no such sheet)."""
        return self.rows.get(name, [])

    def column(self, sheet: str, key: str) -> Sequence[OutputValue]:
        """Output ``key`` of every row of ``sheet`` (``None`` where a row has none), in row
        order, read column-wise: ``result.column("客户", "grade")``."""
        return output_column(self.sheet(sheet), key)

    @property
    def customers(self) -> Sequence[RowResult]:
        return self.sheet(CUSTOMERS)

    @property
    def projects(self) -> Sequence[RowResult]:
        return self.sheet(PROJECTS)

    def findings_for(self, sheet: str, row: int) -> list[Finding]:
        """The findings of one row (Excel row number) of ``sheet``."""
        return [f for f in self.findings if f.sheet == sheet and f.row == row]

    @property
    def has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)
