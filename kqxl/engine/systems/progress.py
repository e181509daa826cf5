"""进度预警: a project in its stage for longer than the rules allow (seed 003 #33).

阶段开始日期 is the day the project entered its 项目阶段; a stage with a limit in
``[progress] max_days`` (days) warns when today − 阶段开始日期 exceeds it. 完工 and 丢单 end a
project and have no limit by default.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kqxl.engine.system import (
    Output,
    OutputKind,
    System,
    SystemInput,
    SystemOutput,
    retired_rows,
)
from kqxl.schema import PROJECTS
from kqxl.texts import SYSTEM_TEXTS, text

Stage = Literal[
    "信息", "立项", "方案设计", "编写标书", "投标", "中标", "签约", "供货", "完工", "丢单"
]

# The seeds name the warning, not the days: a choice a company changes in its rules.
DEFAULT_MAX_DAYS: dict[Stage, int] = {
    "信息": 60,
    "立项": 60,
    "方案设计": 45,
    "编写标书": 30,
    "投标": 30,
    "中标": 30,
    "签约": 60,
    "供货": 90,
}


class ProgressRules(BaseModel):
    """``[progress]``: the most days a project may stay in each stage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_days: dict[Stage, Annotated[int, Field(ge=0, le=36600)]] = Field(
        default_factory=lambda: dict(DEFAULT_MAX_DAYS)
    )


class Progress(System):
    name = "progress"
    sheet = PROJECTS
    reads = ("stage", "stage_since", "status")
    section = "progress"
    section_model = ProgressRules
    outputs = (Output("progress_alert"), Output("stage_days", OutputKind.NUMBER, written=False))

    def compute(self, given: SystemInput) -> SystemOutput:
        limits = given.rules.section("progress").max_days
        v, today = given.data.values, given.today
        days: list[Any] = [
            None if since is None else (today - since).days for since in v["stage_since"]
        ]
        alerts: list[Any] = []
        said: dict[tuple[Any, int], str] = {}  # (stage, days) → the alert, built once
        for stage, d in zip(v["stage"], days, strict=True):
            limit = limits.get(stage)
            if d is not None and limit is not None and d > limit:
                alert = said.get((stage, d))
                if alert is None:
                    alert = said[(stage, d)] = text(
                        SYSTEM_TEXTS, "progress_alert", stage=stage, days=d, limit=limit
                    )
                alerts.append(alert)
            else:
                alerts.append(None)
        for i in retired_rows(v):  # 作废: not followed any more
            alerts[i] = None
        return SystemOutput(values={"progress_alert": alerts, "stage_days": days})
