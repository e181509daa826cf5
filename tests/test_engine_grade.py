"""Grades and heats under the default rules (SPEC §2–§3) and under rule settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from test_engine_helpers import (
    CLIENT_LEVELS,
    DEFAULT_RULES,
    customer,
    project,
    run,
)

from kqxl.engine import Reason, RowResult, explanation_text, reason_items
from kqxl.rules import dump_rules, parse_rules

CLIENT_LABELS = {
    1: [
        "已送公司产品、资质等资料",
        "已介绍公司和产品特点",
        "有客户联系方式",
        "拜访≥3次，客户对业务员不排斥",
        "客户对公司和产品有较深印象",
    ],
    2: [
        "客户已了解产品，已做方案设计及产品演示",
        "与客户单独约见过",
        "客户愿意告诉我们较重要的信息",
        "客户可以方便约见",
        "上级主管已拜访",
    ],
    3: [
        "项目处于投标（品牌确定）阶段",
        "客户愿意建立较深业务关系，了解公司政策",
        "客户愿意告诉我们总包及竞争品牌信息",
        "客户主动推荐公司品牌（标书中有公司品牌）",
        "关键时期很容易约见",
    ],
    4: [
        "客户只愿意和公司合作，排斥竞争对手",
        "客户主动帮助疏通其它业务关系",
        "客户积极寻找理由保证使用公司产品",
        "标书（合同）中公司产品是唯一品牌",
    ],
}
CONTRACTOR_LABELS = {
    1: [
        "已送产品样本、报价表等资料",
        "已介绍公司和产品特点",
        "有客户的询价",
        "拜访≥5次，客户对业务员不排斥",
        "客户对公司和产品有较深印象",
    ],
    2: [
        "客户对产品、技术、供应已了解",
        "客户接受业务员",
        "与客户有过订单成交记录",
        "客户愿意告诉我们近期投标的项目信息",
        "客户可以方便约见（包括上级主管）",
    ],
    3: [
        "客户愿意建立较深业务关系，了解公司政策",
        "客户愿意告诉我们需要的核心信息",
        "同样条件下优先与本公司合作",
        "主动推荐本公司产品参与投标",
        "参加过本公司的产品推广会",
    ],
    4: [
        "只愿意和公司合作，排斥竞争对手",
        "主动帮助疏通其它业务关系",
        "积极寻找理由保证使用公司产品",
        "商务条件比竞争对手苛刻，仍然合作",
        "主动将已中标的项目改成公司产品",
    ],
}
ROMAN = {1: "I级", 2: "II级", 3: "III级", 4: "IV级"}


def items(labels: dict[int, list[str]], level: int) -> list[str]:
    return [f"{ROMAN[level]}：{label}" for label in labels[level]]


def reasons(r: RowResult) -> list[str]:
    """The reasons of a customer (grade) or a project (heat) result, one line each."""
    return reason_items(r["grade_reasons" if "grade" in r.values else "heat_reasons"])  # type: ignore[arg-type]


def gaps(r: RowResult) -> list[str]:
    return reason_items(r["grade_gaps" if "grade" in r.values else "heat_gaps"])  # type: ignore[arg-type]


def heat_label(p: RowResult) -> str:
    return f"{p['heat']:.0%}"


def graded(ctype: str, level: int, **extra: object):
    """Grade one customer that meets every condition up to ``level``; a project in 投标 makes
    甲方 III① hold from level 3 on."""
    projects = [project("工程", "甲", 项目阶段="投标")] if ctype == "甲方" and level >= 3 else []
    result = run([customer("甲", ctype, level, **extra)], projects)
    assert [f.code for f in result.findings if f.sheet == "客户" and f.level != "notice"] == []
    return result.customers[0]


@pytest.mark.parametrize(
    ("ctype", "labels"), [("甲方", CLIENT_LABELS), ("总包", CONTRACTOR_LABELS)]
)
@pytest.mark.parametrize("level", [0, 1, 2, 3, 4])
def test_every_level_with_reasons_and_gaps(
    ctype: str, labels: dict[int, list[str]], level: int
) -> None:
    c = graded(ctype, level)
    assert c["grade_level"] == level
    assert c["grade"] == ["未评级", "I级", "II级", "III级", "IV级"][level]
    assert reasons(c) == [i for lv in range(1, level + 1) for i in items(labels, lv)]
    assert gaps(c) == (items(labels, level + 1) if level < 4 else [])
    if level == 4:
        assert c["grade_gaps"] == ()
        assert explanation_text(c["grade_gaps"], "已达最高等级") == "已达最高等级"  # type: ignore[arg-type]


def test_client_level_one_partial_gaps_name_only_what_is_missing() -> None:
    c = graded("甲方", 0, 已送资料="是", 联系电话="021-1234", 拜访次数=2, 不排斥业务员="是")
    assert c["grade_level"] == 0
    assert reasons(c) == []
    assert gaps(c) == [
        "I级：已介绍公司和产品特点",
        "I级：拜访≥3次，客户对业务员不排斥",
        "I级：客户对公司和产品有较深印象",
    ]


def test_contractor_needs_five_visits_client_three() -> None:
    assert graded("甲方", 1, 拜访次数=3)["grade_level"] == 1
    assert graded("总包", 1, 拜访次数=4)["grade_level"] == 0
    assert graded("总包", 1, 拜访次数="5次")["grade_level"] == 1


def test_contractor_order_amount_must_be_positive() -> None:
    assert graded("总包", 2, 累计订单金额=0)["grade_level"] == 1
    assert graded("总包", 2, 累计订单金额="¥1,200")["grade_level"] == 2


def test_client_level_three_needs_a_project_in_bidding_or_later() -> None:
    for stage, expected in [("编写标书", 2), ("投标", 3), ("完工", 3), ("丢单", 2)]:
        result = run([customer("甲", "甲方", 3)], [project("工程", "甲", 项目阶段=stage)])
        assert result.customers[0]["grade_level"] == expected, stage
    # the furthest stage of its projects counts; a lost one does not
    result = run(
        [customer("甲", "甲方", 3)],
        [project("一", "甲", 项目阶段="丢单"), project("二", "甲", 项目阶段="中标")],
    )
    assert result.customers[0]["grade_level"] == 3


def test_cumulative_meeting_four_but_not_two_gives_one() -> None:
    c = graded("甲方", 1, **CLIENT_LEVELS[3])
    assert c["grade_level"] == 1
    assert gaps(c) == items(CLIENT_LABELS, 2)


def test_type_without_checklist_is_not_applicable() -> None:
    c = graded("经销商", 0, 已送资料="是")
    assert (c["grade_level"], c["grade"]) == (None, "不适用")
    assert c["grade_reasons"] is None and c["grade_gaps"] is None  # blank cells, not 已达最高等级


def _rules_with(old: str, new: str, count: int = 1):
    text = dump_rules(DEFAULT_RULES)
    assert old in text
    return parse_rules(text.replace(old, new, count))


def test_require_k_of_n() -> None:
    rules = _rules_with('level = 1\nrequire = "all"', "level = 1\nrequire = 3")
    row = customer("甲", "甲方", 0, 已送资料="是", 已介绍产品="是", 印象较深="是")
    c = run([row], rules=rules).customers[0]
    assert c["grade_level"] == 1
    assert reasons(c) == [
        "I级：已送公司产品、资质等资料",
        "I级：已介绍公司和产品特点",
        "I级：客户对公司和产品有较深印象",
    ]
    c = run([dict(row, 印象较深="否")], rules=rules).customers[0]
    assert c["grade_level"] == 0
    assert gaps(c) == [
        "I级（以下 3 项中还需满足 1 项）：有客户联系方式",
        "I级（以下 3 项中还需满足 1 项）：拜访≥3次，客户对业务员不排斥",
        "I级（以下 3 项中还需满足 1 项）：客户对公司和产品有较深印象",
    ]


def test_non_cumulative_grade_takes_the_highest_level_that_holds() -> None:
    rules = _rules_with("cumulative = true", "cumulative = false")
    c = run([customer("甲", "甲方", 1, **CLIENT_LEVELS[3])], rules=rules).customers[0]
    assert c["grade_level"] == 4
    assert reasons(c) == items(CLIENT_LABELS, 4)
    assert gaps(c) == []


def test_custom_rules_with_a_design_institute_checklist() -> None:
    text = dump_rules(DEFAULT_RULES) + (
        '\n[checklists."设计院"]\ncumulative = true\n\n[[checklists."设计院".levels]]\n'
        'level = 1\nrequire = "all"\nconditions = [\n'
        '  { label = "已送资料", when = \'已送资料 = "是"\' },\n'
        "  { label = \"拜访过两次\", when = '拜访次数 >= 2' },\n]\n"
        '\n[[checklists."设计院".levels]]\nlevel = 2\nrequire = 1\nconditions = [\n'
        "  { label = \"愿意配合保图\", when = '主动推荐我司 且 方便约见' },\n]\n"
        '\n[checklists."物业公司"]\n\n[[checklists."物业公司".levels]]\nlevel = 1\n'
        'conditions = [{ label = "有询价", when = "有询价" }]\n'
    )
    # [heat] must stay last in the text for the appended tables to be checklists; move it.
    head, heat = text.split("\n[heat]\n", 1)
    heat_block, extra = heat.split('\n[checklists."设计院"]', 1)
    rules = parse_rules(head + '\n[checklists."设计院"]' + extra + "\n[heat]\n" + heat_block)
    result = run(
        [
            customer("院一", "设计院", 0, 已送资料="是", 拜访次数=2),
            customer(
                "院二", "设计院", 0, 已送资料="是", 拜访次数=2, 主动推荐我司="是", 方便约见="是"
            ),
            customer("院三", "设计院", 0, 拜访次数=9),
            customer("物业", "物业公司", 0, 有询价="是"),
        ],
        rules=rules,
    )
    assert [c["grade_level"] for c in result.customers] == [1, 2, 0, 1]
    assert gaps(result.customers[0]) == ["II级：愿意配合保图"]
    assert gaps(result.customers[2]) == ["I级：已送资料"]
    assert result.findings == []  # 物业公司 is a type because the rules name it


# ------------------------------------------------------------------------------------ heat


def heat_of(contractor_level: int = 0, client_level: int = 0, **cols: object):
    result = run(
        [customer("甲", "甲方", client_level), customer("总", "总包", contractor_level)],
        [project("工程", "甲", "总", **cols)],
    )
    assert [f.code for f in result.findings] == []
    return result.projects[0]


def test_heat_90_either_condition() -> None:
    p = heat_of(标书唯一品牌="是", 项目金额=100000)
    assert (p["heat"], heat_label(p)) == (0.9, "90%")
    assert reasons(p) == ["90%：标书中公司产品是唯一品牌"]
    assert p["heat_gaps"] == ()  # the cell says 已达最高热度
    assert p["weighted_amount"] == pytest.approx(90000)
    assert reasons(heat_of(已签总包合同="是")) == ["90%：已与总包单位签订合同"]


def test_heat_70_two_of_four() -> None:
    p = heat_of(标书中有我司="是", 设计师配合="是")
    assert heat_label(p) == "70%"
    assert reasons(p) == [
        "70%：标书中有公司产品",
        "70%：设计师配合我司保图或改图，对甲方掌控力较强",
    ]
    assert gaps(p) == [
        "90%（以下 2 项中还需满足 1 项）：标书中公司产品是唯一品牌",
        "90%（以下 2 项中还需满足 1 项）：已与总包单位签订合同",
    ]


def test_heat_70_contractor_condition_needs_grade_three() -> None:
    assert heat_label(heat_of(2, 0, 甲方主动推荐="是", 总包主动使用="是")) == "30%"
    p = heat_of(3, 0, 甲方主动推荐="是", 总包主动使用="是")
    assert heat_label(p) == "70%"
    assert p["contractor_level"] == 3 and p["contractor_grade"] == "III级"
    assert reasons(p) == [
        "70%：甲方主动向总包推荐我司产品",
        "70%：总包客情≥III级，主动使用我司产品参与投标",
    ]


def test_heat_50() -> None:
    p = heat_of(2, 0, 甲方不拒绝="是", 总包同意使用="是")
    assert heat_label(p) == "50%"
    assert reasons(p) == [
        "50%：甲方不拒绝使用我司产品",
        "50%：中标总包客情≥II级，无明确倾向，同意使用",
    ]
    assert gaps(p) == [
        "70%（以下 4 项中还需满足 2 项）：标书中有公司产品",
        "70%（以下 4 项中还需满足 2 项）：甲方主动向总包推荐我司产品",
        "70%（以下 4 项中还需满足 2 项）：总包客情≥III级，主动使用我司产品参与投标",
        "70%（以下 4 项中还需满足 2 项）：设计师配合我司保图或改图，对甲方掌控力较强",
    ]
    # 标书中有我司 counts for 70% too, so one more 70% condition lifts it
    assert heat_label(heat_of(0, 0, 标书中有我司="是", 了解竞品策略="是")) == "50%"


def test_heat_30_by_contractor_grade_or_by_bid_stage() -> None:
    p = heat_of(1)
    assert heat_label(p) == "30%"
    assert reasons(p) == ["30%：参与投标的总包客情≥I级"]
    assert gaps(p)[0] == "50%（以下 4 项中还需满足 2 项）：标书中有我司产品"
    assert heat_label(heat_of(0, 2, 项目阶段="编写标书", 甲方同意写入标书="是")) == "30%"
    assert heat_label(heat_of(0, 1, 项目阶段="编写标书", 甲方同意写入标书="是")) == "0%"
    assert heat_label(heat_of(0, 2, 项目阶段="方案设计", 甲方同意写入标书="是")) == "0%"


def test_heat_zero_with_gaps_for_thirty() -> None:
    p = heat_of(项目金额="")
    assert (p["heat"], heat_label(p), reasons(p)) == (0.0, "0%", [])
    assert gaps(p) == [
        "30%（以下 2 项中还需满足 1 项）：已到编写标书阶段，甲方客情≥II级，同意写入标书",
        "30%（以下 2 项中还需满足 1 项）：参与投标的总包客情≥I级",
    ]
    assert p["amount"] is None and p["weighted_amount"] is None


def test_heat_floor_setting() -> None:
    rules = _rules_with('floor = 0\nfloor_label = ""', 'floor = 10\nfloor_label = "线索"')
    result = run([customer("甲", "甲方")], [project("工程", "甲", 项目金额=50000)], rules=rules)
    p = result.projects[0]
    assert (p["heat"], heat_label(p), p["weighted_amount"]) == (0.1, "10%", pytest.approx(5000))


def test_heat_cumulative_setting() -> None:
    rules = _rules_with(
        '[heat]\nfloor = 0\nfloor_label = ""\ncumulative = false',
        '[heat]\nfloor = 0\nfloor_label = ""\ncumulative = true',
    )
    result = run(
        [customer("甲", "甲方"), customer("总", "总包")],
        [project("工程", "甲", "总", 标书唯一品牌="是")],
        rules=rules,
    )
    assert heat_label(result.projects[0]) == "0%"


def test_project_grades_are_looked_up_by_name_or_key_after_folding() -> None:
    result = run(
        [customer("上海 甲方 集团", "甲方", 2, 客户编号="KH-001"), customer("总包公司", "总包", 1)],
        [project("一", "上海甲方集团", "ＫＨ－００１"), project("二", "KH-001", "总包公司 ")],
    )
    first, second = result.projects
    assert first["client_level"] == 2 and first["client_grade"] == "II级"
    assert second["client_level"] == 2 and second["contractor_level"] == 1
    assert [f.code for f in result.findings] == ["wrong_customer_type"]


def test_results_are_valid_models_and_dump_as_json() -> None:
    from kqxl.engine import BookResult

    result = run(
        [customer("甲", "甲方", 2, 最近拜访日期="下周")],
        [project("工程", "甲", 项目金额=1000, 标书中有我司="是", 甲方不拒绝="是")],
    )
    dumped = result.model_dump(mode="json")
    assert BookResult.model_validate(dumped) == result
    assert dumped["rows"]["项目"][0]["values"]["heat"] == 0.5
    assert dumped["rows"]["项目"][0]["values"]["weighted_amount"] == 500.0
    assert dumped["rows"]["客户"][0]["values"]["grade_reasons"][0] == {
        "level": "I级",
        "rank": 1,
        "label": "已送公司产品、资质等资料",
        "held": True,
        "need": 5,
        "of": 5,
    }
    # rows with the same pattern share their reasons, which cannot be changed
    again = run([customer("甲", "甲方", 1), customer("乙", "甲方", 1)])
    first, second = again.customers
    assert first["grade_reasons"] is second["grade_reasons"]
    assert isinstance(first["grade_reasons"], tuple)
    with pytest.raises(ValidationError):
        first["grade_reasons"][0].held = False  # type: ignore[index,union-attr]
    assert first.values is not second.values


def test_row_results_are_columns_read_as_a_list() -> None:
    from kqxl.engine import BookResult, SheetRows
    from kqxl.engine.results import row_keys, set_row_key

    result = run(
        [customer("甲", "甲方", 2), customer("乙", "总包", 1), customer("丙", "设计院")],
        [project("工程", "甲", "乙", 项目金额=1000, 标书中有我司="是")],
    )
    rows = result.customers
    assert isinstance(rows, SheetRows)
    # each row built once, when first read, and kept
    assert rows[0] is rows[0] and rows[-1] is rows[2] and list(rows)[1] is rows[1]
    assert [r["grade"] for r in rows] == list(result.column("客户", "grade"))
    assert [r.row for r in rows] == list(rows.numbers) == [r.row for r in rows[0:3]]
    assert result.column("客户", "no_such_output") == [None, None, None]
    assert rows == list(rows) and list(rows) == rows and rows != list(rows)[:2]
    with pytest.raises(IndexError):
        rows[3]
    # the dump is that of the rows as a list; validated back, they are lists, equal
    again = BookResult.model_validate(result.model_dump())
    assert isinstance(again.customers, list) and again == result
    assert again.column("客户", "grade") == list(result.column("客户", "grade"))
    assert again.model_dump() == result.model_dump()
    with pytest.raises(ValueError, match="one value per row"):
        SheetRows([3, 4], ["a", "b"], ["甲", "乙"], {"grade": ["I级"]})
    # a key given later (a recompute's new keys) reaches the column and a row built before
    built = rows[0]
    set_row_key(rows, 0, "KH-1")
    set_row_key(rows, 2, "KH-3")
    assert row_keys(rows) == ["KH-1", None, "KH-3"]
    assert built.key == "KH-1" and rows[2].key == "KH-3"
    listed = list(rows)
    set_row_key(listed, 1, "KH-2")
    assert row_keys(listed) == ["KH-1", "KH-2", "KH-3"]


def test_cell_text_groups_items_by_level() -> None:
    p = heat_of(标书中有我司="是", 设计师配合="是")
    assert explanation_text(p["heat_reasons"]) == (  # type: ignore[arg-type]
        "70%：标书中有公司产品；设计师配合我司保图或改图，对甲方掌控力较强"
    )
    assert explanation_text(p["heat_gaps"]) == (  # type: ignore[arg-type]
        "90%（以下 2 项中还需满足 1 项）：标书中公司产品是唯一品牌；已与总包单位签订合同"
    )
    assert explanation_text((), "已达最高等级") == "已达最高等级"
    assert explanation_text(None, "已达最高等级") == ""
    assert explanation_text(()) == ""

    def r(level: str, rank: int, label: str) -> Reason:
        return Reason(level=level, rank=rank, label=label, held=True, need=1, of=1)

    # a label may hold the separators itself; nothing is parsed back
    assert explanation_text([r("I级", 1, "甲"), r("I级", 1, "乙"), r("II级", 2, "丙：丁")]) == (
        "I级：甲；乙。II级：丙：丁"
    )
