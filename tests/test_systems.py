"""The seam for computed systems, shown with a toy system added the way a real one is.

联系方式数 counts the contact fields a customer row has filled (联系人, 联系电话, 传真 by
default). Adding it takes, and touches, only:

1. its module — here the ``ContactCount`` class below (in kqxl: ``kqxl/engine/systems/<name>.py``,
   registered in ``kqxl/engine/systems/__init__.py``);
2. its rules section — ``[contacts]`` in the rules file, validated by ``ContactRules``;
3. its columns — one computed column in the schema (``SCHEMA.with_columns`` here; in kqxl a
   line in ``kqxl/schema.py``);
4. its tests — this file.

No engine code (``kqxl/engine/evaluate.py``), rules model or write-back code is edited: the
engine runs it, the rules loader accepts its section, conditions may name the value it
provides, and ``plan_recompute`` writes its column.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from pydantic import BaseModel, ConfigDict
from test_engine_helpers import DEFAULT_RULES, TODAY, customer, grid

from kqxl.api import plan_recompute, recompute_workbook
from kqxl.book import read_workbook
from kqxl.cells import WorkbookGrid
from kqxl.engine import (
    Output,
    OutputKind,
    System,
    SystemInput,
    SystemOutput,
    evaluate,
    register,
    registered,
    unregister,
)
from kqxl.engine.system import ordered
from kqxl.errors import RulesError
from kqxl.rules import DerivedValue, Kind, dump_rules, parse_rules
from kqxl.rules.io import rules_fingerprint
from kqxl.schema import SCHEMA, Column, ColumnType, Group, Owner

# ------------------------------------------------------------------ the toy system, whole


class ContactRules(BaseModel):
    """``[contacts]``: which columns count as contact fields (by header)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fields: tuple[str, ...] = ("联系人", "联系电话", "传真")


class ContactCount(System):
    name = "contacts"
    sheet = "客户"
    reads = ("contact_name", "contact_phone", "fax")
    section = "contacts"
    section_model = ContactRules
    outputs = (Output("contact_count", OutputKind.NUMBER),)
    provides = (DerivedValue("客户", "联系方式数", Kind.NUMBER, "已填写的联系方式个数。"),)

    def __init__(self) -> None:
        self.collector_was_on: list[bool] = []

    def compute(self, given: SystemInput) -> SystemOutput:
        self.collector_was_on.append(gc.isenabled())
        section: ContactRules = given.rules.section(self.section)
        sheet = given.data.sheet
        columns = [given.data.values[sheet.by_header(h).key] for h in section.fields]  # type: ignore[union-attr]
        # Column-wise: one pass over each column, no object per row.
        counts = [sum(v is not None for v in row) for row in zip(*columns, strict=True)]
        return SystemOutput(values={"contact_count": counts}, derived={"联系方式数": counts})


CONTACT_COLUMN = Column(
    key="contact_count",
    header="联系方式数",
    type=ColumnType.INTEGER,
    group=Group.COMPUTED,
    owner=Owner.COMPUTED,
)
SCHEMA_WITH_CONTACTS = SCHEMA.with_columns("客户", CONTACT_COLUMN)

# ------------------------------------------------------------------------------- tests

DESIGN_CHECKLIST = """
[checklists."设计院"]
cumulative = true

[[checklists."设计院".levels]]
level = 1
require = "all"
conditions = [{ label = "至少两种联系方式", when = "联系方式数 >= 2" }]
"""


@pytest.fixture
def contacts() -> Iterator[ContactCount]:
    system = ContactCount()
    register(system)
    try:
        yield system
    finally:
        unregister(system.name)


def _book(rows: list[dict[str, object]]) -> WorkbookGrid:
    customers = SCHEMA_WITH_CONTACTS.customers
    return WorkbookGrid(
        "toy.xlsx", {"客户": grid(customers, rows), "项目": grid(SCHEMA.projects, [])}
    )


def test_a_registered_system_runs_reads_its_section_and_fills_its_column(
    contacts: ContactCount,
) -> None:
    rules = parse_rules(dump_rules(DEFAULT_RULES) + '\n[contacts]\nfields = ["联系人", "传真"]\n')
    rows = [
        customer("甲", "甲方", 联系人="王", 联系电话="138", 传真="021"),
        customer("乙", "总包", 联系电话="139"),
    ]
    result = evaluate(_book(rows), rules, TODAY, SCHEMA_WITH_CONTACTS)
    assert [c["contact_count"] for c in result.customers] == [2, 0]  # 联系电话 not counted
    assert [c["grade"] for c in result.customers] == ["未评级", "未评级"]  # grade still runs
    # plan_recompute writes the new column through the formatter of its kind.
    col = result.layouts["客户"].columns["contact_count"]
    written = {
        (c.row, c.value) for c in plan_recompute(result, SCHEMA_WITH_CONTACTS) if c.col == col
    }
    assert written == {(3, 2), (4, 0)}
    # The default section applies when the file has none.
    result = evaluate(_book(rows), DEFAULT_RULES, TODAY, SCHEMA_WITH_CONTACTS)
    assert [c["contact_count"] for c in result.customers] == [3, 1]


def test_conditions_may_name_the_value_a_system_provides(contacts: ContactCount) -> None:
    rules = parse_rules(dump_rules(DEFAULT_RULES) + DESIGN_CHECKLIST)
    rows = [
        customer("院一", "设计院", 联系人="王", 联系电话="138"),
        customer("院二", "设计院", 联系人="李"),
    ]
    result = evaluate(_book(rows), rules, TODAY, SCHEMA_WITH_CONTACTS)
    assert [c["grade"] for c in result.customers] == ["I级", "未评级"]
    # grade reads derived values, so it runs after their providers, wherever registered.
    names = [s.name for s in ordered(registered())]
    assert names.index("contacts") < names.index("grade") < names.index("heat")


def test_the_engine_leaves_the_collector_alone(contacts: ContactCount) -> None:
    assert gc.isenabled()
    evaluate(_book([customer("甲", "甲方")]), DEFAULT_RULES, TODAY, SCHEMA_WITH_CONTACTS)
    assert contacts.collector_was_on == [True] and gc.isenabled()


def test_a_section_is_known_only_while_its_system_is_registered() -> None:
    text = dump_rules(DEFAULT_RULES) + '\n[contacts]\nfields = ["联系人"]\n'
    with pytest.raises(RulesError, match="未知的设置项"):
        parse_rules(text)
    with pytest.raises(RulesError, match="联系方式数"):
        parse_rules(dump_rules(DEFAULT_RULES) + DESIGN_CHECKLIST)
    register(ContactCount())
    try:
        assert parse_rules(text).section("contacts").fields == ("联系人",)
        # a bad value in the section is reported at its line and field, as any other
        bad = text.replace('fields = ["联系人"]', "fields = 3")
        with pytest.raises(RulesError) as err:
            parse_rules(bad, source="r.toml")
        line = bad.splitlines().index("fields = 3") + 1
        assert str(err.value) == f"r.toml：第 {line} 行，contacts.fields：应为数组（[…]），实际为 3"
    finally:
        unregister("contacts")


def test_systems_run_in_dependency_order_and_a_cycle_is_refused() -> None:
    class A(System):
        name, sheet, needs = "a", "客户", ("b",)

    class B(System):
        name, sheet = "b", "客户"

    assert [s.name for s in ordered([A(), B()])] == ["b", "a"]
    B.needs = ("a",)
    with pytest.raises(ValueError, match="need each other"):
        ordered([A(), B()])
    with pytest.raises(ValueError, match="not given"):
        ordered([A()])


def test_evaluate_runs_only_the_systems_given() -> None:
    by_name = {s.name: s for s in registered()}
    links, grade = by_name["links"], by_name["grade"]
    result = evaluate(
        _book([customer("甲", "甲方", 1)]), DEFAULT_RULES, TODAY, SCHEMA, [links, grade]
    )
    assert result.customers[0]["grade"] == "I级"
    assert result.projects == [] and "heat" not in result.customers[0].values


def test_a_system_reading_a_column_the_schema_lacks_is_refused() -> None:
    class Reader(System):
        name, sheet, reads = "reader", "客户", ("no_such_column",)

    with pytest.raises(ValueError, match="no_such_column"):
        evaluate(_book([]), DEFAULT_RULES, TODAY, SCHEMA, [*registered(), Reader()])


def test_recompute_writes_a_new_systems_column_into_the_file(
    contacts: ContactCount, tmp_path: Path
) -> None:
    path = tmp_path / "联系.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws.append(["客户名称", "客户类型", "负责人", "联系人", "联系电话", "客情等级", "联系方式数"])
    ws.append(["甲公司", "甲方", "张三", "王经理", "138", None, None])
    ws.append(["乙公司", "总包", "张三", None, None, None, None])
    wb.create_sheet("项目").append(["项目名称", "负责人", "甲方", "项目阶段"])
    wb.save(path)
    recompute_workbook(path, today=TODAY, schema=SCHEMA_WITH_CONTACTS, backup=False)
    sheet = read_workbook(path).sheets["客户"]
    assert [sheet.value(r, 7) for r in (2, 3)] == [2, 0]
    assert [sheet.value(r, 6) for r in (2, 3)] == ["未评级", "未评级"]


def test_a_section_given_in_the_file_is_kept_when_the_rules_are_written_back() -> None:
    # The 规则 sheet and `kqxl rules export` store dump_rules: a system's section must survive.
    text = dump_rules(DEFAULT_RULES) + '\n[contacts]\nfields = ["联系人", "传真"]\n'
    register(ContactCount())
    try:
        rules = parse_rules(text)
        again = parse_rules(dump_rules(rules))
        assert again == rules
        assert again.section("contacts").fields == ("联系人", "传真")
        assert rules_fingerprint(again) != rules_fingerprint(DEFAULT_RULES)
        # a section left to its defaults is not written (it is not part of the file)
        assert "[contacts]" not in dump_rules(DEFAULT_RULES)
    finally:
        unregister("contacts")
