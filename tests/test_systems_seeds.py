"""The systems of SPEC §5 beyond grade and heat, checked against the seeds' numbers.

Visit log 跟进记录, value class (Pareto 80/20), key-account faces, portfolio and cadence,
progress, complaints (12 h / 24 h, clock or working hours across a 调休 weekend), warnings,
personality tips, loyalty index and the 16-question self-assessment (3+5+10+15, 1+4+9+12,
2+8+14+16, 6+7+11+13).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_engine_helpers import DEFAULT_RULES, TODAY, customer, grid, project

from kqxl.api import recompute_workbook
from kqxl.book import read_workbook
from kqxl.book.template import build_template
from kqxl.cells import WorkbookGrid
from kqxl.engine import BookResult, evaluate
from kqxl.engine.workdays import add_working_hours, is_workday, schedule_known
from kqxl.errors import RulesError
from kqxl.rules import Rules, dump_rules, parse_rules
from kqxl.schema import COMPLAINTS, SCHEMA, SELF_ASSESSMENT, VISITS
from kqxl.texts import SYSTEM_TEXTS


def run(
    customers: list[dict[str, Any]],
    projects: list[dict[str, Any]] | None = None,
    *,
    rules: Rules = DEFAULT_RULES,
    today: dt.date = TODAY,
    **logs: list[dict[str, Any]],
) -> BookResult:
    """Evaluate a book; ``logs`` by sheet name (跟进记录, 投诉, 自评); a sheet not given is
    absent."""
    sheets = {
        "客户": grid(SCHEMA.customers, customers),
        "项目": grid(SCHEMA.projects, projects or []),
    }
    for name, rows in logs.items():
        sheets[name] = grid(SCHEMA.sheet(name), rows)
    return evaluate(WorkbookGrid("t.xlsx", sheets), rules, today)


def col(result: BookResult, key: str, sheet: str = "客户") -> list[Any]:
    return [r[key] for r in result.sheet(sheet)]


def with_section(toml: str) -> Rules:
    return parse_rules(dump_rules(DEFAULT_RULES) + "\n" + toml)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


# --------------------------------------------------------------------------- 跟进记录


def visit(name: str, day: dt.date, kind: str = "拜访", boss: str | None = None) -> dict[str, Any]:
    return {"日期": day, "客户": name, "方式": kind, "上级主管": boss}


def test_the_visit_log_counts_visits_and_feeds_the_grade() -> None:
    # 甲 meets every I级 condition but 拜访≥3次 as typed (1); the log holds three visits, a call
    # and one visit with the manager.
    rows = [customer("甲", "甲方", 1, 拜访次数=1), customer("乙", "甲方", 1, 拜访次数=1)]
    log = [
        visit("甲", days_ago(30)),
        visit("甲", days_ago(20), "宴请", boss="是"),
        visit("甲", days_ago(10), "活动"),
        visit("甲", days_ago(2), "电话"),  # a call is not a visit by default
    ]
    without = run(rows)
    assert col(without, "grade") == ["未评级", "未评级"]
    result = run(rows, **{VISITS: log})
    assert col(result, "grade") == ["I级", "未评级"]
    assert col(result, "visit_source") == ["跟进记录（4 条）", "本表填写"]
    assert col(result, "logged_visits") == [4, 0]
    assert not result.findings
    # what the later systems read: 最近拜访日期 is the last visit, not the call
    assert col(result, "next_visit")[0] == days_ago(10) + dt.timedelta(days=15)
    # counting calls too is a rule
    rules = with_section('[visits]\ncounted_kinds = ["拜访", "电话", "宴请", "活动"]\n')
    again = run(rows, rules=rules, **{VISITS: log})
    assert col(again, "next_visit")[0] == days_ago(2) + dt.timedelta(days=15)


def test_the_log_never_lowers_what_was_typed() -> None:
    # 9 visits typed before the log was kept; the log holds one visit and a call
    rows = [customer("甲", "甲方", 1, 拜访次数=9, 最近拜访日期=days_ago(1))]
    log = [visit("甲", days_ago(5)), visit("甲", days_ago(0), "电话")]
    result = run(rows, **{VISITS: log})
    assert col(result, "grade") == ["I级"]
    assert col(result, "visit_source") == ["本表填写（多于跟进记录 2 条）"]
    assert col(result, "next_visit") == [days_ago(1) + dt.timedelta(days=15)]  # the later date


def test_the_manager_visit_comes_from_the_log() -> None:
    ii = customer("甲", "甲方", 2, 主管已拜访=None)  # every condition of II级 but the manager's
    without_boss = [visit("甲", days_ago(d)) for d in (9, 6, 3)]
    assert col(run([ii], **{VISITS: without_boss}), "grade") == ["I级"]
    with_boss = [*without_boss, visit("甲", days_ago(1), boss="是")]
    assert col(run([ii], **{VISITS: with_boss}), "grade") == ["II级"]


def test_a_log_row_for_an_unknown_customer_is_a_finding_and_the_log_is_optional() -> None:
    result = run([customer("甲", "甲方")], **{VISITS: [visit("丙", days_ago(1))]})
    [finding] = result.findings
    assert (finding.code, finding.sheet, finding.row, finding.column) == (
        "unknown_customer",
        VISITS,
        3,
        "C",
    )
    # a workbook without the log (or the other new sheets) has no finding about them
    assert run([customer("甲", "甲方")]).findings == []
    # several rows for one customer are not duplicates
    assert run([customer("甲", "甲方")], **{VISITS: [visit("甲", TODAY)] * 2}).findings == []


# -------------------------------------------------------------------------- value class


def test_value_classes_follow_the_80_20_rule_and_the_manager_override_wins() -> None:
    # Seed 002: 80% of the revenue comes from 20% of the customers. Equal contributions get
    # one class: the sixth 2,600 starts at 93% (B), the 2,200s at 95.6% (not B).
    revenue = [40_000, 40_000] + [2_600] * 6 + [2_200] * 2
    rows = [
        customer(f"客户{i}", "甲方", 期间销售额=r, 有发展潜力="是" if i == 9 else None)
        for i, r in enumerate(revenue)
    ]
    rows.append(customer("零", "甲方", 期间销售额=0))
    rows.append(customer("无", "甲方"))
    result = run(rows)
    assert col(result, "value_class") == ["A", "A", *"BBBBBB", "D", "C", "D", None]
    assert col(result, "value_basis")[:2] == ["销售额累计占比 40%", "销售额累计占比 80%"]
    assert col(result, "value_basis")[9] == "销售额累计占比 100%，有发展潜力"
    rows[2]["指定价值分类"] = "A"
    rows[11]["指定价值分类"] = "C"
    result = run(rows)
    assert col(result, "value_class")[2] == "A"
    assert col(result, "value_basis")[2] == "经理指定（计算为 B）"
    assert col(result, "value_class_computed")[2] == "B"
    assert col(result, "value_basis")[11] == "经理指定"
    # the cut-offs and the basis are rules
    rules = with_section('[value]\nbasis = "毛利"\na_share = 0.5\n')
    profit = run(
        [customer("甲", "甲方", 期间毛利=60), customer("乙", "甲方", 期间毛利=40)], rules=rules
    )
    assert col(profit, "value_class") == ["A", "B"]


def test_bad_sections_are_refused_with_their_field() -> None:
    with pytest.raises(RulesError, match="value"):
        with_section("[value]\na_share = 0.9\nb_share = 0.5\n")
    with pytest.raises(RulesError, match=r"cadence\.intervals"):
        with_section('[cadence]\nintervals = { "明星" = 0 }\n')
    with pytest.raises(RulesError, match=r"progress\.max_days"):
        with_section('[progress]\nmax_days = { "谈判" = 10 }\n')
    with pytest.raises(RulesError, match=r"complaints\.work_end"):
        with_section('[complaints]\nwork_start = "18:00"\nwork_end = "09:00"\n')


def test_the_sections_shown_in_the_rules_guide_are_the_defaults_and_load() -> None:
    guide = (Path(__file__).parents[1] / "docs" / "RULES.md").read_text(encoding="utf-8")
    block = guide.split("## The other systems' sections", 1)[1].split("```toml\n", 1)[1]
    rules = with_section(block.split("```", 1)[0])
    for name in ("visits", "value", "face", "cadence", "progress", "complaints", "warnings"):
        assert rules.section(name) == DEFAULT_RULES.section(name), name
    assert parse_rules(dump_rules(rules)) == rules


def test_key_account_faces_from_margin_volume_and_influence() -> None:
    rows = [
        customer("超市", "经销商", 期间销售额=1_000_000, 期间毛利=50_000),  # big, 5% → 白脸
        customer("专业", "甲方", 期间销售额=100_000, 期间毛利=40_000),  # 40% → 红脸
        customer("协会", "其他", 期间销售额=10_000, 期间毛利=0, 品牌影响力="是"),  # → 黑脸
        customer("普通", "甲方", 期间销售额=100_000, 期间毛利=20_000),  # 20% → none
        customer("小店", "零售店", 期间销售额=1_000, 期间毛利=50),  # thin but small → none
    ]
    assert col(run(rows), "account_face") == ["白脸", "红脸", "黑脸", None, None]
    assert col(run(rows), "margin")[:2] == [0.05, 0.4]


# ---------------------------------------------------------------- portfolio and cadence


PLACES = {"明星": ("高", "强"), "现金牛": ("低", "强"), "问题": ("高", "弱"), "瘦狗": ("低", "弱")}


def test_portfolio_classes_and_their_visit_intervals() -> None:
    rows = [
        customer(name, "甲方", 吸引力=a, 我司地位=p, 最近拜访日期=days_ago(10))
        for name, (a, p) in PLACES.items()
    ]
    rows.append(customer("未分", "甲方", 最近拜访日期=days_ago(20)))
    rows.append(customer("未访", "甲方", 吸引力="高", 我司地位="强"))
    result = run(rows)
    assert col(result, "portfolio_class") == ["明星", "现金牛", "问题", "瘦狗", None, "明星"]
    assert col(result, "portfolio")[0].startswith("明星：高质量拜访")
    assert col(result, "visit_interval") == [7, 15, 7, 30, 15, 7]
    assert col(result, "next_visit") == [
        days_ago(3),
        days_ago(-5),
        days_ago(3),
        days_ago(-20),
        days_ago(5),
        None,
    ]
    assert col(result, "overdue_days") == [3, 0, 3, 0, 5, None]
    assert col(result, "visit_alert") == [
        "逾期 3 天未拜访",
        None,
        "逾期 3 天未拜访",
        None,
        "逾期 5 天未拜访",
        None,
    ]
    rules = with_section('[cadence]\nintervals = { "明星" = 14 }\ndefault_interval = 30\n')
    assert col(run(rows, rules=rules), "visit_interval") == [14, 30, 30, 30, 30, 14]


def test_too_many_visits_within_the_interval_are_flagged() -> None:
    star = customer("明", "甲方", 吸引力="高", 我司地位="强")
    three = [visit("明", days_ago(d)) for d in (6, 3, 0)]
    result = run([star], **{VISITS: three})
    assert col(result, "visit_alert") == ["拜访过频：近 7 天 3 次（上限 2 次）"]
    spread = [visit("明", days_ago(d)) for d in (12, 6, 0)]  # one falls outside the week
    assert col(run([star], **{VISITS: spread}), "visit_alert") == [None]


# ------------------------------------------------------------------ progress and warnings


def test_progress_warns_after_the_stage_limit() -> None:
    projects = [
        project("甲", "客甲", 项目阶段="投标", 阶段开始日期=days_ago(31)),
        project("乙", "客甲", 项目阶段="投标", 阶段开始日期=days_ago(30)),
        project("丙", "客甲", 项目阶段="完工", 阶段开始日期=days_ago(300)),
    ]
    result = run([customer("客甲", "甲方")], projects)
    assert col(result, "progress_alert", "项目") == ["“投标”阶段已 31 天（上限 30 天）", None, None]
    assert col(result, "warnings") == ["进度：1 个项目阶段停留过久"]


def test_warnings_for_arrears_spending_and_change() -> None:
    rows = [
        customer("欠", "甲方", 欠款金额=50_000, 欠款到期日=days_ago(12)),
        customer("未到", "甲方", 欠款金额=50_000, 欠款到期日=days_ago(-3)),
        customer("费", "甲方", 客情费用=8_000, 期间销售额=100_000),
        customer("省", "甲方", 客情费用=5_000, 期间销售额=100_000),
        customer("变", "甲方", 变故="联系人离职", 客情费用=100),
    ]
    assert col(run(rows), "warnings") == [
        "欠款：逾期 12 天，50,000 元",
        None,
        "费用：客情费用占销售额 8.0%（上限 5%）",
        None,
        "费用：有客情费用 100 元，但无销售额；变故：联系人离职",
    ]
    rules = with_section("[warnings]\nreceivable_grace_days = 15\nspend_share = 0.1\n")
    assert col(run(rows, rules=rules), "warning_count") == [0, 0, 0, 0, 2]


# ------------------------------------------------------------------------ complaints


def complaint(
    name: str, on: dt.date, at: str | None, region: str | None, **kw: Any
) -> dict[str, Any]:
    return {"客户": name, "接到日期": on, "接到时刻": at, "地区": region, **kw}


def test_response_deadlines_12_hours_at_home_and_24_outside() -> None:
    rows = [customer("杭客", "甲方"), customer("沪客", "甲方")]
    got = dt.date(2024, 5, 31)
    complaints = [
        complaint("杭客", got, "14:30", "杭州市西湖区"),
        complaint("沪客", got, "14:30", "上海"),
        complaint("杭客", got, "14:30", None),  # blank region: the stricter home deadline
    ]
    result = run(rows, **{COMPLAINTS: complaints})
    assert col(result, "response_deadline", COMPLAINTS) == [
        "2024-06-01 02:30",
        "2024-06-01 14:30",
        "2024-06-01 02:30",
    ]
    assert col(result, "response_status", COMPLAINTS) == [
        "今天 02:30 前响应",
        "今天 14:30 前响应",
        "今天 02:30 前响应",
    ]
    # a day later both are overdue, and each is an open warning of its customer
    late = run(rows, today=TODAY + dt.timedelta(days=1), **{COMPLAINTS: complaints})
    assert col(late, "response_status", COMPLAINTS) == ["已逾期，请立即响应"] * 3
    assert col(late, "warnings") == ["投诉：2 件超时未响应", "投诉：1 件超时未响应"]
    # the home region is a setting
    rules = with_section('[complaints]\nhome_region = "上海"\n')
    assert col(run(rows, rules=rules, **{COMPLAINTS: complaints}), "response_deadline", COMPLAINTS)[
        :2
    ] == ["2024-06-01 14:30", "2024-06-01 02:30"]


def test_responses_on_time_and_late_and_the_seven_steps() -> None:
    got = dt.date(2024, 5, 30)
    steps = {"表示尊重": "是", "倾听理解": "是", "弄清期望": "是"}
    all_steps = dict.fromkeys(
        ("表示尊重", "倾听理解", "弄清期望", "确认需求", "列出方案", "采取行动", "回访确认"), "是"
    )
    complaints = [
        complaint("甲", got, "10:00", "杭州", 响应日期=got, 响应时刻="21:00", **steps),
        complaint(
            "甲", got, "10:00", "杭州", 响应日期=got + dt.timedelta(days=1), 响应时刻="09:00"
        ),
        complaint("甲", got, "10:00", "杭州", **all_steps),
    ]
    result = run([customer("甲", "甲方")], **{COMPLAINTS: complaints})
    assert col(result, "response_status", COMPLAINTS) == [
        "按时响应",
        "超时响应（超 11 小时）",
        "已逾期，请立即响应",
    ]
    assert col(result, "handling", COMPLAINTS) == [
        "已完成 3/7，下一步：确认需求",
        "已完成 0/7，下一步：表示尊重",
        "七步已完成",
    ]
    assert col(result, "overdue", COMPLAINTS) == [0, 0, 1]


def test_working_hours_across_a_night_and_a_tiaoxiu_weekend() -> None:
    rules = with_section('[complaints]\nhours = "working"\n')
    rows = [customer("杭客", "甲方"), customer("沪客", "甲方")]
    complaints = [
        # Tuesday 15:00: 3 h that day, 9 h the next (a night between)
        complaint("杭客", dt.date(2026, 11, 24), "15:00", "杭州"),
        # Friday 16:00 before the 2026 Spring Festival: 2 h Friday, 9 h on Saturday 14 February
        # (a 调休 make-up workday), then the holiday until Tuesday 24 February: 1 h more
        complaint("杭客", dt.date(2026, 2, 13), "16:00", "杭州"),
        # Friday 17:00 before an ordinary weekend, 24 h outside: Fri 1 + Mon 9 + Tue 9 + Wed 5
        complaint("沪客", dt.date(2026, 11, 27), "17:00", "上海"),
    ]
    result = run(rows, rules=rules, today=dt.date(2026, 1, 1), **{COMPLAINTS: complaints})
    assert col(result, "response_deadline", COMPLAINTS) == [
        "2026-11-25 18:00",
        "2026-02-24 10:00",
        "2026-12-02 14:00",
    ]
    # in clock hours the same complaints are due 12 h / 24 h later
    clock = run(rows, today=dt.date(2026, 1, 1), **{COMPLAINTS: complaints})
    assert col(clock, "response_deadline", COMPLAINTS) == [
        "2026-11-25 03:00",
        "2026-02-14 04:00",
        "2026-11-28 17:00",
    ]


def test_a_make_up_workday_counts_and_an_unknown_year_falls_back_to_statutory_days() -> None:
    assert dt.date(2026, 2, 14).weekday() == 5 and is_workday(dt.date(2026, 2, 14))
    assert not is_workday(dt.date(2026, 2, 16))  # a Monday in the Spring Festival holiday
    assert schedule_known(2026)
    if not schedule_known(2031):  # a year no source knows yet: weekends and statutory days off
        assert is_workday(dt.date(2031, 1, 6)) and not is_workday(dt.date(2031, 1, 4))
        assert not is_workday(dt.date(2031, 1, 1))  # 元旦, a Wednesday
    start = dt.datetime(2026, 2, 14, 17, 0)  # the make-up Saturday itself counts
    assert add_working_hours(start, 2, dt.time(9), dt.time(18)) == dt.datetime(2026, 2, 24, 10, 0)


def test_a_complaint_time_that_is_no_time_is_a_finding() -> None:
    rows = [complaint("甲", dt.date(2024, 5, 31), "下午三点", "杭州")]
    result = run([customer("甲", "甲方")], **{COMPLAINTS: rows})
    [finding] = result.findings
    assert (finding.code, finding.sheet, finding.column, finding.value) == (
        "not_a_time",
        COMPLAINTS,
        "D",
        "下午三点",
    )
    # read as 0:00 meanwhile
    assert col(result, "response_deadline", COMPLAINTS) == ["2024-05-31 12:00"]


# ------------------------------------------------------------------------- reference


def test_personality_tips_and_loyalty_index() -> None:
    rows = [
        customer(
            "甲",
            "甲方",
            性格类型="支配型",
            满意度="很满意",
            重复购买概率="70%以上",
            推荐可能="很大可能",
        ),
        customer(
            "乙",
            "甲方",
            性格类型="分析型",
            满意度="满意",
            重复购买概率="30%-70%",
            推荐可能="不可能",
        ),
        customer("丙", "甲方", 满意度="比较满意"),
        customer("丁", "甲方"),
    ]
    result = run(rows)
    tips = col(result, "personality_tip")
    assert tips[0] == SYSTEM_TEXTS["tip_支配型"] and "直接的回答" in tips[0]
    assert "批评" in tips[1] and tips[2:] == [None, None]
    # satisfaction 100/75/50/25/0, repurchase 100/50/0, referral 100/50/0, equal weights
    assert col(result, "loyalty_index") == [100, 33, 75, None]
    rules = with_section("[loyalty]\nreferral = 0\n")
    assert col(run(rows, rules=rules), "loyalty_index") == [100, 50, 75, None]


SUBS = {
    "contact_score": (3, 5, 10, 15),
    "gathering_score": (1, 4, 9, 12),
    "giving_score": (2, 8, 14, 16),
    "influence_score": (6, 7, 11, 13),
}


def test_self_assessment_sub_scores_are_the_seed_sums() -> None:
    # all questions 1 but one at 5: only the sub-score holding that question rises by 4
    rows = [
        {"业务员": "张三", **{f"第{q}题": 5 if q == k else 1 for q in range(1, 17)}}
        for k in range(1, 17)
    ]
    result = run([], **{SELF_ASSESSMENT: rows})
    for key, questions in SUBS.items():
        assert col(result, key, SELF_ASSESSMENT) == [
            8 if k in questions else 4 for k in range(1, 17)
        ]
    assert col(result, "total_score", SELF_ASSESSMENT) == [20] * 16
    # every question belongs to exactly one sub-score
    assert sorted(q for qs in SUBS.values() for q in qs) == list(range(1, 17))


def test_a_score_outside_1_to_5_is_a_finding_and_leaves_its_sums_blank() -> None:
    row = {"业务员": "张三", **{f"第{q}题": 3 for q in range(1, 17)}, "第10题": 6}
    result = run([], **{SELF_ASSESSMENT: [row]})
    [finding] = result.findings
    assert (finding.code, finding.header, finding.value) == ("score_range", "第10题", "6")
    assert col(result, "contact_score", SELF_ASSESSMENT) == [None]
    assert col(result, "gathering_score", SELF_ASSESSMENT) == [12]
    assert col(result, "total_score", SELF_ASSESSMENT) == [None]


# ---------------------------------------------------------------------- into the file


def test_recompute_writes_the_new_columns_and_sheets(tmp_path: Path) -> None:
    path = tmp_path / "张三.xlsx"
    rows = [
        {"customer_name": "甲公司", "customer_type": "甲方", "owner_rep": "张三"},
        {
            "customer_name": "乙公司",
            "customer_type": "总包",
            "owner_rep": "张三",
            "attractiveness": "高",
            "our_position": "弱",
            "last_visit": days_ago(40),
        },
    ]
    wb = build_template("rep", DEFAULT_RULES, rep_name="张三", customers=rows)
    wb[VISITS].append([None, "甲公司", days_ago(3), "王经理", "拜访", "是"])
    wb[SELF_ASSESSMENT].append(["S1", "张三", TODAY, *range(1, 6), *range(1, 6), *range(1, 6), 5])
    wb.save(path)
    recompute_workbook(path, today=TODAY, backup=False)
    book = read_workbook(path)
    customers = book.sheets["客户"]
    headers = list(customers.rows[1])

    def cell(row: int, header: str) -> Any:
        return customers.value(row, headers.index(header) + 1)

    assert cell(3, "拜访数据来源") == "跟进记录（1 条）"
    assert cell(3, "下次拜访日期") == days_ago(3) + dt.timedelta(days=15)
    assert cell(4, "拜访数据来源") == "本表填写"
    assert cell(4, "客户组合").startswith("问题")
    assert cell(4, "逾期天数") == 33
    assert cell(4, "拜访预警") == "逾期 33 天未拜访"
    scores = book.sheets[SELF_ASSESSMENT]
    sheader = list(scores.rows[1])
    # q1..q16 = 1,2,3,4,5,1,2,3,4,5,1,2,3,4,5,5
    assert scores.value(3, sheader.index("接触能力") + 1) == 3 + 5 + 5 + 5
    assert scores.value(3, sheader.index("总分") + 1) == sum([*range(1, 6)] * 3) + 5
