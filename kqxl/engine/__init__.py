"""The engine: pure functions over cell grids and rules. No file I/O, no clock, no openpyxl.

>>> import datetime as dt
>>> from kqxl.cells import SheetGrid, WorkbookGrid
>>> from kqxl.rules import load_rules
>>> book = WorkbookGrid("demo.xlsx", {"客户": SheetGrid("客户", [["客户名称", "客户类型", "负责人"],
...                                                      ["甲公司", "甲方", "张三"]])})
>>> evaluate(book, load_rules(), dt.date(2024, 5, 3)).customers[0].grade_label
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
from kqxl.engine.evaluate import CustomerIndex, evaluate, row_columns, row_tuples
from kqxl.engine.grade import (
    Outcome,
    explanation_text,
    grade_counterpart,
    grade_rows,
    heat_of_project,
    heat_rows,
)
from kqxl.engine.results import (
    BookResult,
    CustomerResult,
    Finding,
    ProjectResult,
    SheetLayout,
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
    "CustomerResult",
    "Finding",
    "HeaderMatch",
    "Outcome",
    "ProjectResult",
    "SheetData",
    "SheetLayout",
    "cell_text",
    "convert_column",
    "evaluate",
    "explanation_text",
    "grade_counterpart",
    "grade_rows",
    "heat_of_project",
    "heat_rows",
    "locate_header",
    "name_key",
    "normalise_header",
    "parse_date",
    "parse_number",
    "row_columns",
    "row_tuples",
    "serial_to_date",
    "validate_sheet",
]
