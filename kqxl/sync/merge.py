"""The three-way merge of a team: master, rep workbooks and the last synced state → a plan.

Pure: no I/O, no clock. Each sheet (客户, 项目) is a table ``key → {column key: value}``; the
base is that table as it stood after the last sync (from the journal). For every row and
every field:

* a change on one side only is taken; the same change on both sides is fine;
* different changes on both sides are a **conflict**: the winner of the column's policy
  (default: the master) is kept in both places, both values are recorded;
* rep-owned columns flow rep → master; manager-owned columns (负责人, 经理批注) flow master →
  rep, and a rep's edit to one is refused and reported; computed columns are not merged;
* a blank is a value only when it replaced a value: without a base (the first sync of a row)
  a blank on one side takes the other side's value.

A rep receives only the rows the master gives them (负责人). A row of theirs the manager gave
to somebody else leaves their data sheet for the read-only 已移交 sheet (a *move out*); an edit
they made to a row that is not theirs is refused. A row missing from a workbook is never
deleted: it is reported and restored. Two new rows with the same key (a key collision) are
both left where they are and reported; two rows whose normalised names agree are reported as
a possible duplicate, never merged.

>>> tables = SheetTables(master={}, base={}, reps={"张伟": {"KH-1": {"customer_name": "甲"}}})
>>> plan = plan_sync({"客户": tables}, {"客户": Columns.of(SCHEMA.customers)})
>>> [(a.key, a.fields["owner_rep"]) for a in plan.master.appends]
[('KH-1', '张伟')]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from kqxl.cells import CellValue
from kqxl.schema import RETIRED, SCHEMA, Owner, Schema, Sheet

Fields = Mapping[str, CellValue]
Table = Mapping[str, Fields]  # key → fields
Winner = Literal["master", "rep"]
MASTER = "master"  # the origin of a value that came from the master


@dataclass(frozen=True, slots=True)
class Columns:
    """Who owns which column of a sheet, and who wins a conflict on it."""

    key: str
    name: str
    owner: str  # the column naming the row's rep (负责人)
    rep: frozenset[str]
    manager: frozenset[str]
    rep_wins: frozenset[str] = frozenset()
    merged: tuple[str, ...] = field(init=False)

    values: Callable[[Fields], object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        merged = tuple(sorted(self.rep | self.manager))
        object.__setattr__(self, "merged", merged)
        # a row's merged values in one C-level call (a tuple, or the value when just one)
        object.__setattr__(self, "values", operator.itemgetter(*merged))

    @classmethod
    def of(cls, sheet: Sheet, rep_wins: Iterable[str] = ()) -> Columns:
        """The columns of a schema sheet; ``rep_wins``: column keys whose conflicts the rep
        wins (the rules' sync policy; every other column keeps the master's value)."""
        rep = {c.key for c in sheet.columns if c.owner is Owner.REP} - {sheet.key_column}
        manager = {c.key for c in sheet.columns if c.owner is Owner.MANAGER}
        owner = next((c for c in sorted(manager) if c == "owner_rep"), None)
        if owner is None:
            raise ValueError(f"sheet {sheet.name} has no 负责人 column")
        return cls(
            key=sheet.key_column,
            name=sheet.name_column,
            owner=owner,
            rep=frozenset(rep),
            manager=frozenset(manager),
            rep_wins=frozenset(rep_wins) & frozenset(rep),
        )


def synced_sheets(schema: Schema = SCHEMA) -> tuple[Sheet, ...]:
    """The sheets a sync merges: those whose rows belong to a rep (a 负责人 column: 客户, 项目).
    The logs (跟进记录, 投诉, 自评) stay in the workbook they were typed in."""
    return tuple(s for s in schema.sheets if any(c.key == "owner_rep" for c in s.columns))


def schema_columns(schema: Schema = SCHEMA, rep_wins: Iterable[str] = ()) -> dict[str, Columns]:
    """:class:`Columns` for every synced sheet of ``schema`` (:func:`synced_sheets`)."""
    wins = tuple(rep_wins)
    return {s.name: Columns.of(s, wins) for s in synced_sheets(schema)}


@dataclass(frozen=True, slots=True)
class SheetTables:
    """One sheet as each side holds it. ``reps``: rep name → that rep's table."""

    master: Table
    base: Table
    reps: Mapping[str, Table]
    # keys found on more than one row of one workbook (side → keys): never merged
    repeated: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Update:
    """Set ``field`` of row ``key`` to ``new`` (it held ``old``)."""

    sheet: str
    key: str
    field: str
    old: CellValue
    new: CellValue
    origin: str  # MASTER or a rep's name: where the new value was entered


@dataclass(frozen=True, slots=True)
class Append:
    """A row to add at the end of a sheet."""

    sheet: str
    key: str
    fields: Fields
    restored: bool = False  # it was there before and went missing


@dataclass(frozen=True, slots=True)
class Conflict:
    """Both sides changed one field differently; ``kept`` is in both places now."""

    sheet: str
    key: str
    name: str | None
    field: str
    rep: str
    base: CellValue
    master_value: CellValue
    rep_value: CellValue
    winner: Winner

    @property
    def kept(self) -> CellValue:
        return self.master_value if self.winner == "master" else self.rep_value

    @property
    def lost(self) -> CellValue:
        return self.rep_value if self.winner == "master" else self.master_value


@dataclass(frozen=True, slots=True)
class Refused:
    """A rep's edit that does not reach the master: a manager-owned column, a row not theirs."""

    sheet: str
    key: str
    field: str
    rep: str
    value: CellValue  # what the rep entered
    reason: Literal["manager_column", "not_owner"]


@dataclass(frozen=True, slots=True)
class Missing:
    """A row that went missing from a workbook; it is restored, not deleted."""

    sheet: str
    key: str
    side: str  # MASTER or a rep's name


@dataclass(frozen=True, slots=True)
class Collision:
    """One key on rows of different workbooks (or twice in one) that the master does not
    know: none of them is merged until the key is made unique."""

    sheet: str
    key: str
    sides: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Rows whose names agree once normalised: perhaps one customer entered twice."""

    sheet: str
    name: str  # the normalised name
    rows: tuple[tuple[str, str | None, str | None], ...]  # (key, name as typed, owner)


@dataclass(slots=True)
class SideChanges:
    """What one workbook receives."""

    updates: list[Update] = field(default_factory=list)
    appends: list[Append] = field(default_factory=list)
    moves_out: list[tuple[str, str]] = field(default_factory=list)  # (sheet, key) → 已移交

    def __bool__(self) -> bool:
        return bool(self.updates or self.appends or self.moves_out)


@dataclass(slots=True)
class SyncPlan:
    """Everything a sync will do and report; ``base`` is the state after it."""

    master: SideChanges
    reps: dict[str, SideChanges]
    conflicts: list[Conflict]
    refused: list[Refused]
    missing: list[Missing]
    collisions: list[Collision]
    duplicates: list[Duplicate]
    base: dict[str, dict[str, dict[str, CellValue]]]  # sheet → key → fields
    # the master's own edits since the last sync (base → master), for the journal
    edits: list[Update] = field(default_factory=list)

    @property
    def changes(self) -> list[Update]:
        """Every field that changes somewhere (master first)."""
        out = list(self.master.updates)
        for side in self.reps.values():
            out.extend(side.updates)
        return out


def same(a: CellValue, b: CellValue) -> bool:
    """Whether two cells hold the same value (blank text is blank, 3 == 3.0, a midnight
    datetime is its date)."""
    a, b = clean(a), clean(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def clean(value: CellValue) -> CellValue:
    """A cell as merged: text without surrounding spaces, blank text as blank."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


class _Cleaned(dict[CellValue, CellValue]):
    """``cleaned[value]`` is :func:`clean` of ``value``, worked out once per distinct text or
    datetime (a sheet repeats 是/否 and a rep's name on every row). Other values are their own
    clean form and are not stored: 1, 1.0 and True are equal keys of different types."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, value: CellValue) -> CellValue:
        out = clean(value)
        if type(value) is str or type(value) is dt.datetime:
            self[value] = out
        return out


def owner_name(value: CellValue) -> str | None:
    """A 负责人 cell as a rep's name."""
    v = clean(value)
    return None if v is None else unicodedata.normalize("NFKC", str(v)).replace(" ", "")


_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")"})
_BRACKET = re.compile("[（）【】\\[\\]]")  # translate() by a dict is slow: only when needed
_SUFFIX = re.compile(r"(股份有限公司|有限责任公司|有限公司|股份公司|集团公司|公司|股份)$")
_PLACE = re.compile(r"^[\u4e00-\u9fff]{2,7}?(省|自治区|特别行政区|市)")
# Provinces and large cities, which a name may carry without 省/市 (武汉江城置业 = 江城置业).
_PLACE_NAMES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 "
    "江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 "
    "台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 石家庄 太原 沈阳 长春 "
    "哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 海口 成都 "
    "贵阳 昆明 西安 兰州 西宁 呼和浩特 南宁 拉萨 银川 乌鲁木齐 大连 青岛 "
    "宁波 厦门 深圳 苏州 无锡 佛山 东莞 温州 烟台 唐山 徐州 常州 南通 "
    "绍兴 泉州 洛阳 宜昌 襄阳 珠海 "
)
_PLACES = tuple(sorted(_PLACE_NAMES.split(), key=len, reverse=True))
# the first of _PLACES a name starts with (longest first), in one regex match
_PLACE_START = re.compile("|".join(map(re.escape, _PLACES)))


def name_parts(value: CellValue) -> tuple[frozenset[str], str] | None:
    """A name as compared for possible duplicates: the places it starts with (省/市, or a
    province or large city named without them) and the rest, where full/half width, spaces,
    brackets and company suffixes (有限公司/有限责任公司/股份 …) do not count.

    >>> places, rest = name_parts("湖北省武汉市 江城置业（集团）有限责任公司")
    >>> sorted(places), rest
    (['武汉', '湖北'], '江城置业集团')
    """
    v = clean(value)
    if v is None:
        return None
    s = "".join(unicodedata.normalize("NFKC", str(v)).split())  # split() drops what \s matches
    if _BRACKET.search(s):
        s = s.translate(_BRACKETS)
    places: set[str] = set()
    for _ in range(3):  # 省, 市, 区 …
        m = _PLACE.match(s)
        if m:
            place, end = s[: m.start(1)], m.end()
        else:
            named = _PLACE_START.match(s)
            place = named.group() if named else ""
            end = len(place)
        if not end or len(s) - end < 2:
            break
        places.add(place)
        s = s[end:]
    s = _SUFFIX.sub("", s) or s
    s = s.replace("(", "").replace(")", "").casefold()
    return (frozenset(places), s) if s else None


def normalised_name(value: CellValue) -> str | None:
    """The part of a name that :func:`name_parts` compares, places left out.

    >>> normalised_name("武汉市江城置业有限公司") == normalised_name("江城置业(集团)有限公司")
    False
    >>> normalised_name("武汉市江城置业有限公司") == normalised_name("江城置业 有限责任公司")
    True
    """
    parts = name_parts(value)
    return None if parts is None else parts[1]


def _winner(cols: Columns, name: str) -> Winner:
    return "rep" if name in cols.rep_wins else "master"


def plan_sync(
    sheets: Mapping[str, SheetTables],
    columns: Mapping[str, Columns],
    *,
    active: Iterable[str] | None = None,
) -> SyncPlan:
    """The plan that brings master and reps together (pure; see the module text).

    A rep takes part when ``tables.reps`` holds their table (perhaps empty); a row of a rep
    who does not take part changes only in the master. ``active`` adds reps with no rows.
    """
    reps = sorted({r for t in sheets.values() for r in t.reps} | set(active or ()))
    plan = SyncPlan(SideChanges(), {r: SideChanges() for r in reps}, [], [], [], [], [], {})
    for sheet, tables in sheets.items():
        _plan_sheet(plan, sheet, tables, columns[sheet])
    return plan


def _plan_sheet(plan: SyncPlan, sheet: str, t: SheetTables, cols: Columns) -> None:
    base_out: dict[str, dict[str, CellValue]] = {}
    plan.base[sheet] = base_out
    known = set(t.master) | set(t.base)
    master_repeated = t.repeated.get(MASTER, frozenset())

    # Keys a rep holds that the master does not know: new rows, unless two sides hold them.
    claims: dict[str, list[str]] = defaultdict(list)
    for rep in sorted(t.reps):
        for key in t.reps[rep]:
            if key not in known:
                claims[key].append(rep)
    for rep in sorted(t.reps):
        for key in t.repeated.get(rep, frozenset()):
            if key not in known and rep not in claims[key][1:]:
                claims[key].append(rep)  # twice in one workbook counts as a collision
    for key in sorted(claims):
        sides = claims[key]
        if len(sides) > 1:
            plan.collisions.append(Collision(sheet, key, tuple(sides)))
            continue
        rep = sides[0]
        row = t.reps[rep][key]
        fields: dict[str, CellValue] = {f: clean(row.get(f)) for f in cols.rep}
        for f in sorted(cols.manager - {cols.owner}):
            if clean(row.get(f)) is not None:
                plan.refused.append(Refused(sheet, key, f, rep, row.get(f), "manager_column"))
        fields[cols.owner] = rep
        if owner_name(row.get(cols.owner)) != rep:
            if owner_name(row.get(cols.owner)) is not None:
                plan.refused.append(
                    Refused(sheet, key, cols.owner, rep, row.get(cols.owner), "manager_column")
                )
            plan.reps[rep].updates.append(
                Update(sheet, key, cols.owner, row.get(cols.owner), rep, MASTER)
            )
        for f in sorted(cols.manager - {cols.owner}):
            if clean(row.get(f)) is not None:
                plan.reps[rep].updates.append(Update(sheet, key, f, row.get(f), None, MASTER))
        plan.master.appends.append(Append(sheet, key, fields))
        base_out[key] = dict(fields)

    # which reps hold each key (one pass over the reps, not one per row)
    holders: dict[str, list[str]] = defaultdict(list)
    cleaned = _Cleaned()
    for rep in sorted(t.reps):
        for key in t.reps[rep]:
            holders[key].append(rep)
    # A row its owner alone holds, equal (plain equality) in the master and the owner's
    # workbook, and unchanged since the base or new to it, is settled here without the
    # per-field work of _plan_row: after a sync, and on a first sync, nearly every row.
    merged = cols.merged
    owners = _Owners()
    # the merged values in one order for every side: first the columns every workbook's
    # rows have (one C-level call), then those some lack (a workbook older than a column)
    firsts = [next(iter(rows.values()), {}) for rows in (t.master, *t.reps.values())]
    common = tuple(n for n in merged if all(n in first for first in firsts))
    order = common + tuple(n for n in merged if n not in common)
    at = [order.index(n) for n in merged]
    in_merged_order = operator.itemgetter(*at) if len(at) > 1 else lambda v: v
    master_values = _getter(order, len(common))
    base_values = _getter(order, 0)  # a base row leaves out its blanks
    no_keys: frozenset[str] = frozenset()
    repeated = {rep: t.repeated.get(rep, no_keys) for rep in t.reps}
    master_rows, base_rows, rep_rows = t.master, t.base, t.reps
    clean_value = cleaned.__getitem__
    for key in sorted(known):
        if key in master_repeated:
            plan.collisions.append(Collision(sheet, key, (MASTER,)))
            if key in t.base:
                base_out[key] = dict(t.base[key])
            continue
        held = holders.get(key, ())
        master = master_rows.get(key)
        if master is not None and len(held) == 1:
            rep = held[0]
            if owners[master.get(cols.owner)] == rep and key not in repeated[rep]:
                values = master_values(master)
                if master_values(rep_rows[rep][key]) == values:
                    base = base_rows.get(key)
                    if base is None:
                        # a row's first sync, the same on both sides: nothing to send
                        values = in_merged_order(values)
                        base_out[key] = dict(zip(merged, map(clean_value, values), strict=True))
                        continue
                    if base_values(base) == values:
                        # nobody changed the row: the base's own row, which the journal
                        # then knows to be unchanged
                        base_out[key] = base  # type: ignore[assignment]
                        continue
        _plan_row(plan, sheet, key, t, cols, base_out, held, cleaned)

    _duplicates(plan, sheet, cols, base_out)


def _plan_row(
    plan: SyncPlan,
    sheet: str,
    key: str,
    t: SheetTables,
    cols: Columns,
    base_out: dict[str, dict[str, CellValue]],
    holders: Iterable[str] = (),
    cleaned: _Cleaned | None = None,
) -> None:
    """Plan one row; ``holders``: the reps whose workbooks hold ``key``, sorted; ``cleaned``:
    :func:`clean` by lookup (:class:`_Cleaned`), shared by the rows of a sheet."""
    base = t.base.get(key)
    master = t.master.get(key)
    start = master if master is not None else base
    assert start is not None
    owner = owner_name(start.get(cols.owner))
    base_owner = owner_name(base.get(cols.owner)) if base is not None else None

    # Rows of this key in workbooks of reps who do not own it: they leave for 已移交.
    for rep in holders:
        row = t.reps[rep][key]
        if rep == owner:
            continue
        if key in t.repeated.get(rep, frozenset()):
            continue
        reference = base if base is not None else start
        for f in cols.merged:
            if not same(row.get(f), reference.get(f)) and not (
                f == cols.owner and owner_name(row.get(f)) in (rep, None)
            ):
                plan.refused.append(Refused(sheet, key, f, rep, row.get(f), "not_owner"))
        plan.reps[rep].moves_out.append((sheet, key))

    mine = t.reps.get(owner) if owner is not None else None
    rep_row = mine.get(key) if mine is not None else None
    if owner is not None and key in t.repeated.get(owner, frozenset()):
        plan.collisions.append(Collision(sheet, key, (owner,)))
        rep_row = None
        mine = None  # nothing is sent to a workbook that holds the key twice
    result: dict[str, CellValue] = {}
    merged = cols.merged
    if rep_row is not None and master is not None and _equal(rep_row, master, cols):
        if base is not None and _values(master, merged) == _values(base, merged):
            # nobody changed the row (plain equality is enough): the base's own row, which
            # the journal then knows to be unchanged (_plan_sheet settles most of these)
            base_out[key] = base  # type: ignore[assignment]
            return
        if base is None:
            # a row's first sync, the same on both sides: nothing to send either way
            lookup = cleaned if cleaned is not None else _Cleaned()
            base_out[key] = dict(
                zip(merged, map(lookup.__getitem__, _values(master, merged)), strict=True)
            )
            return
    # Fields plainly equal (same type and value) in the master, the rep's row and the base
    # (when there is one) are taken as they are and are not looked at again below: a row
    # edited in one field goes through the per-field work for that field only.
    noisy: Sequence[str] = merged
    quiet: frozenset[str] = frozenset()
    if rep_row is not None and master is not None:
        m_values = _values(master, merged)
        b_values = _values(base, merged) if base is not None else m_values
        quiet = frozenset(
            f
            for f, m, r, b in zip(merged, m_values, _values(rep_row, merged), b_values, strict=True)
            if type(m) is type(r) is type(b) and m == r == b
        )
        noisy = [f for f in merged if f not in quiet]
    for f in merged:
        b = base.get(f) if base is not None else None
        m = start.get(f)
        if rep_row is None or f in quiet:
            result[f] = clean(m)
            continue
        r = rep_row.get(f)
        if f in cols.manager:
            result[f] = clean(m)
            rep_ok = same(r, m) or (f == cols.owner and owner_name(r) in (owner, None))
            if not rep_ok and (base is None or not same(r, b)):
                plan.refused.append(Refused(sheet, key, f, owner or "", r, "manager_column"))
            continue
        if same(r, m) or (base is not None and same(r, b)):
            result[f] = clean(m)
        elif base is not None and same(m, b):
            result[f] = clean(r)
        elif base is None and clean(r) is None:
            result[f] = clean(m)
        elif base is None and clean(m) is None:
            result[f] = clean(r)
        else:
            conflict = Conflict(
                sheet,
                key,
                _text(start.get(cols.name) or rep_row.get(cols.name)),
                f,
                owner or "",
                clean(b),
                clean(m),
                clean(r),
                _winner(cols, f),
            )
            plan.conflicts.append(conflict)
            result[f] = conflict.kept

    if master is not None and base is not None:
        for f in noisy:
            if not same(master.get(f), base.get(f)):
                plan.edits.append(Update(sheet, key, f, base.get(f), master.get(f), MASTER))

    # The master: restored if missing, else the fields that changed.
    if master is None:
        plan.missing.append(Missing(sheet, key, MASTER))
        plan.master.appends.append(Append(sheet, key, dict(result), restored=True))
    else:
        for f in noisy:
            if not same(master.get(f), result[f]):
                origin = owner or "" if rep_row is not None else MASTER
                plan.master.updates.append(Update(sheet, key, f, master.get(f), result[f], origin))

    # The owner's workbook (when it takes part): receives the row, or the fields that changed.
    if owner is not None and owner in t.reps and key not in t.repeated.get(owner, frozenset()):
        side = plan.reps.setdefault(owner, SideChanges())
        if rep_row is None:
            restored = base is not None and base_owner == owner
            # a row the manager retired (状态 作废) is neither restored nor sent
            if clean(result.get("status")) != RETIRED:
                if restored:
                    plan.missing.append(Missing(sheet, key, owner))
                side.appends.append(Append(sheet, key, dict(result), restored=restored))
        else:
            for f in noisy:
                if not same(rep_row.get(f), result[f]):
                    side.updates.append(Update(sheet, key, f, rep_row.get(f), result[f], MASTER))
    base_out[key] = result


def _getter(names: Sequence[str], common: int) -> Callable[[Fields], tuple[CellValue, ...]]:
    """A function giving a row's values of ``names`` as a tuple (blank where it lacks one):
    the first ``common`` names in one C-level call, which every row is expected to have (a
    row that lacks one takes the plain way), the rest one by one."""
    if common < 2:
        return lambda row: tuple(map(row.get, names))
    get, rest = operator.itemgetter(*names[:common]), names[common:]

    def values(row: Fields) -> tuple[CellValue, ...]:
        try:
            found: tuple[CellValue, ...] = get(row)
        except KeyError:
            return tuple(map(row.get, names))
        return found + tuple(map(row.get, rest)) if rest else found

    return values


class _Owners(dict[CellValue, str | None]):
    """``owners[value]`` is :func:`owner_name` of a 负责人 cell, worked out once per distinct
    text (a sheet names a hundred reps on a hundred thousand rows)."""

    def __missing__(self, value: CellValue) -> str | None:
        out = owner_name(value)
        if type(value) is str:
            self[value] = out
        return out


def _values(row: Fields, names: Sequence[str]) -> tuple[CellValue, ...]:
    """``row``'s values of ``names`` (blank where it lacks one), in one C-level pass."""
    return tuple(map(row.get, names))


def _equal(a: Fields, b: Fields, cols: Columns) -> bool:
    """Whether two rows hold equal values (plain equality) in every merged column."""
    try:
        return cols.values(a) == cols.values(b)
    except KeyError:  # a column one of the sheets lacks (a workbook older than the column)
        return list(map(a.get, cols.merged)) == list(map(b.get, cols.merged))


def _text(value: CellValue) -> str | None:
    v = clean(value)
    return None if v is None else str(v)


def _duplicates(plan: SyncPlan, sheet: str, cols: Columns, rows: Mapping[str, Fields]) -> None:
    """Rows whose names agree apart from width, spaces, brackets and company suffixes, and
    whose places do not disagree (武汉江城置业 = 江城置业 = 湖北武汉江城置业 ≠ 长沙江城置业)."""
    groups: dict[str, list[tuple[frozenset[str], str]]] = defaultdict(list)
    for key in sorted(rows):
        parts = name_parts(rows[key].get(cols.name))
        if parts is not None:
            groups[parts[1]].append((parts[0], key))
    # a name no other row shares is nobody's duplicate: only the others are sorted and joined
    for name, members in sorted(g for g in groups.items() if len(g[1]) > 1):
        # places agree when one row's places are among the other's
        parent = {key: key for _, key in members}
        for i, (pa, ka) in enumerate(members):
            for pb, kb in members[i + 1 :]:
                if pa <= pb or pb <= pa:
                    parent[_root(parent, kb)] = _root(parent, ka)
        clusters: dict[str, list[str]] = defaultdict(list)
        for _, key in members:
            clusters[_root(parent, key)].append(key)
        for keys in clusters.values():
            if len(keys) > 1:
                found = tuple(
                    (k, _text(rows[k].get(cols.name)), owner_name(rows[k].get(cols.owner)))
                    for k in keys
                )
                plan.duplicates.append(Duplicate(sheet, name, found))


def _root(parent: dict[str, str], key: str) -> str:
    while parent[key] != key:
        key = parent[key]
    return key


# --- the logs: 跟进记录 and 投诉 flow from each rep to the master, append-only ------------

# The log sheets, by their number column: a rep's visits and complaints are part of the team's
# record (the master's visit counts, cadence and complaint deadlines read them).
LOG_KEYS = ("visit_no", "complaint_no")


def log_sheets(schema: Schema = SCHEMA) -> tuple[Sheet, ...]:
    """The sheets whose rows flow rep → master, append-only (跟进记录, 投诉)."""
    return tuple(s for s in schema.sheets if s.key_column in LOG_KEYS)


def log_fingerprint(fields: Fields) -> str:
    """What identifies a log row: its values (surrounding spaces, 3 vs 3.0 and a midnight
    datetime vs its date do not count), whatever row it stands on.

    >>> a, b = {"content": " 拜访 ", "n": 3}, {"n": 3.0, "content": "拜访"}
    >>> log_fingerprint(a) == log_fingerprint(b)
    True
    """
    items = sorted((k, _canonical(v)) for k, v in fields.items() if clean(v) is not None)
    data = json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:24]


def _canonical(value: CellValue) -> str:
    v = clean(value)
    if isinstance(v, bool):
        return f"b:{int(v)}"
    if isinstance(v, int | float):
        return f"n:{float(v)!r}"
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return f"{type(v).__name__}:{v.isoformat()}"
    return f"s:{v}"


@dataclass(frozen=True, slots=True)
class LogAppend:
    """A rep's log row for the master. ``present``: the master holds it already (a sync that
    was interrupted after writing it): it is recorded as sent, not written again."""

    sheet: str
    rep: str
    fingerprint: str
    fields: Fields
    present: bool = False


def plan_logs(
    sheet: str,
    master: Sequence[Fields],
    reps: Mapping[str, Sequence[Fields]],
    sent: Mapping[tuple[str, str], int],
) -> list[LogAppend]:
    """The log rows of each rep that the master has not received yet (pure).

    ``sent``: (rep, fingerprint) → how many rows of that rep with that fingerprint the master
    received in earlier syncs. A row is identified by its values and, for rows alike, by how
    many of them the rep holds: each is sent once, a row the rep corrects after it was sent
    goes again as a new row (the first stays), a row the rep deletes stays in the master.
    Rows of the master nobody recorded as sent (a sync killed after writing them) count as
    received. Nothing flows master → rep, so no rep ever receives another rep's log.

    >>> row = {"customer": "甲公司", "content": "拜访"}  # held twice, sent once before
    >>> sent = {("张伟", log_fingerprint(row)): 1}
    >>> [a.rep for a in plan_logs("跟进记录", [row], {"张伟": [row, row]}, sent)]
    ['张伟']
    """
    in_master = Counter(log_fingerprint(r) for r in master)
    recorded: Counter[str] = Counter()
    for (_, fp), n in sent.items():
        recorded[fp] += n
    unrecorded = {fp: n - recorded[fp] for fp, n in in_master.items() if n > recorded[fp]}
    out: list[LogAppend] = []
    for rep in sorted(reps):
        held: Counter[str] = Counter()
        for fields in reps[rep]:
            fp = log_fingerprint(fields)
            held[fp] += 1
            if held[fp] <= sent.get((rep, fp), 0):
                continue
            if unrecorded.get(fp, 0) > 0:
                unrecorded[fp] -= 1
                out.append(LogAppend(sheet, rep, fp, fields, present=True))
                continue
            out.append(LogAppend(sheet, rep, fp, fields))
    return out
