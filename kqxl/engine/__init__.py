"""The engine: pure functions over cell grids and rules. No file I/O, no clock, no openpyxl.

Validation, then the computed systems (:mod:`kqxl.engine.systems`: links, grade, heat), each
one module on one seam (:mod:`kqxl.engine.system`), run in dependency order.

>>> import datetime as dt
>>> from kqxl.cells import SheetGrid, WorkbookGrid
>>> from kqxl.rules import load_rules
>>> book = WorkbookGrid("demo.xlsx", {"客户": SheetGrid("客户", [["客户名称", "客户类型", "负责人"],
...                                                      ["甲公司", "甲方", "张三"]])})
>>> evaluate(book, load_rules(), dt.date(2024, 5, 3)).customers[0]["grade"]
'未评级'
"""

from __future__ import annotations

from kqxl.engine.convert import (
    cell_text,
    convert_column,
    name_key,
    parse_date,
    parse_number,
    serial_to_date,
)
from kqxl.engine.evaluate import CustomerIndex, evaluate, row_columns
from kqxl.engine.explain import explanation_text, reason_items
from kqxl.engine.grade import (
    Outcome,
    grade_rows,
    heat_rows,
)
from kqxl.engine.results import (
    BookResult,
    Finding,
    OutputValue,
    Reason,
    RowResult,
    SheetLayout,
    SheetRows,
)
from kqxl.engine.system import (
    Output,
    OutputKind,
    System,
    SystemInput,
    SystemOutput,
    register,
    registered,
    unregister,
)
from kqxl.engine.validate import (
    HeaderMatch,
    SheetData,
    locate_header,
    normalise_header,
    validate_sheet,
)

__all__ = [
    "BookResult",
    "CustomerIndex",
    "Finding",
    "HeaderMatch",
    "Outcome",
    "Output",
    "OutputKind",
    "OutputValue",
    "Reason",
    "RowResult",
    "SheetData",
    "SheetLayout",
    "SheetRows",
    "System",
    "SystemInput",
    "SystemOutput",
    "cell_text",
    "convert_column",
    "evaluate",
    "explanation_text",
    "grade_rows",
    "heat_rows",
    "locate_header",
    "name_key",
    "normalise_header",
    "parse_date",
    "parse_number",
    "reason_items",
    "register",
    "registered",
    "row_columns",
    "serial_to_date",
    "unregister",
    "validate_sheet",
]
