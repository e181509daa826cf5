"""Workbook I/O: fast reading, the in-place patch writer, file safety.

>>> from kqxl.book import read_workbook, patch_workbook, CellChange
>>> book = read_workbook("张三.xlsx")                                   # doctest: +SKIP
>>> patch_workbook("张三.xlsx", [CellChange("客户", 2, 5, "A级")])     # doctest: +SKIP
"""

from __future__ import annotations

from kqxl.book.patch import (
    KEEP,
    CellChange,
    CellColumns,
    PatchReport,
    RowDelete,
    RowMove,
    SheetContent,
    patch_workbook,
)
from kqxl.book.port import FileWorkbook, Workbook, WorkbookEdit, WriteReport, open_workbook
from kqxl.book.reader import read_workbook
from kqxl.book.safety import Limits, file_stamp

__all__ = [
    "KEEP",
    "CellChange",
    "CellColumns",
    "FileWorkbook",
    "Limits",
    "PatchReport",
    "RowDelete",
    "RowMove",
    "SheetContent",
    "Workbook",
    "WorkbookEdit",
    "WriteReport",
    "file_stamp",
    "open_workbook",
    "patch_workbook",
    "read_workbook",
]
