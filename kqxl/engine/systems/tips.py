"""Personality tips (seed 003 #34–42, #74–77): for the contact's 性格类型 (支配型、表达型、
和蔼型、分析型), its needs, fears and how to deal with it, in the 相处提示 column."""

from __future__ import annotations

from kqxl.engine.system import Output, System, SystemInput, SystemOutput
from kqxl.schema import CUSTOMERS, PERSONALITIES
from kqxl.texts import SYSTEM_TEXTS


class PersonalityTips(System):
    name = "tips"
    sheet = CUSTOMERS
    reads = ("personality",)
    outputs = (Output("personality_tip"),)

    def compute(self, given: SystemInput) -> SystemOutput:
        tip = {p: SYSTEM_TEXTS[f"tip_{p}"] for p in PERSONALITIES}
        return SystemOutput(
            values={"personality_tip": [tip.get(p) for p in given.data.values["personality"]]}
        )
