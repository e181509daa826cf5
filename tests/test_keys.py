"""Keys (客户编号/项目编号): minted offline by many reps without a collision, never changed,
never reused; the 设置 sheet that holds the workbook id and the counters."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqxl.book.settings import SETTINGS_SHEET, Settings, read_settings, settings_rows
from kqxl.cells import SheetGrid
from kqxl.errors import WorkbookError
from kqxl.keys import (
    CROCKFORD,
    assign_keys,
    format_key,
    is_workbook_id,
    new_workbook_id,
    parse_key,
)

# ---- the pure assignment ------------------------------------------------------------------


def test_workbook_ids_are_six_crockford_characters() -> None:
    ids = {new_workbook_id() for _ in range(200)}
    assert len(ids) == 200  # 30 random bits each: a repeat here is a one-in-100,000 event
    for wid in ids:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{6}", wid) and is_workbook_id(wid)
    assert not set("ILOU") & set(CROCKFORD)
    assert new_workbook_id(lambda n: n - 1) == "ZZZZZZ"


def test_keys_read_aloud() -> None:
    assert format_key("KH", "7QM4XD", 12) == "KH-7QM4XD-0012"
    assert format_key("XM", "7QM4XD", 12345) == "XM-7QM4XD-12345"
    assert parse_key("KH-7QM4XD-0012") is not None
    assert parse_key(" kh-7qm4xd-0012 ").number == 12  # type: ignore[union-attr]
    for odd in (None, "", "C0001", "KH-7QM4XO-0012", "KH-7QM4XD-12", 12):
        assert parse_key(odd) is None


def test_blank_keys_get_numbers_after_the_counter_and_others_stay() -> None:
    existing = [None, "KH-7QM4XD-0007", "  ", "手写编号", "KH-AAAAAA-0099", None]
    done = assign_keys(existing, prefix="KH", workbook_id="7QM4XD", counter=3)
    # 0007 of this workbook raises the high-water mark; another workbook's 0099 does not.
    assert done.keys == {0: "KH-7QM4XD-0008", 2: "KH-7QM4XD-0009", 5: "KH-7QM4XD-0010"}
    assert done.counter == 10
    assert assign_keys(["x"], prefix="KH", workbook_id="7QM4XD", counter=10).counter == 10
    with pytest.raises(ValueError):
        assign_keys([None], prefix="KH", workbook_id="bad", counter=0)


@dataclass
class Rep:
    """One rep's workbook, as the rows' key cells in sheet order plus its 设置."""

    workbook_id: str
    rows: list[str | None] = field(default_factory=list)
    counter: int = 0

    def recompute(self) -> None:
        done = assign_keys(
            self.rows, prefix="KH", workbook_id=self.workbook_id, counter=self.counter
        )
        for i, key in done.keys.items():
            self.rows[i] = key
        self.counter = done.counter


# One step of a rep's offline day: add rows, delete a row (often the last), re-sort, recompute.
steps = st.one_of(
    st.tuples(st.just("add"), st.integers(1, 4)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("delete_last"), st.just(0)),
    st.tuples(st.just("sort"), st.integers(0, 2**32)),
    st.tuples(st.just("recompute"), st.just(0)),
)


@settings(max_examples=150, deadline=None)
@given(
    ids=st.lists(
        st.text(alphabet=CROCKFORD, min_size=6, max_size=6), min_size=2, max_size=12, unique=True
    ),
    days=st.lists(st.tuples(st.integers(0, 11), steps), min_size=1, max_size=120),
)
def test_reps_assigning_keys_offline_never_collide(
    ids: list[str], days: list[tuple[int, tuple[str, int]]]
) -> None:
    reps = [Rep(wid) for wid in ids]
    ever: dict[str, str] = {}  # every key ever written → the workbook that wrote it
    for who, (action, arg) in days:
        rep = reps[who % len(reps)]
        before = {i: k for i, k in enumerate(rep.rows) if k is not None}
        if action == "add":
            rep.rows.extend([None] * arg)
        elif action == "delete" and rep.rows:
            del rep.rows[arg % len(rep.rows)]
        elif action == "delete_last" and rep.rows:
            rep.rows.pop()
        elif action == "sort":
            random.Random(arg).shuffle(rep.rows)
        elif action == "recompute":
            rep.recompute()
            # existing keys are never changed
            assert all(rep.rows[i] == k for i, k in before.items())
            for key in rep.rows:
                assert key is not None
                # a key is new, or it is this workbook's own (never another's, never reused)
                assert ever.setdefault(key, rep.workbook_id) == rep.workbook_id
    for rep in reps:
        rep.recompute()
    keys = [k for rep in reps for k in rep.rows]
    assert len(keys) == len(set(keys))  # unique across the whole team
    for rep in reps:
        numbers = sorted(parse_key(k).number for k in rep.rows)  # type: ignore[union-attr]
        assert not numbers or numbers[-1] <= rep.counter


@settings(max_examples=100, deadline=None)
@given(deleted=st.integers(1, 30), added=st.integers(1, 5))
def test_a_deleted_last_number_is_never_reused(deleted: int, added: int) -> None:
    rep = Rep("7QM4XD", [None] * 30)
    rep.recompute()
    gone = set(rep.rows[-deleted:])
    del rep.rows[-deleted:]
    rep.rows.extend([None] * added)
    rep.recompute()
    assert not gone & set(rep.rows)
    assert parse_key(rep.rows[-1]).number == 30 + added  # type: ignore[union-attr]


# ---- the 设置 sheet ----------------------------------------------------------------------


def _grid(rows: list[list[object]]) -> SheetGrid:
    return SheetGrid(SETTINGS_SHEET, rows)  # type: ignore[arg-type]


def test_settings_round_trip_and_read_like_a_person_would() -> None:
    s = Settings(
        workbook_id="7QM4XD",
        counters={"KH": 12, "XM": 3},
        template_kind="rep",
        template_version=1,
        rules_fingerprint="fb380fb0",
    )
    rows = settings_rows(s)
    assert rows[3] == [
        "工作簿编号",
        "7QM4XD",
        "首次重算时由 kqxl 随机生成，是本表所有客户编号、项目编号的中间一段。",
        "workbook_id",
    ]
    assert [r[0] for r in rows[4:6]] == ["客户编号已用到", "项目编号已用到"]
    assert read_settings(_grid(rows), "x.xlsx") == s  # type: ignore[arg-type]
    assert read_settings(None, "x.xlsx") is None


def test_settings_keep_rows_of_a_later_version_and_read_numbers_as_excel_saves_them() -> None:
    rows: list[list[object]] = [list(r) for r in settings_rows(Settings(workbook_id="7QM4XD"))]
    rows[4][1] = 12.0  # a number as another program may save it
    rows[5][1] = "7"  # typed as text
    rows.append(["上次同步", "2026-11-30 09:00", "…", "last_sync"])
    read = read_settings(_grid(rows), "x.xlsx")
    assert read is not None and read.counters == {"KH": 12, "XM": 7}
    assert read.other_rows == (("上次同步", "2026-11-30 09:00", "…", "last_sync"),)
    assert settings_rows(read)[-1] == ["上次同步", "2026-11-30 09:00", "…", "last_sync"]


@pytest.mark.parametrize(
    ("row", "value", "expected"),
    [
        (4, "7QM4XO", "第 4 行，工作簿编号：“7QM4XO”不是有效的工作簿编号"),
        (5, -1, "第 5 行，客户编号已用到：应为不小于 0 的整数，实际为“-1”"),
        (6, "三", "第 6 行，项目编号已用到：应为不小于 0 的整数，实际为“三”"),
    ],
)
def test_a_broken_setting_is_one_line_naming_sheet_and_row(
    row: int, value: object, expected: str
) -> None:
    rows: list[list[object]] = [list(r) for r in settings_rows(Settings(workbook_id="7QM4XD"))]
    rows[row - 1][1] = value
    with pytest.raises(WorkbookError) as info:
        read_settings(_grid(rows), "张三.xlsx")
    assert info.value.code == "settings_invalid" and info.value.data["row"] == row
    message = str(info.value)
    assert message.startswith("张三.xlsx：工作表“设置”" + expected)
    assert "\n" not in message


def test_a_settings_sheet_kqxl_did_not_write_is_refused() -> None:
    with pytest.raises(WorkbookError, match=r"不是 kqxl 生成的工作表“设置”.*改名") as info:
        read_settings(_grid([["打印设置"], ["纸张", "A4"]]), "张三.xlsx")
    assert info.value.code == "not_kqxl_sheet"
