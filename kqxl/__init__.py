"""kqxl — 客情关系管理 for Excel workbooks.

Validate customer and project sheets, grade each counterpart (客情关系等级 I–IV), compute each
project's deal heat (成交热度) with the reasons behind them, and write the results back into
the workbook without touching anything kqxl does not own.
"""

from __future__ import annotations

__version__ = "0.1.0"

# The built-in computed systems register themselves (and the values their conditions may
# name) on import, so that rules files naming 项目阶段 or 甲方等级 load however kqxl is entered.
from kqxl.engine import systems as _systems  # noqa: F401
from kqxl.sync import policy as _sync_policy  # noqa: F401 - the [sync] rules section
