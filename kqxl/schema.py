"""The sheets kqxl owns, as data: every column's key, Chinese header, type, owner and group.

A :class:`Schema` holds any number of sheets. Two carry the records today: **客户** (one row
per counterpart organisation) and **项目** (one row per project, naming its 甲方 and 总包). Columns are grouped by the five record
categories of the customer file (基本/商业/个人/后勤/商业记录), plus the relationship checklist
(客情清单) that the grade rules read, and the computed columns that kqxl fills.

Conditions in the rules name columns by their Chinese header (``拜访次数 >= 3``); code names
them by ``key``. Both are unique within a sheet. Values that conditions may name besides the
headers (项目阶段 of a customer, 甲方等级 of a project) are declared by the computed system that
provides them (``kqxl/engine/systems/``), not here.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict

TEMPLATE_VERSION = 1


class ColumnType(str, Enum):
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DATE = "date"
    BOOL = "bool"  # 是/否
    CHOICE = "choice"
    PERCENT = "percent"  # computed heat only


class Owner(str, Enum):
    REP = "rep"  # the rep types it; flows rep → master
    MANAGER = "manager"  # the manager sets it; flows master → rep
    COMPUTED = "computed"  # kqxl fills it; nobody types it


class Group(str, Enum):
    BASIC = "基本细节"
    BUSINESS = "商业细节"
    PERSONAL = "个人细节"
    LOGISTICS = "后勤细节"
    RECORD = "商业记录"
    CHECKLIST = "客情清单"
    COMPUTED = "计算结果"


YES, NO = "是", "否"
BOOL_CHOICES = (YES, NO)


class Column(BaseModel):
    """One column of a sheet."""

    model_config = ConfigDict(frozen=True)

    key: str
    header: str
    type: ColumnType
    group: Group
    owner: Owner = Owner.REP
    required: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""
    width: float = 12.0

    @property
    def is_computed(self) -> bool:
        return self.owner is Owner.COMPUTED


class Sheet(BaseModel):
    """One sheet: its name, its key column, and its columns in template order."""

    model_config = ConfigDict(frozen=True)

    name: str
    key_column: str
    name_column: str
    columns: tuple[Column, ...]
    description: str = ""

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def by_header(self, header: str) -> Column | None:
        for col in self.columns:
            if col.header == header:
                return col
        return None

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


CUSTOMERS, PROJECTS = "客户", "项目"


class Schema(BaseModel):
    """The sheets of a workbook, in the order they are validated and reported."""

    model_config = ConfigDict(frozen=True)

    version: int = TEMPLATE_VERSION
    sheets: tuple[Sheet, ...]

    def sheet(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    def with_columns(self, name: str, *columns: Column) -> Schema:
        """This schema with ``columns`` appended to sheet ``name`` (a new system's columns)."""
        sheets = tuple(
            s.model_copy(update={"columns": (*s.columns, *columns)}) if s.name == name else s
            for s in self.sheets
        )
        return self.model_copy(update={"sheets": sheets})

    @property
    def customers(self) -> Sheet:
        return self.sheet(CUSTOMERS)

    @property
    def projects(self) -> Sheet:
        return self.sheet(PROJECTS)


# Customer types. 甲方 and 总包 have checklists in the default rules; the others are kept and
# validated but graded 不适用 unless a company's rules give them a checklist.
CUSTOMER_TYPES = ("甲方", "总包", "设计院", "经销商", "零售店", "其他")

# Project stages in the order a project moves through them; 丢单 (lost) ends a project early.
PROJECT_STAGES = (
    "信息",
    "立项",
    "方案设计",
    "编写标书",
    "投标",
    "中标",
    "签约",
    "供货",
    "完工",
    "丢单",
)

PRIORITIES = ("高", "中", "低")


# The column tables read best one column to a line.
# fmt: off
def _c(key: str, header: str, type_: ColumnType, group: Group, **kw: object) -> Column:
    return Column(key=key, header=header, type=type_, group=group, **kw)  # type: ignore[arg-type]


T, INT, M, D, B, C, P = (ColumnType.TEXT, ColumnType.INTEGER, ColumnType.MONEY, ColumnType.DATE,
                       ColumnType.BOOL, ColumnType.CHOICE, ColumnType.PERCENT)
G = Group
MGR, CMP = Owner.MANAGER, Owner.COMPUTED


def _check(key: str, header: str, description: str) -> Column:
    return _c(key, header, B, G.CHECKLIST, choices=BOOL_CHOICES, description=description,
              width=max(8.0, len(header) * 2.2 + 2))


CUSTOMER_SHEET = Sheet(
    name=CUSTOMERS,
    key_column="customer_id",
    name_column="customer_name",
    description="每行一个往来单位（甲方、总包、设计院、经销商、零售店……）。",
    columns=(
        # 基本细节
        _c("customer_id", "客户编号", T, G.BASIC, description="稳定编号，新行留空时由 kqxl 分配，不要改动。", width=12),
        _c("customer_name", "客户名称", T, G.BASIC, required=True, description="单位全称，在本表中唯一。", width=24),
        _c("customer_type", "客户类型", C, G.BASIC, required=True, choices=CUSTOMER_TYPES,
           description="甲方、总包、设计院、经销商、零售店或其他；决定使用哪一套客情等级清单。", width=10),
        _c("owner_rep", "负责人", T, G.BASIC, required=True, owner=MGR, description="负责该客户的业务员，由经理指定。", width=10),
        _c("contact_name", "联系人", T, G.BASIC, description="主要联系人姓名。", width=10),
        _c("contact_phone", "联系电话", T, G.BASIC, description="手机或座机；填写后视为“有客户联系方式”。", width=15),
        _c("fax", "传真", T, G.BASIC, description="传真号码。", width=14),
        _c("address", "地址", T, G.BASIC, description="单位地址。", width=28),
        _c("bank_name", "开户银行", T, G.BASIC, description="开户银行名称。", width=18),
        _c("bank_account", "银行账号", T, G.BASIC, description="银行账号（按文本保存，避免丢失前导零）。", width=22),
        # 商业细节
        _c("development_plan", "发展计划", T, G.BUSINESS, description="客户的业务发展计划。", width=24),
        _c("fiscal_year", "财政年度", T, G.BUSINESS, description="客户的财政年度（如 1月–12月）。", width=12),
        _c("founded_on", "成立日期", D, G.BUSINESS, description="客户单位成立日期，用于周年纪念提醒。", width=12),
        _c("partner_since", "合作开始日期", D, G.BUSINESS, description="与我司开始合作的日期，用于合作纪念日。", width=14),
        # 个人细节
        _c("contact_birthday", "联系人生日", D, G.PERSONAL, description="主要联系人的生日（公历）。", width=12),
        _c("interests", "兴趣爱好", T, G.PERSONAL, description="联系人的兴趣爱好。", width=16),
        _c("taboos", "忌讳偏见", T, G.PERSONAL, description="需要避免的话题或习惯。", width=16),
        # 后勤细节
        _c("delivery_priority", "送货优先级", C, G.LOGISTICS, choices=PRIORITIES, description="高、中、低。", width=11),
        _c("delivery_note", "送货要求", T, G.LOGISTICS, description="送货时间、地点等要求。", width=18),
        # 商业记录
        _c("visit_count", "拜访次数", INT, G.RECORD, description="累计拜访次数（整数）。", width=10),
        _c("last_visit", "最近拜访日期", D, G.RECORD, description="最近一次拜访的日期。", width=14),
        _c("order_amount", "累计订单金额", M, G.RECORD, description="与我司累计成交金额（元）；大于 0 视为“有过订单成交记录”。", width=15),
        _c("last_order", "最近成交日期", D, G.RECORD, description="最近一次成交的日期。", width=14),
        _c("manager_note", "经理批注", T, G.RECORD, owner=MGR, description="经理写给业务员的批注。", width=20),
        # 客情维护提醒 (kqxl remind). 农历生日 is a personal detail, kept here with the other
        # care columns so that the columns before it keep their letters in existing workbooks.
        _c("contact_lunar_birthday", "农历生日", T, G.RECORD, description="按农历过生日时填写，如“四月初八”“闰四月初八”；填写后按农历提醒，不再按联系人生日提醒。", width=12),
        _c("major_event", "重要事件", T, G.RECORD, description="客户的大事：开业、乔迁、庆典；生病、丧事等需立即慰问。", width=16),
        _c("major_event_date", "事件日期", D, G.RECORD, description="重要事件的日期，用于客情维护提醒。", width=12),
        # 客情清单 (是/否) — the conditions a rep ticks; see the rules for which level uses which.
        _check("sent_materials", "已送资料", "已给客户送过公司产品、资质、样本、报价表等资料。"),
        _check("introduced", "已介绍产品", "已给客户介绍过公司和产品特点。"),
        _check("not_rejecting", "不排斥业务员", "客户对业务员不排斥。"),
        _check("deep_impression", "印象较深", "客户对公司和产品有较深印象。"),
        _check("has_inquiry", "有询价", "有客户的询价。"),
        _check("knows_product", "了解产品", "客户对公司的产品、技术、供应方面已经了解。"),
        _check("demo_done", "已做方案演示", "已进行详细的方案设计及产品演示。"),
        _check("met_alone", "单独约见过", "与客户单独约见过。"),
        _check("accepts_rep", "接受业务员", "客户接受业务员。"),
        _check("shares_key_info", "愿告知重要信息", "客户愿意告诉我们较重要的信息、需要的核心信息。"),
        _check("shares_bid_info", "愿告知投标信息", "客户愿意告诉我们近期投标的项目信息。"),
        _check("shares_rival_info", "愿告知竞品信息", "客户愿意告诉我们参与工程总包及竞争品牌的信息。"),
        _check("easy_to_meet", "方便约见", "客户可以方便约见（包括上级主管）。"),
        _check("boss_visited", "主管已拜访", "上级主管已拜访。"),
        _check("deep_relation", "愿建深度关系", "客户愿意与业务员建立较深的业务关系，了解公司的政策。"),
        _check("recommends_us", "主动推荐我司", "客户主动推荐我司品牌或产品（标书中有我司品牌、推荐参与投标）。"),
        _check("easy_at_key_time", "关键期易约见", "在关键时期很容易约见（包括与上级主管用餐）。"),
        _check("prefers_us", "同等条件优先", "同样条件下，客户愿意优先与本公司合作。"),
        _check("joined_promotion", "参加推广会", "客户参加过本公司的产品推广会。"),
        _check("exclusive", "只与我司合作", "客户只愿意和公司合作，排斥其它竞争对手。"),
        _check("opens_doors", "帮助疏通关系", "客户主动帮助我们疏通其它业务关系。"),
        _check("finds_reasons", "积极找理由使用", "客户积极寻找理由保证使用公司产品。"),
        _check("sole_brand", "唯一品牌", "标书（合同）中公司产品是唯一品牌（或唯一国产品牌）。"),
        _check("accepts_harsh_terms", "条件苛刻仍合作", "本公司商务条件比竞争对手苛刻，仍然与公司合作。"),
        _check("switches_to_us", "主动改用我司", "客户主动将已中标的项目改成公司产品。"),
        # 计算结果
        _c("grade", "客情等级", T, G.COMPUTED, owner=CMP, description="按规则计算的客情关系等级：未评级、I级–IV级或不适用。", width=10),
        _c("grade_reasons", "等级依据", T, G.COMPUTED, owner=CMP, description="已满足的条件。", width=36),
        _c("grade_gaps", "升级差距", T, G.COMPUTED, owner=CMP, description="升到下一级还缺少的条件。", width=36),
        _c("checks", "校验", T, G.COMPUTED, owner=CMP, description="本行的填写问题；为空表示没有问题。", width=30),
    ),
)

PROJECT_SHEET = Sheet(
    name=PROJECTS,
    key_column="project_id",
    name_column="project_name",
    description="每行一个项目，写明其甲方与中标/参与投标的总包；成交热度依据本行和客户表中的等级计算。",
    columns=(
        # 基本细节
        _c("project_id", "项目编号", T, G.BASIC, description="稳定编号，新行留空时由 kqxl 分配，不要改动。", width=12),
        _c("project_name", "项目名称", T, G.BASIC, required=True, description="项目名称，在本表中唯一。", width=26),
        _c("owner_rep", "负责人", T, G.BASIC, required=True, owner=MGR, description="负责该项目的业务员，由经理指定。", width=10),
        _c("client", "甲方", T, G.BASIC, required=True, description="项目甲方：客户表中的客户名称或客户编号。", width=22),
        _c("contractor", "总包", T, G.BASIC, description="中标或参与投标的总包：客户表中的客户名称或客户编号。", width=22),
        _c("design_institute", "设计院", T, G.BASIC, description="负责设计的设计院。", width=18),
        # 商业细节
        _c("amount", "项目金额", M, G.BUSINESS, description="我司产品的预计金额（元）。", width=14),
        _c("stage", "项目阶段", C, G.BUSINESS, required=True, choices=PROJECT_STAGES,
           description="信息、立项、方案设计、编写标书、投标、中标、签约、供货、完工或丢单。", width=11),
        _c("expected_sign", "预计签约日期", D, G.BUSINESS, description="预计与总包签订合同的日期。", width=14),
        _c("rivals", "竞争品牌", T, G.BUSINESS, description="参与竞争的品牌。", width=18),
        # 商业记录
        _c("last_follow_up", "最近跟进日期", D, G.RECORD, description="最近一次跟进的日期。", width=14),
        _c("manager_note", "经理批注", T, G.RECORD, owner=MGR, description="经理写给业务员的批注。", width=20),
        # 热度清单 (是/否)
        _check("sole_brand_in_bid", "标书唯一品牌", "标书中公司产品是唯一品牌。"),
        _check("contract_signed", "已签总包合同", "已与总包单位签订合同。"),
        _check("in_bid", "标书中有我司", "标书中有我司产品。"),
        _check("client_recommends", "甲方主动推荐", "甲方主动向总包公司推荐我司产品。"),
        _check("contractor_pushes", "总包主动使用", "总包主动使用我司产品参与投标或积极寻找理由使用我司产品。"),
        _check("designer_supports", "设计师配合", "设计师配合我司保图或改图，且对甲方掌控力较强。"),
        _check("client_not_refusing", "甲方不拒绝", "甲方不拒绝使用我司产品。"),
        _check("contractor_agrees", "总包同意使用", "中标总包无明确倾向，同意使用我司产品。"),
        _check("knows_rival_strategy", "了解竞品策略", "业务员已充分了解竞争品牌的销售策略。"),
        _check("client_agrees_bid", "甲方同意写入标书", "甲方同意将我司产品写入标书。"),
        # 计算结果
        _c("client_grade", "甲方等级", T, G.COMPUTED, owner=CMP, description="甲方在客户表中的客情等级。", width=10),
        _c("contractor_grade", "总包等级", T, G.COMPUTED, owner=CMP, description="总包在客户表中的客情等级。", width=10),
        _c("heat", "成交热度", P, G.COMPUTED, owner=CMP, description="按规则计算的成交热度（30%–90%，或 0%）。", width=10),
        _c("heat_reasons", "热度依据", T, G.COMPUTED, owner=CMP, description="已满足的条件。", width=36),
        _c("heat_gaps", "升温差距", T, G.COMPUTED, owner=CMP, description="升到下一热度还缺少的条件。", width=36),
        _c("weighted_amount", "加权金额", M, G.COMPUTED, owner=CMP, description="项目金额 × 成交热度。", width=14),
        _c("checks", "校验", T, G.COMPUTED, owner=CMP, description="本行的填写问题；为空表示没有问题。", width=30),
    ),
)
# fmt: on

SCHEMA = Schema(sheets=(CUSTOMER_SHEET, PROJECT_SHEET))


def schema_as_dict(schema: Schema = SCHEMA) -> dict[str, object]:
    """The schema as plain data, as ``kqxl schema --json`` prints it."""
    return schema.model_dump(mode="json")
