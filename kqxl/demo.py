"""A sample sales team to try kqxl on: ``python -m kqxl.demo [DIR]`` (what ``make demo`` runs).

Builds a team folder — the master 团队总表.xlsx and one 客户跟进表 per rep — with realistic
Chinese sample rows that reach every grade (未评级–IV级, for 甲方 and 总包) and every heat
level (0%–90%), plus the mistakes reps really make (text in number columns, dates typed as
text, full-width digits, an unknown 甲方, a duplicate customer, ``#N/A``). Then it validates and
recomputes every workbook and prints what it found.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

import click

from kqxl.api import recompute_workbook
from kqxl.cells import CellError, CellValue
from kqxl.engine import BookResult, OutputValue
from kqxl.rules import Rules, load_rules
from kqxl.schema import COMPLAINTS, PERSONALITIES, VISITS
from kqxl.texts import CLI, DEMO, text

Row = dict[str, CellValue]

REPS = ("张伟", "李娜", "王强", "刘洋")
TODAY = dt.date(2026, 11, 23)

# Which checklist columns a rep ticks to reach each level under the shipped rules (SPEC §2).
CLIENT_LEVELS: tuple[tuple[str, ...], ...] = (
    ("sent_materials", "introduced", "not_rejecting", "deep_impression"),
    ("knows_product", "demo_done", "met_alone", "shares_key_info", "easy_to_meet", "boss_visited"),
    ("deep_relation", "shares_rival_info", "recommends_us", "easy_at_key_time"),
    ("exclusive", "opens_doors", "finds_reasons", "sole_brand"),
)
CONTRACTOR_LEVELS: tuple[tuple[str, ...], ...] = (
    ("sent_materials", "introduced", "has_inquiry", "not_rejecting", "deep_impression"),
    ("knows_product", "accepts_rep", "shares_bid_info", "easy_to_meet"),
    ("deep_relation", "shares_key_info", "prefers_us", "recommends_us", "joined_promotion"),
    ("exclusive", "opens_doors", "finds_reasons", "accepts_harsh_terms", "switches_to_us"),
)

CITIES = ("武汉", "长沙", "南昌", "合肥", "郑州", "成都", "重庆", "西安")
CLIENT_NAMES = (
    "江城置业",
    "楚天地产",
    "光谷科技园",
    "东湖文旅",
    "汉江医院",
    "晴川酒店",
    "南湖学院",
    "黄鹤商业",
)
CONTRACTOR_NAMES = (
    "中建华中",
    "长江建工",
    "华中安装",
    "宏远机电",
    "鼎盛建设",
    "金盾消防",
    "远大幕墙",
    "恒通机电",
)
OTHER_NAMES = (("设计院", "中南建筑设计院"), ("经销商", "汉正街建材商行"), ("零售店", "光谷五金店"))
STAGES_BY_HEAT = {90: "签约", 70: "投标", 50: "编写标书", 30: "方案设计", 0: "信息"}
SURNAMES = "陈杨赵黄周吴徐孙马朱胡郭何高林罗"


def _ticks(levels: tuple[tuple[str, ...], ...], grade: int) -> Row:
    row: Row = {}
    for level in levels[:grade]:
        for key in level:
            row[key] = "是"
    return row


def _customer(rep: str, n: int, name: str, kind: str, grade: int) -> Row:
    levels = CLIENT_LEVELS if kind == "甲方" else CONTRACTOR_LEVELS
    city = name[:2]
    row: Row = {
        "customer_name": f"{name}有限公司",
        "customer_type": kind,
        "owner_rep": rep,
        "contact_name": f"{SURNAMES[n % len(SURNAMES)]}经理",
        "contact_phone": f"139{(n * 7919) % 100000000:08d}" if grade >= 1 else None,
        "address": f"{city}市{('江汉', '武昌', '洪山', '江岸')[n % 4]}区建设大道{100 + n}号",
        "visit_count": (0, 3, 4, 6, 9)[grade] + (2 if kind == "总包" and grade else 0),
        "last_visit": TODAY - dt.timedelta(days=3 + 11 * (n % 5)),
        "order_amount": 0 if grade < 2 else 180000.0 * grade,
        "contact_birthday": dt.date(1975 + n % 15, 1 + n % 12, 1 + n % 28),
        "partner_since": dt.date(2018 + n % 6, 3, 15) if grade >= 2 else None,
        "delivery_priority": ("低", "中", "中", "高", "高")[grade],
        "interests": ("钓鱼", "羽毛球", "茶道", "书法", "自驾游")[n % 5],
        # the systems beyond grade and heat: contribution, portfolio, person, loyalty
        "period_revenue": (0, 60000.0, 150000.0, 400000.0, 900000.0)[grade] * (1 + n % 3),
        "period_profit": (0, 6000.0, 30000.0, 60000.0, 90000.0)[grade] * (1 + n % 3),
        "attractiveness": ("低", "高")[(n + grade) % 2] if grade else None,
        "our_position": ("弱", "强")[grade >= 2] if grade else None,
        "personality": PERSONALITIES[n % 4],
        "satisfaction": ("满意", "比较满意", "很满意")[min(grade, 2)] if grade else None,
        "repurchase": ("30%以下", "30%-70%", "70%以上")[min(grade, 2)] if grade else None,
        "care_spend": 2000.0 * grade if n % 4 else 30000.0 if grade else None,
        "receivable": 50000.0 if n % 5 == 2 and grade else None,
        "receivable_due": TODAY - dt.timedelta(days=20) if n % 5 == 2 and grade else None,
        # care calendar: some contacts keep a lunar birthday, one customer moves house soon
        "contact_lunar_birthday": ("十月十八", "闰六月初八", "腊月廿三")[n % 3]
        if n % 4 == 1
        else None,
        "major_event": "乔迁新址" if n == 2 else None,
        "major_event_date": TODAY + dt.timedelta(days=9) if n == 2 else None,
    }
    row.update(_ticks(levels, grade))
    return row


def sample_logs(team: dict[str, tuple[list[Row], list[Row]]]) -> dict[str, dict[str, list[Row]]]:
    """Per rep: a few 跟进记录 rows for the first customers, and one complaint."""
    logs: dict[str, dict[str, list[Row]]] = {}
    for r, (rep, (customers, _)) in enumerate(team.items()):
        first, second = customers[0]["customer_name"], customers[2]["customer_name"]
        visits: list[Row] = [
            {
                "visit_date": TODAY - dt.timedelta(days=d),
                "customer": name,
                "contact": "陈经理",
                "kind": kind,
                "with_boss": boss,
                "content": "介绍新产品，了解项目进展",
                "next_step": "送样品",
                "next_date": TODAY + dt.timedelta(days=7),
            }
            for name, d, kind, boss in (
                (first, 40, "拜访", "否"),
                (first, 20, "宴请", "是"),
                (first, 6, "拜访", "否"),
                (second, 3, "电话", None),
            )
        ]
        received = TODAY - dt.timedelta(days=2 * (r % 2))
        complaint: Row = {
            "customer": second,
            "received_on": received,
            "received_at": "15:30",
            "region": ("杭州", "武汉")[r % 2],
            "handler": rep,
            "content": "到货延期三天",
            "step_respect": "是",
            "step_listen": "是",
        }
        logs[rep] = {VISITS: visits, COMPLAINTS: [complaint]}
    return logs


def _project(
    rep: str, n: int, name: str, client: str, contractor: str | None, heat: int, amount: float
) -> Row:
    row: Row = {
        "project_name": name,
        "owner_rep": rep,
        "client": client,
        "contractor": contractor,
        "design_institute": "中南建筑设计院",
        "amount": amount,
        "stage": STAGES_BY_HEAT[heat],
        "expected_sign": TODAY + dt.timedelta(days=20 + 15 * n),
        "last_follow_up": TODAY - dt.timedelta(days=2 + n),
        "rivals": ("海尔、美的", "格力", "大金、日立", "西门子")[n % 4],
        "stage_since": TODAY - dt.timedelta(days=10 + 9 * n),
    }
    ticks = {
        90: ("contract_signed", "in_bid"),
        70: ("in_bid", "client_recommends", "designer_supports"),
        50: ("client_not_refusing", "knows_rival_strategy"),
        30: ("client_agrees_bid",),
        0: (),
    }[heat]
    for key in ticks:
        row[key] = "是"
    return row


def sample_team() -> dict[str, tuple[list[Row], list[Row]]]:
    """Rows per rep: every grade 0–4 for 甲方 and 总包 per rep, every heat level per rep."""
    team: dict[str, tuple[list[Row], list[Row]]] = {}
    # heat level → (grade of its 甲方, grade of its 总包 or None)
    heats = {90: (4, 4), 70: (3, 3), 50: (2, 2), 30: (2, 1), 0: (0, None)}
    for r, rep in enumerate(REPS):
        customers: list[Row] = []
        by_grade: dict[tuple[str, int], Row] = {}
        for g in range(5):
            n = r * 5 + g
            grade = (g + r) % 5
            client = _customer(rep, n, CITIES[r] + CLIENT_NAMES[g], "甲方", grade)
            contractor = _customer(rep, n + 40, CITIES[r + 4] + CONTRACTOR_NAMES[g], "总包", grade)
            customers += (client, contractor)
            by_grade["甲方", grade] = client
            by_grade["总包", grade] = contractor
        kind, name = OTHER_NAMES[r % len(OTHER_NAMES)]
        customers.append(_customer(rep, r + 90, CITIES[r] + name[2:], kind, 1))
        projects: list[Row] = []
        for i, (heat, (client_grade, contractor_grade)) in enumerate(heats.items()):
            client = by_grade["甲方", client_grade]
            partner = by_grade["总包", contractor_grade] if contractor_grade is not None else None
            suffix = ("一期", "二期", "综合楼", "改造", "新区")[i]
            title = f"{str(client['customer_name'])[:4]}{suffix}暖通项目"
            projects.append(
                _project(
                    rep,
                    i,
                    title,
                    str(client["customer_name"]),
                    str(partner["customer_name"]) if partner else None,
                    heat,
                    300000.0 + 250000.0 * ((r * 7 + i * 3) % 9),
                )
            )
        team[rep] = (customers, projects)
    _add_mistakes(team)
    return team


def _add_mistakes(team: dict[str, tuple[list[Row], list[Row]]]) -> None:
    """The mistakes real sheets hold, one or two per rep."""
    zhang_c, zhang_p = team["张伟"]
    zhang_c[1]["visit_count"] = "五次"  # text in a number column
    zhang_c[2]["last_visit"] = "2026年11月3日"  # a date typed as text (accepted)
    zhang_p[2]["amount"] = CellError("#N/A")  # an error value copied from a lookup
    li_c, li_p = team["李娜"]
    li_c[3]["visit_count"] = "１２"  # full-width digits (accepted)
    li_c[4]["customer_type"] = "业主"  # not one of the choices
    li_p[3]["client"] = "武汉未知置业有限公司"  # a 甲方 that is not in the customer sheet
    wang_c, _wang_p = team["王强"]
    wang_c[5]["customer_name"] = wang_c[6]["customer_name"]  # duplicate customer
    wang_c[0]["last_visit"] = "2026/11/31"  # no such day
    liu_c, liu_p = team["刘洋"]
    liu_c[7]["introduced"] = "√"  # a tick mark (accepted as 是)
    liu_p[1]["stage"] = None  # a required choice left blank
    liu_c[8]["contact_phone"] = '=HYPERLINK("http://example.com")'  # stays text, never a formula


def build_team(folder: Path, rules: Rules) -> list[Path]:
    """Write the master and one workbook per rep into ``folder`` (replacing a previous demo)."""
    from kqxl.book.template import write_template

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    team = sample_team()
    logs = sample_logs(team)
    paths = [
        write_template(
            folder / "团队总表.xlsx",
            "master",
            rules,
            customers=[row for c, _ in team.values() for row in c],
            projects=[row for _, p in team.values() for row in p],
            logs={
                sheet: [row for rep_logs in logs.values() for row in rep_logs[sheet]]
                for sheet in (VISITS, COMPLAINTS)
            },
        )
    ]
    for rep, (customers, projects) in team.items():
        paths.append(
            write_template(
                folder / f"客户跟进表-{rep}.xlsx",
                "rep",
                rules,
                rep_name=rep,
                customers=customers,
                projects=projects,
                logs=logs[rep],
            )
        )
    return paths


def run_demo(folder: Path, today: dt.date = TODAY) -> int:
    """Build the sample team, recompute every workbook, print a summary; the exit code."""
    rules = load_rules(None)
    paths = build_team(folder, rules)
    click.echo(text(DEMO, "built", folder=folder, files="、".join(p.name for p in paths)))
    results: dict[str, BookResult] = {}
    boards: list[str] = []  # the master's 看板, then the first rep's small one (its line)
    mine: list[str] = []
    for path in paths:
        done = recompute_workbook(path, rules=rules, today=today)
        results[path.name] = result = done.result
        problems = sum(f.level != "notice" for f in result.findings)
        if done.board is not None:
            from kqxl.board import board_lines

            if done.board.scope == "team":
                boards = board_lines(done.board)
            elif not mine:
                mine = [*board_lines(done.board)[:2], text(DEMO, "rep_board", file=path.name)]
        click.echo(
            text(
                DEMO,
                "recomputed",
                file=path.name,
                customers=len(result.customers),
                projects=len(result.projects),
                problems=problems,
                notices=len(result.findings) - problems,
                cells=done.cells_changed,
            )
        )
    _print_summary(results[paths[0].name], rules, paths[0])
    _print_reminders(paths[0], today)
    for line in [*boards, *mine]:
        click.echo(f"  {line}")
    click.echo(text(DEMO, "open", path=paths[0]))
    click.echo("")
    run_team_sync(folder / SYNC_FOLDER, today)
    return 0


SYNC_FOLDER = "团队同步"


def run_team_sync(folder: Path, today: dt.date = TODAY) -> int:
    """The sample team as a synced team in ``folder``: the master, one workbook per rep made
    from it (``kqxl init --rep``), a first sync; then a day of edits — one conflict, one
    reassignment, one row deleted by a rep, one possible duplicate — and the sync that
    follows, printed as ``kqxl sync`` prints it. The exit code ``kqxl sync`` would give."""
    from kqxl.book import CellChange, RowDelete, patch_workbook
    from kqxl.book.template import write_template
    from kqxl.schema import SCHEMA
    from kqxl.sync.apply import read_side, report_lines, sync_team
    from kqxl.sync.rep import init_rep

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    team = sample_team()
    master = write_template(
        folder / "团队总表.xlsx",
        "master",
        load_rules(None),
        customers=[row for c, _ in team.values() for row in c],
        projects=[row for _, p in team.values() for row in p],
    )
    recompute_workbook(master, today=today)
    reps = {rep: Path(init_rep(master, rep).path) for rep in REPS}
    first = sync_team(master, today=today)
    click.echo(text(DEMO, "sync_first", folder=folder, sync_id=first.sync_id))

    def edit(path: Path, name: str, changes: dict[str, CellValue]) -> None:
        side = read_side(path, "master" if path == master else "rep", SCHEMA)
        sheet = side.sheets["客户"]
        key = next(k for k, f in sheet.table.items() if f["customer_name"] == name)
        cells = [
            CellChange("客户", sheet.rows[key], sheet.columns[f], v) for f, v in changes.items()
        ]
        patch_workbook(path, cells, backup=False)

    zhang_first = str(team["张伟"][0][0]["customer_name"])
    li_first = str(team["李娜"][0][1]["customer_name"])
    liu_gone = str(team["刘洋"][0][3]["customer_name"])
    # a conflict: 张伟 and the manager change the same contact differently
    edit(reps["张伟"], zhang_first, {"contact_name": "周总", "visit_count": 7})
    edit(master, zhang_first, {"contact_name": "吴总", "manager_note": "月底前约见采购"})
    # a reassignment: the manager gives one of 李娜's customers to 王强
    edit(master, li_first, {"owner_rep": "王强"})
    # a row deleted by a rep: 刘洋 deletes a customer (it comes back, nothing is lost)
    side = read_side(reps["刘洋"], "rep", SCHEMA)
    gone = next(k for k, f in side.sheets["客户"].table.items() if f["customer_name"] == liu_gone)
    patch_workbook(reps["刘洋"], [], rows=[RowDelete("客户", side.sheets["客户"].rows[gone])])
    # a possible duplicate: 王强 enters 张伟's customer under a slightly different name
    side = read_side(reps["王强"], "rep", SCHEMA)
    wang = side.sheets["客户"]
    row = wang.last_row + 1
    twin = zhang_first.replace("有限公司", "有限责任公司").replace(
        zhang_first[:2], f"{zhang_first[:2]}市"
    )
    patch_workbook(
        reps["王强"],
        [
            CellChange("客户", row, wang.columns["customer_name"], twin),
            CellChange("客户", row, wang.columns["customer_type"], "甲方"),
        ],
        backup=False,
    )
    report = sync_team(master, today=today)
    click.echo("$ kqxl sync 团队总表.xlsx")
    for line in report_lines(report):
        click.echo(line)
    return 1 if report.needs_attention else 0


# At most this many findings are listed; the rest are counted, with the command that lists all.
LISTED_FINDINGS = 20


def _print_summary(result: BookResult, rules: Rules, path: Path) -> None:
    click.echo(text(DEMO, "summary"))
    order = [*rules.labels.grades, rules.labels.not_applicable]
    by_type: dict[str, Counter[str]] = defaultdict(Counter)
    for c in result.customers:
        by_type[str(c["customer_type"] or DEMO["invalid_type"])][str(c["grade"])] += 1
    click.echo(text(DEMO, "grades"))
    for kind, counts in by_type.items():
        ranked = sorted(counts.items(), key=lambda item: order.index(item[0]))
        click.echo(f"    {kind:<4} " + "  ".join(f"{label} {n}" for label, n in ranked))
    click.echo(text(DEMO, "pipeline"))
    pipeline: dict[float, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for p in result.projects:
        entry = pipeline[_number(p["heat"])]
        entry[0] += 1
        entry[1] += _number(p["amount"])
        entry[2] += _number(p["weighted_amount"])
    for heat in sorted(pipeline, reverse=True):
        n, amount, weighted = pipeline[heat]
        label = f"{heat:.0%}"
        click.echo(
            text(DEMO, "pipeline_line", label=label, n=int(n), amount=amount, weighted=weighted)
        )
    total = sum(entry[2] for entry in pipeline.values())
    click.echo(text(DEMO, "pipeline_total", total=total))
    classes = Counter(str(c["value_class"] or "—") for c in result.customers)
    class_counts = "  ".join(f"{k} {classes[k]}" for k in sorted(classes))
    click.echo(text(DEMO, "classes", counts=class_counts))
    overdue = sum(1 for c in result.customers if c["overdue_days"])
    warned = sum(1 for c in result.customers if c["warnings"])
    complaints = result.sheet(COMPLAINTS)
    late = sum(1 for c in complaints if c["overdue"])
    click.echo(
        text(DEMO, "alerts", overdue=overdue, warned=warned, complaints=len(complaints), late=late)
    )
    problems = [f for f in result.findings if f.level != "notice"]
    notices = [f for f in result.findings if f.level == "notice"]
    for title, found in (("problems", problems), ("notices", notices)):
        click.echo(text(DEMO, title, n=len(found)))
        # every one is listed, or the count of those left out is said
        for f in found[:LISTED_FINDINGS]:
            cell = f"{f.sheet}!{f.column or ''}{f.row or ''}"
            click.echo(text(DEMO, "finding", cell=cell, message=f.message))
        more = len(found) - LISTED_FINDINGS
        if more > 0:
            click.echo("    " + text(CLI, "more_findings", n=more, path=path))


def _print_reminders(master: Path, today: dt.date, days: int = 30) -> None:
    from kqxl.remind import remind_workbook

    done = remind_workbook(master, today=today, days=days)
    found = done.reminders
    click.echo(text(DEMO, "reminders", days=days))
    for r in found.reminders:
        note = f"（{r.detail}）" if r.detail else ""
        click.echo(
            text(
                DEMO,
                "reminder",
                day=r.remind_on,
                kind=r.kind_label,
                customer=r.customer,
                todo=r.todo,
                note=note,
            )
        )


def _number(value: OutputValue) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "demo":
        args = args[1:]
    folder = Path(args[0]) if args else Path("demo")
    sys.exit(run_demo(folder))


if __name__ == "__main__":
    main()
