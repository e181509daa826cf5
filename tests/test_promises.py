"""The 说明 sheet promises only what exists (kqxl.capabilities)."""

from __future__ import annotations

import re

import pytest

import kqxl.book.template as template
from kqxl.book.template import TemplateKind, build_template
from kqxl.capabilities import CAPABILITIES, PROMISES, has
from kqxl.rules import load_rules
from kqxl.texts import LABELS

KINDS: tuple[TemplateKind, ...] = ("rep", "master")


def readme_texts(kind: TemplateKind, **options: bool) -> list[str]:
    ws = build_template(kind, load_rules(None), **options)[LABELS["sheet_readme"]]
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("protect", [False, True])
def test_every_promise_in_readme_is_a_capability_that_exists(
    kind: TemplateKind, protect: bool
) -> None:
    texts = readme_texts(kind, protect=protect)
    for words, capability in PROMISES.items():
        promised = [t for t in texts if words in t]
        if promised:
            assert has(capability), f"{kind} 说明 promises {capability!r}: {promised[0]}"


def test_every_promise_names_a_known_capability() -> None:
    assert set(PROMISES.values()) <= set(CAPABILITIES)
    assert has("keys.assign") and has("cli.recompute")  # the paths are spelled right


def test_rep_in_excel_is_not_told_to_run_kqxl() -> None:
    rep = "\n".join(readme_texts("rep"))
    if not has("excel.recompute_button"):
        assert "运行 kqxl" not in rep and "“重算”按钮" not in rep
        assert "经理重算后更新" in rep
    else:  # the add-in's 重算 button exists: the rep is told to click it
        assert "“重算”按钮即可更新" in rep
    # Blank keys are assigned on recompute: that promise is kept.
    assert "客户编号、项目编号留空即可，重算时由 kqxl 自动分配" in rep
    # 成立日期 promises no reminder while there is none.
    assert ("周年纪念提醒" in rep) == has("reminders.anniversary")


def test_the_owner_is_required_of_the_rep() -> None:
    texts = readme_texts("rep")
    # Nothing says the manager fills 负责人 in (经理批注 is the manager's, and says so).
    assert not any(re.search(r"负责人[^。；]*由经理", t) for t in texts)
    assert any(t.startswith("5. 负责人必须填写：") for t in texts)
    ws = build_template("rep", load_rules(None))[LABELS["sheet_readme"]]
    rows = [r for r in ws.iter_rows(values_only=True) if r[2] == "负责人"]
    assert len(rows) == 2  # 客户 and 项目
    for row in rows:
        assert row[5] == "是" and row[6] == "业务员（经理可改派）"


def test_promises_follow_the_capabilities(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every capability there, their promises appear; without, none of them."""
    monkeypatch.setattr(template, "has", lambda name: True)
    rep = "\n".join(readme_texts("rep"))
    assert "“重算”按钮即可更新" in rep
    assert "客户单位成立日期。用于周年纪念提醒。" in rep
    assert "kqxl sync" in "\n".join(readme_texts("master"))
    monkeypatch.setattr(template, "has", lambda name: False)
    rep = "\n".join(readme_texts("rep"))
    master = "\n".join(readme_texts("master"))
    for words in PROMISES:
        assert words not in rep and words not in master, words


def test_protection_is_described_as_it_is() -> None:
    assert any(t.startswith("8. 工作表没有保护") for t in readme_texts("rep"))
    assert any(t.startswith("8. 工作表已保护") for t in readme_texts("rep", protect=True))
