"""A workbook laid out otherwise (an earlier template's order) keeps its order on recompute."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kqxl.api import recompute_workbook
from kqxl.cells import column_letter
from kqxl.demo import TODAY
from kqxl.schema import SCHEMA


def test_recompute_finds_columns_by_header_and_keeps_their_order(tmp_path: Path) -> None:
    # The schema's order, as templates were laid out before: 客情等级 is the 53rd column.
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    headers = SCHEMA.customers.headers
    for i, header in enumerate(headers, start=1):
        ws.cell(2, i, header)
    row = {"客户名称": "武汉江城置业有限公司", "客户类型": "甲方", "负责人": "张伟"}
    row |= {"已送资料": "是", "已介绍产品": "是", "联系电话": "13900000000", "拜访次数": 3}
    row |= {"不排斥业务员": "是", "印象较深": "是"}
    for header, value in row.items():
        ws.cell(3, headers.index(header) + 1, value)
    projects = wb.create_sheet("项目")
    for i, header in enumerate(SCHEMA.projects.headers, start=1):
        projects.cell(2, i, header)
    book = tmp_path / "旧表.xlsx"
    wb.save(book)

    done = recompute_workbook(book, today=TODAY)
    assert [c["grade"] for c in done.result.customers] == ["I级"]
    after = openpyxl.load_workbook(book)["客户"]
    assert [c.value for c in after[2]][: len(headers)] == list(headers)  # order kept
    grade = column_letter(headers.index("客情等级") + 1)
    assert grade == "BA" and after[f"{grade}3"].value == "I级"
    assert after["C3"].value == "甲方"  # nothing moved into the template's place for the grade
