"""Builders for engine tests: cell grids shaped like kqxl's templates or a rep's plain sheet.

No tests here; the other engine test modules import these builders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kqxl.cells import CellValue, SheetGrid, WorkbookGrid
from kqxl.engine import BookResult, evaluate
from kqxl.rules import Rules, load_rules
from kqxl.schema import SCHEMA, Sheet

TODAY = dt.date(2024, 6, 1)
DEFAULT_RULES = load_rules()


def headers(sheet: Sheet, computed: bool = True) -> list[str]:
    return [c.header for c in sheet.columns if computed or not c.is_computed]


def grid(
    sheet: Sheet,
    rows: list[dict[str, Any]],
    *,
    group_row: bool = True,
    header_list: list[str] | None = None,
) -> SheetGrid:
    """A sheet with a group-title row (as kqxl's templates) then headers, then one row per
    dict (keys are headers). Missing headers are blank cells."""
    hdrs = header_list or headers(sheet)
    out: list[list[CellValue]] = []
    if group_row:
        out.append(
            [c.group.value if c.header in hdrs else None for c in sheet.columns][: len(hdrs)]
        )
    out.append(list(hdrs))
    for r in rows:
        unknown = set(r) - set(hdrs)
        assert not unknown, unknown
        out.append([r.get(h) for h in hdrs])
    return SheetGrid(sheet.name, out)


def book(
    customers: list[dict[str, Any]] | None = None,
    projects: list[dict[str, Any]] | None = None,
    **kw: Any,
) -> WorkbookGrid:
    sheets = {}
    if customers is not None:
        sheets[SCHEMA.customers.name] = grid(SCHEMA.customers, customers, **kw)
    if projects is not None:
        sheets[SCHEMA.projects.name] = grid(SCHEMA.projects, projects, **kw)
    return WorkbookGrid("test.xlsx", sheets)


def run(
    customers: list[dict[str, Any]] | None = None,
    projects: list[dict[str, Any]] | None = None,
    rules: Rules | None = None,
    **kw: Any,
) -> BookResult:
    return evaluate(
        book(
            customers if customers is not None else [],
            projects if projects is not None else [],
            **kw,
        ),
        rules or DEFAULT_RULES,
        TODAY,
    )


YES = "是"

# Everything each level of each checklist needs, as cell values (cumulative).
CLIENT_LEVELS: list[dict[str, Any]] = [
    {
        "已送资料": YES,
        "已介绍产品": YES,
        "联系电话": "13800000000",
        "拜访次数": 3,
        "不排斥业务员": YES,
        "印象较深": YES,
    },
    {
        "了解产品": YES,
        "已做方案演示": YES,
        "单独约见过": YES,
        "愿告知重要信息": YES,
        "方便约见": YES,
        "主管已拜访": YES,
    },
    {"愿建深度关系": YES, "愿告知竞品信息": YES, "主动推荐我司": YES, "关键期易约见": YES},
    {"只与我司合作": YES, "帮助疏通关系": YES, "积极找理由使用": YES, "唯一品牌": YES},
]
CONTRACTOR_LEVELS: list[dict[str, Any]] = [
    {
        "已送资料": YES,
        "已介绍产品": YES,
        "有询价": YES,
        "拜访次数": 5,
        "不排斥业务员": YES,
        "印象较深": YES,
    },
    {
        "了解产品": YES,
        "接受业务员": YES,
        "累计订单金额": 12000,
        "愿告知投标信息": YES,
        "方便约见": YES,
    },
    {
        "愿建深度关系": YES,
        "愿告知重要信息": YES,
        "同等条件优先": YES,
        "主动推荐我司": YES,
        "参加推广会": YES,
    },
    {
        "只与我司合作": YES,
        "帮助疏通关系": YES,
        "积极找理由使用": YES,
        "条件苛刻仍合作": YES,
        "主动改用我司": YES,
    },
]


def customer(name: str, ctype: str, level: int = 0, **extra: Any) -> dict[str, Any]:
    """A customer row meeting every condition up to ``level`` of its type's checklist."""
    row: dict[str, Any] = {"客户名称": name, "客户类型": ctype, "负责人": "张三"}
    table = CLIENT_LEVELS if ctype == "甲方" else CONTRACTOR_LEVELS
    for lv in table[:level]:
        row.update(lv)
    row.update(extra)
    return row


def project(name: str, client: str, contractor: str | None = None, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "项目名称": name,
        "负责人": "张三",
        "甲方": client,
        "总包": contractor,
        "项目阶段": "信息",
    }
    row.update(extra)
    return row
