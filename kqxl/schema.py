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
    # A workbook may lack the sheet (a log added after the first templates): no finding then.
    optional: bool = False
    # The name column names one record (客户名称); False for a log whose rows repeat a name.
    unique_names: bool = True

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
VISITS, COMPLAINTS, SELF_ASSESSMENT = "跟进记录", "投诉", "自评"


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
        _c("owner_rep", "负责人", T, G.BASIC, required=True, owner=MGR, description="负责该客户的业务员。", width=10),
        _c("contact_name", "联系人", T, G.BASIC, description="主要联系人姓名。", width=10),
        _c("contact_phone", "联系电话", T, G.BASIC, description="手机或座机；填写后视为“有客户联系方式”。", width=15),
        _c("fax", "传真", T, G.BASIC, description="传真号码。", width=14),
        _c("address", "地址", T, G.BASIC, description="单位地址。", width=28),
        _c("bank_name", "开户银行", T, G.BASIC, description="开户银行名称。", width=18),
        _c("bank_account", "银行账号", T, G.BASIC, description="银行账号（按文本保存，避免丢失前导零）。", width=22),
        # 商业细节
        _c("development_plan", "发展计划", T, G.BUSINESS, description="客户的业务发展计划。", width=24),
        _c("fiscal_year", "财政年度", T, G.BUSINESS, description="客户的财政年度（如 1月–12月）。", width=12),
        _c("founded_on", "成立日期", D, G.BUSINESS, description="客户单位成立日期。", width=12),
        _c("partner_since", "合作开始日期", D, G.BUSINESS, description="与我司开始合作的日期。", width=14),
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
        _c("owner_rep", "负责人", T, G.BASIC, required=True, owner=MGR, description="负责该项目的业务员。", width=10),
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


# ------------------------------------------------------------------ the other systems of §5
# Inputs and results of the systems beyond grade and heat (kqxl/engine/systems/). All optional:
# a workbook without these columns or sheets validates and recomputes as before.

VISIT_KINDS = ("拜访", "电话", "宴请", "活动")
VALUE_CLASSES = ("A", "B", "C", "D")
# 状态, set by the manager: a 作废 (retired) row stays in the workbooks but is no longer
# reminded, warned about or counted on the 看板, and a sync does not restore it to a rep
STATUS_CHOICES = ("正常", "作废")
RETIRED = "作废"
HIGH_LOW = ("高", "低")
STRONG_WEAK = ("强", "弱")
PERSONALITIES = ("支配型", "表达型", "和蔼型", "分析型")
SATISFACTION = ("很满意", "比较满意", "满意", "不满意", "很不满意")
REPURCHASE = ("70%以上", "30%-70%", "30%以下")
REFERRAL = ("很大可能", "有可能", "不可能")
ACCOUNT_RELATIONS = ("卖主关系", "被优先考虑的供应商", "伙伴关系", "战略联盟")
PERCEPTIONS = ("一般供应商", "特殊供应商", "解决方案集成商", "业务伙伴和顾问")
COMPLAINT_STEPS = (
    ("step_respect", "表示尊重", "向对方表示尊重。"),
    ("step_listen", "倾听理解", "倾听对方谈话，理解对方。"),
    ("step_expectation", "弄清期望", "弄清楚对方的期望。"),
    ("step_needs", "确认需求", "反复确认对方的特殊需求。"),
    ("step_options", "列出方案", "列出解决问题的办法或者各种可行方案。"),
    ("step_action", "采取行动", "采取行动，解决问题。"),
    ("step_recheck", "回访确认", "再检查一遍，确保顾客满意。"),
)
SELF_QUESTIONS = (
    "你能否在聆听别人的意见时表示兴趣？",
    "你能否用简单易明的方式呈现你自己？",
    "当遇到抗拒时，你能否保持冷静和避免显出你的激动？",
    "你可否很快了解别人的意思或令他们清楚地做出解释？",
    "你能否在不引起对抗的情况下处理异议呢？",
    "你能否以发问形式进行交谈？",
    "你能否把异议押后，以便不妨碍话题之进行？",
    "你会选用别人容易理解的语言来沟通吗？",
    "在交谈中，你会允许别人表达他的观点吗？",
    "你能用自然而友善的方法向别人表达你的兴趣吗？",
    "你能否在交谈中始终清楚地保持你的目的？",
    "你能否以提问方式去迅速地了解当时的处境？",
    "销售会谈中，你能否系统地促使别人认同你的观点？",
    "你能否有效地总结你的产品呈现，以便增强客户记忆？",
    "你能否预测到别人在不同情况下的反应？",
    "你有没有充分用字、图和举例等手段辅助你阐述观点？",
)

CUSTOMER_SYSTEM_INPUTS = (
    _c("period_revenue", "期间销售额", M, G.RECORD, description="统计期内（如近 12 个月）对该客户的销售额（元），用于价值分类。", width=14),
    _c("period_profit", "期间毛利", M, G.RECORD, description="统计期内的毛利（元）；与销售额一起算出毛利率。", width=13),
    _c("receivable", "欠款金额", M, G.RECORD, description="客户尚未付清的应收款（元）。", width=12),
    _c("receivable_due", "欠款到期日", D, G.RECORD, description="应收款的约定付款日；过期未付为欠款预警。", width=12),
    _c("care_spend", "客情费用", M, G.RECORD, description="统计期内在该客户身上的客情花费（元）。", width=12),
    _c("change_event", "变故", T, G.RECORD, description="记录的变故：联系人离职、单位改组、生病丧事等；有记录即为变故预警。", width=18),
    _c("brand_influence", "品牌影响力", B, G.BUSINESS, choices=BOOL_CHOICES, description="客户对我司品牌有较大影响力（权威机构、赞助、指定产品）。", width=11),
    _c("has_potential", "有发展潜力", B, G.BUSINESS, choices=BOOL_CHOICES, description="目前贡献不大但有发展空间（价值分类 C 与 D 的区别）。", width=11),
    _c("attractiveness", "吸引力", C, G.BUSINESS, choices=HIGH_LOW, description="客户能提供的商业机会（采购量）高或低。", width=8),
    _c("our_position", "我司地位", C, G.BUSINESS, choices=STRONG_WEAK, description="我司占其采购的份额：强或弱。", width=9),
    _c("account_relation", "关系类型", C, G.BUSINESS, choices=ACCOUNT_RELATIONS, description="重点客户关系：卖主关系、被优先考虑的供应商、伙伴关系、战略联盟。", width=14),
    _c("perception", "客户认知", C, G.BUSINESS, choices=PERCEPTIONS, description="客户眼中的我们：一般供应商、特殊供应商、解决方案集成商、业务伙伴和顾问。", width=14),
    _c("personality", "性格类型", C, G.PERSONAL, choices=PERSONALITIES, description="主要联系人的性格：支配型、表达型、和蔼型、分析型。", width=10),
    _c("satisfaction", "满意度", C, G.PERSONAL, choices=SATISFACTION, description="整体满意度：很满意、比较满意、满意、不满意、很不满意。", width=10),
    _c("repurchase", "重复购买概率", C, G.PERSONAL, choices=REPURCHASE, description="70%以上、30%-70% 或 30%以下。", width=12),
    _c("referral", "推荐可能", C, G.PERSONAL, choices=REFERRAL, description="推荐给他人的可能：很大可能、有可能、不可能。", width=10),
    _c("value_class_set", "指定价值分类", C, G.RECORD, owner=MGR, choices=VALUE_CLASSES, description="经理指定的价值分类；填写后优先于计算结果。", width=12),
    _c("status", "状态", C, G.RECORD, owner=MGR, choices=STATUS_CHOICES, description="经理维护；空白即正常。作废的客户不再提醒、不再预警、不计入看板，业务员删掉该行后同步不再恢复。", width=8),
)
CUSTOMER_SYSTEM_RESULTS = (
    _c("visit_source", "拜访数据来源", T, G.COMPUTED, owner=CMP, description="拜访次数、最近拜访日期、主管已拜访取自跟进记录（有该客户的记录时）或本表填写。", width=16),
    _c("value_class", "价值分类", T, G.COMPUTED, owner=CMP, description="A 贡献最大、B 一定贡献、C 潜力客户、D 较小无潜力。", width=9),
    _c("value_basis", "分类依据", T, G.COMPUTED, owner=CMP, description="累计贡献占比，或“经理指定”。", width=24),
    _c("account_face", "关键客户类型", T, G.COMPUTED, owner=CMP, description="红脸（利润高）、白脸（量大利薄）、黑脸（利润少但有品牌影响力）。", width=12),
    _c("portfolio", "客户组合", T, G.COMPUTED, owner=CMP, description="明星、现金牛、问题、瘦狗（吸引力 × 我司地位）及其拜访策略。", width=20),
    _c("visit_interval", "拜访间隔天数", INT, G.COMPUTED, owner=CMP, description="按客户组合取规则中的拜访间隔。", width=12),
    _c("next_visit", "下次拜访日期", D, G.COMPUTED, owner=CMP, description="最近拜访日期 + 拜访间隔。", width=13),
    _c("overdue_days", "逾期天数", INT, G.COMPUTED, owner=CMP, description="今天超过下次拜访日期的天数。", width=10),
    _c("visit_alert", "拜访预警", T, G.COMPUTED, owner=CMP, description="逾期未拜访，或拜访过频（次数过多会降低拜访质量）。", width=18),
    _c("warnings", "预警", T, G.COMPUTED, owner=CMP, description="欠款、进度、费用、变故、投诉预警。", width=30),
    _c("personality_tip", "相处提示", T, G.COMPUTED, owner=CMP, description="按性格类型给出的需求、恐惧和相处窍门。", width=36),
    _c("loyalty_index", "忠诚指数", INT, G.COMPUTED, owner=CMP, description="满意度、重复购买概率、推荐可能折算的 0–100 分。", width=10),
)
PROJECT_SYSTEM_INPUTS = (
    _c("stage_since", "阶段开始日期", D, G.RECORD, description="项目进入当前阶段的日期；停留过久为进度预警。", width=13),
    _c("status", "状态", C, G.RECORD, owner=MGR, choices=STATUS_CHOICES, description="经理维护；空白即正常。作废的项目不再预警、不计入看板，业务员删掉该行后同步不再恢复。", width=8),
)
PROJECT_SYSTEM_RESULTS = (
    _c("progress_alert", "进度预警", T, G.COMPUTED, owner=CMP, description="项目在当前阶段停留超过规则允许的天数。", width=24),
)

VISIT_SHEET = Sheet(
    name=VISITS,
    key_column="visit_no",
    name_column="customer",
    optional=True,
    unique_names=False,
    description="每次拜访、电话、宴请或活动记一行；客户表的拜访次数、最近拜访日期、主管已拜访由此得出。",
    columns=(
        _c("visit_no", "记录编号", T, G.BASIC, description="可留空。", width=10),
        _c("visit_date", "日期", D, G.BASIC, required=True, description="拜访或联系的日期。", width=12),
        _c("customer", "客户", T, G.BASIC, required=True, description="客户表中的客户名称或客户编号。", width=22),
        _c("contact", "联系人", T, G.BASIC, description="本次见到或联系的人。", width=10),
        _c("kind", "方式", C, G.BASIC, required=True, choices=VISIT_KINDS, description="拜访、电话、宴请或活动。", width=8),
        _c("with_boss", "上级主管", B, G.BASIC, choices=BOOL_CHOICES, description="上级主管是否同去。", width=9),
        _c("prepared", "三准备", T, G.RECORD, description="拜访目的和市场状况；预约时间地点；近期销售记录和资料。", width=24),
        _c("must_discuss", "三必谈", T, G.RECORD, description="销售现状和预期；市场动态和竞争对手；存在的问题和解决方法。", width=24),
        _c("must_go", "三必到", T, G.RECORD, description="必到市场、必到商业、必到客户单位。", width=20),
        _c("content", "内容", T, G.RECORD, description="谈了什么、做了什么。", width=30),
        _c("report", "拜访报告", T, G.RECORD, description="拜访后的评估：目标、问题、解决办法。", width=30),
        _c("next_step", "下一步", T, G.RECORD, description="下一步要做的事。", width=20),
        _c("next_date", "下次跟进日期", D, G.RECORD, description="约定的下次跟进日期。", width=13),
        _c("checks", "校验", T, G.COMPUTED, owner=CMP, description="本行的填写问题；为空表示没有问题。", width=30),
    ),
)

COMPLAINT_SHEET = Sheet(
    name=COMPLAINTS,
    key_column="complaint_no",
    name_column="customer",
    optional=True,
    unique_names=False,
    description="每件客户投诉一行：七个处理步骤逐项打勾；本地 12 小时、外地 24 小时内响应。",
    columns=(
        _c("complaint_no", "投诉编号", T, G.BASIC, description="可留空。", width=10),
        _c("customer", "客户", T, G.BASIC, required=True, description="客户表中的客户名称或客户编号。", width=22),
        _c("received_on", "接到日期", D, G.BASIC, required=True, description="接到投诉的日期。", width=12),
        _c("received_at", "接到时刻", T, G.BASIC, description="接到投诉的时刻，如 14:30；空白按 0:00。", width=10),
        _c("region", "地区", T, G.BASIC, description="客户所在地区；含规则中的本地地区名（如 杭州）为本地。", width=12),
        _c("handler", "处理人", T, G.BASIC, description="负责处理的人。", width=10),
        _c("content", "投诉内容", T, G.BASIC, description="客户投诉的问题。", width=30),
        _c("responded_on", "响应日期", D, G.RECORD, description="首次响应客户的日期。", width=12),
        _c("responded_at", "响应时刻", T, G.RECORD, description="首次响应的时刻，如 09:15。", width=10),
        *(_c(key, header, B, G.CHECKLIST, choices=BOOL_CHOICES, description=d, width=10)
          for key, header, d in COMPLAINT_STEPS),
        _c("response_deadline", "响应时限", T, G.COMPUTED, owner=CMP, description="接到时刻 + 12 小时（本地）或 24 小时（外地）。", width=17),
        _c("response_status", "响应状态", T, G.COMPUTED, owner=CMP, description="按时响应、超时响应、未到期、已逾期。", width=16),
        _c("handling", "处理进度", T, G.COMPUTED, owner=CMP, description="七个步骤完成了几步，下一步是什么。", width=24),
        _c("checks", "校验", T, G.COMPUTED, owner=CMP, description="本行的填写问题；为空表示没有问题。", width=30),
    ),
)

SELF_SHEET = Sheet(
    name=SELF_ASSESSMENT,
    key_column="assessment_no",
    name_column="rep_name",
    optional=True,
    unique_names=False,
    description="业务员沟通能力自评：16 题，每题 1–5 分（5 = 优，1 = 劣）。",
    columns=(
        _c("assessment_no", "自评编号", T, G.BASIC, description="可留空。", width=10),
        _c("rep_name", "业务员", T, G.BASIC, required=True, description="自评的业务员。", width=10),
        _c("assessed_on", "自评日期", D, G.BASIC, description="自评的日期。", width=12),
        *(_c(f"q{i}", f"第{i}题", INT, G.CHECKLIST, description=f"{q}（1–5 分）", width=7)
          for i, q in enumerate(SELF_QUESTIONS, start=1)),
        _c("contact_score", "接触能力", INT, G.COMPUTED, owner=CMP, description="第 3+5+10+15 题。", width=10),
        _c("gathering_score", "争取资料", INT, G.COMPUTED, owner=CMP, description="第 1+4+9+12 题。", width=10),
        _c("giving_score", "提供资料", INT, G.COMPUTED, owner=CMP, description="第 2+8+14+16 题。", width=10),
        _c("influence_score", "影响和处理", INT, G.COMPUTED, owner=CMP, description="第 6+7+11+13 题。", width=11),
        _c("total_score", "总分", INT, G.COMPUTED, owner=CMP, description="四项之和（16–80 分）。", width=8),
        _c("checks", "校验", T, G.COMPUTED, owner=CMP, description="本行的填写问题；为空表示没有问题。", width=30),
    ),
)
# fmt: on


def _with_system_columns(
    sheet: Sheet, inputs: tuple[Column, ...], results: tuple[Column, ...]
) -> Sheet:
    """``sheet`` with the new input columns and then their results after its own columns: the
    columns of the first templates keep their letters."""
    return sheet.model_copy(update={"columns": (*sheet.columns, *inputs, *results)})


CUSTOMER_SHEET = _with_system_columns(
    CUSTOMER_SHEET, CUSTOMER_SYSTEM_INPUTS, CUSTOMER_SYSTEM_RESULTS
)
PROJECT_SHEET = _with_system_columns(PROJECT_SHEET, PROJECT_SYSTEM_INPUTS, PROJECT_SYSTEM_RESULTS)

SCHEMA = Schema(sheets=(CUSTOMER_SHEET, PROJECT_SHEET, VISIT_SHEET, COMPLAINT_SHEET, SELF_SHEET))


def schema_as_dict(schema: Schema = SCHEMA) -> dict[str, object]:
    """The schema as plain data, as ``kqxl schema --json`` prints it."""
    return schema.model_dump(mode="json")
