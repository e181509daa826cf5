"""What kqxl can do today, each proved by the code that does it.

The 说明 sheet of a template tells a rep and a manager what happens to their workbook. A sentence
there that promises something (编号自动分配, 重算按钮, 周年纪念提醒 …) names the capability it
relies on, and the template writes it only while that capability exists. A capability is a
dotted path ``module:attribute``; it exists when the module imports and has the attribute.
Nothing here is switched by hand: when a system or the add-in lands, its promise appears.

>>> has("keys.assign")
True
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

# name → "module:attribute" whose presence proves the capability.
CAPABILITIES: Mapping[str, str] = {
    # Blank 客户编号/项目编号 get a stable key on recompute.
    "keys.assign": "kqxl.keys:assign_keys",
    # Recompute from the command line (a manager, an administrator, a scheduled job).
    "cli.recompute": "kqxl.api:recompute_workbooks",
    # A 重算 button inside Excel (the add-in). Not built yet: a rep in Excel cannot recompute.
    "excel.recompute_button": "kqxl.excel.buttons:recompute",
    # Team sync of the master and the rep workbooks.
    "sync": "kqxl.api:sync_team",
    # Reminders of dates (anniversaries of a customer's founding, of the cooperation, birthdays).
    "reminders.anniversary": "kqxl.engine.care:care_reminders",
    # Rows whose 校验 is not empty are tinted (a conditional format in the template).
    "template.checks_tint": "kqxl.book.template:CHECKS_TINT",
}


# Words in the 说明 sheet that promise a capability: wherever one appears, the capability
# must exist (tests/test_promises.py reads every text of 说明 against this list).
PROMISES: Mapping[str, str] = {
    "自动分配": "keys.assign",
    "“重算”按钮": "excel.recompute_button",
    "运行 kqxl recompute": "cli.recompute",
    "周年纪念提醒": "reminders.anniversary",
    "合作纪念日": "reminders.anniversary",
    "kqxl sync": "sync",
    "浅红色": "template.checks_tint",
}


def has(name: str) -> bool:
    """Whether capability ``name`` exists in this installation (``KeyError`` if unknown)."""
    module_name, _, attribute = CAPABILITIES[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    return hasattr(module, attribute)


def available() -> frozenset[str]:
    """The names of every capability that exists."""
    return frozenset(name for name in CAPABILITIES if has(name))
