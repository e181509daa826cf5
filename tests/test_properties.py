"""Property tests: grading is deterministic and monotone; heat is monotone; rules round-trip."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_helpers import DEFAULT_RULES, book, customer, project, run

from kqxl.engine import evaluate
from kqxl.rules import (
    Checklist,
    Condition,
    GradeLevel,
    HeatLevel,
    HeatRules,
    Labels,
    Rules,
    dump_rules,
    parse_rules,
)
from kqxl.schema import SCHEMA, ColumnType

CUSTOMER_CHECKS = [
    c.header for c in SCHEMA.customers.columns if c.type is ColumnType.BOOL and not c.is_computed
]
PROJECT_CHECKS = [
    c.header for c in SCHEMA.projects.columns if c.type is ColumnType.BOOL and not c.is_computed
]
STAGES = list(SCHEMA.projects.column("stage").choices)

ticks = st.sets(st.sampled_from(CUSTOMER_CHECKS))
customer_rows = st.fixed_dictionaries(
    {
        "客户类型": st.sampled_from(["甲方", "总包"]),
        "ticked": ticks,
        "拜访次数": st.none() | st.integers(0, 8),
        "累计订单金额": st.none() | st.sampled_from([0, 1, 5000.5]),
        "联系电话": st.none() | st.just("13800000000"),
        "stage": st.none() | st.sampled_from(STAGES),
    }
)


def customer_row(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return customer(
        name,
        spec["客户类型"],
        0,
        拜访次数=spec["拜访次数"],
        累计订单金额=spec["累计订单金额"],
        联系电话=spec["联系电话"],
        **{h: "是" for h in spec["ticked"]},
    )


def grade(spec: dict[str, Any], rules: Rules = DEFAULT_RULES) -> tuple[Any, Any]:
    row = customer_row("甲", spec)
    projects = [project("工程", "甲", 项目阶段=spec["stage"])] if spec["stage"] else []
    c = run([row], projects, rules=rules).customers[0]
    return c["grade_level"], c["grade_gaps"]


@settings(max_examples=80, deadline=None)
@given(customer_rows, st.lists(customer_rows, min_size=1, max_size=6), st.randoms())
def test_a_grade_does_not_depend_on_the_other_rows(
    spec: dict[str, Any], others: list[dict[str, Any]], rng: random.Random
) -> None:
    # The engine decides each distinct pattern of held conditions once and shares the outcome
    # between rows: every row must still get the grade and gaps it gets on its own.
    alone = {f"客户{i}": grade(dict(s, stage=None)) for i, s in enumerate([spec, *others])}
    rows = [customer_row(f"客户{i}", s) for i, s in enumerate([spec, *others])]
    rng.shuffle(rows)
    result = run(rows, [])
    together = {c.name: (c["grade_level"], c["grade_gaps"]) for c in result.customers}
    assert together == alone


@settings(max_examples=200, deadline=None)
@given(customer_rows, st.sampled_from(CUSTOMER_CHECKS))
def test_ticking_one_more_condition_never_lowers_a_grade(spec: dict[str, Any], extra: str) -> None:
    before, _ = grade(spec)
    after, _ = grade(dict(spec, ticked=spec["ticked"] | {extra}))
    assert before is not None and after is not None
    assert after >= before


@settings(max_examples=150, deadline=None)
@given(customer_rows, st.integers(0, 10), st.sampled_from([0.0, 1.0, 1e6]))
def test_more_visits_or_orders_never_lower_a_grade(
    spec: dict[str, Any], more: int, amount: float
) -> None:
    before, _ = grade(spec)
    visits = (spec["拜访次数"] or 0) + more
    orders = (spec["累计订单金额"] or 0) + amount
    after, _ = grade(dict(spec, 拜访次数=visits, 累计订单金额=orders))
    assert after >= before  # type: ignore[operator]


@settings(max_examples=150, deadline=None)
@given(customer_rows)
def test_a_grade_below_the_top_always_names_a_gap(spec: dict[str, Any]) -> None:
    g, gaps = grade(spec)
    assert gaps is not None
    assert (gaps == ()) == (g == 4)
    assert all(not gap.held and gap.rank == g + 1 for gap in gaps)


project_rows = st.fixed_dictionaries(
    {
        "ticked": st.sets(st.sampled_from(PROJECT_CHECKS)),
        "stage": st.sampled_from(STAGES),
        "client_level": st.integers(0, 4),
        "contractor_level": st.integers(0, 4),
    }
)


def heat(spec: dict[str, Any]) -> float:
    customers = [
        customer("甲", "甲方", spec["client_level"]),
        customer("总", "总包", spec["contractor_level"]),
    ]
    projects = [
        project("工程", "甲", "总", 项目阶段=spec["stage"], **{h: "是" for h in spec["ticked"]})
    ]
    return run(customers, projects).projects[0]["heat"]


@settings(max_examples=150, deadline=None)
@given(project_rows, st.sampled_from(PROJECT_CHECKS))
def test_heat_is_monotone_in_ticked_conditions(spec: dict[str, Any], extra: str) -> None:
    assert heat(dict(spec, ticked=spec["ticked"] | {extra})) >= heat(spec)


@settings(max_examples=150, deadline=None)
@given(project_rows, st.sampled_from(["client_level", "contractor_level"]))
def test_heat_is_monotone_in_grades(spec: dict[str, Any], which: str) -> None:
    higher = dict(spec, **{which: min(4, spec[which] + 1)})
    assert heat(higher) >= heat(spec)


# ---------------------------------------------------------------------------- round trip

EXPRESSIONS = [
    '已送资料 = "是"',
    "拜访次数 >= 3 且 不排斥业务员",
    "联系电话 非空",
    "累计订单金额 > 1.2万",
    '项目阶段 IN ("投标", "中标")',
    "NOT (印象较深 OR 有询价)",
    "最近拜访日期 >= 2024-05-03",
    '客户类型 != "经销商"',
    "联系人 IS NOT BLANK",
]
HEAT_EXPRESSIONS = [
    '标书中有我司 = "是"',
    "总包等级 >= 2 且 总包同意使用",
    "甲方等级 >= 1",
    '项目阶段 NOT IN ("丢单")',
    "项目金额 > 0",
]
# Labels with anything a manager may type: quotes, backslashes, newlines, full width, emoji;
# not the control characters a workbook cell cannot store (rules holding them are refused).
storable = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters=[chr(c) for c in range(32) if chr(c) not in "\t\n\r"]
    + ["\ufffe", "\uffff"],
)
labels = st.text(storable, min_size=1, max_size=20)
require = st.sampled_from(["all", "half"]) | st.just(1)


@st.composite
def rules_models(draw: st.DrawFn) -> Rules:
    grade_labels = tuple(draw(st.lists(labels, min_size=3, max_size=6)))
    top = len(grade_labels) - 1
    checklists = {}
    for ctype in draw(st.lists(labels, min_size=1, max_size=3, unique=True)):
        n_levels = draw(st.integers(1, top))
        levels = []
        for lv in range(1, n_levels + 1):
            conds = tuple(
                Condition(label=draw(labels), when=draw(st.sampled_from(EXPRESSIONS)))
                for _ in range(draw(st.integers(1, 4)))
            )
            levels.append(GradeLevel(level=lv, require=draw(require), conditions=conds))
        checklists[ctype] = Checklist(cumulative=draw(st.booleans()), levels=tuple(levels))
    percents = draw(st.lists(st.integers(1, 100), min_size=1, max_size=5, unique=True))
    heat_levels = tuple(
        HeatLevel(
            percent=p,
            require=draw(require),
            conditions=tuple(
                Condition(label=draw(labels), when=draw(st.sampled_from(HEAT_EXPRESSIONS)))
                for _ in range(draw(st.integers(1, 3)))
            ),
        )
        for p in percents
    )
    return Rules(
        version=1,
        name=draw(st.text(storable, max_size=30)),
        labels=Labels(grades=grade_labels, not_applicable=draw(labels)),
        checklists=checklists,
        heat=HeatRules(
            floor=draw(st.integers(0, 100)),
            floor_label=draw(st.text(storable, max_size=10)),
            cumulative=draw(st.booleans()),
            levels=heat_levels,
        ),
    )


@settings(max_examples=200, deadline=None)
@given(rules_models())
def test_rules_round_trip_model_file_model(rules: Rules) -> None:
    text = dump_rules(rules)
    again = parse_rules(text)
    assert again == rules
    assert dump_rules(again) == text


def test_default_file_round_trips() -> None:
    assert parse_rules(dump_rules(DEFAULT_RULES)) == DEFAULT_RULES


def test_today_does_not_change_results_yet() -> None:
    b = book([customer("甲", "甲方", 2)], [project("工程", "甲", 项目金额=100)])
    first = evaluate(b, DEFAULT_RULES, dt.date(2024, 1, 1))
    assert first == evaluate(b, DEFAULT_RULES, dt.date(2030, 1, 1))
