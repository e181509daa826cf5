"""Rep self-assessment 自评 (seed 003 #3–5): 16 questions scored 1–5 and four sub-scores —
接触能力 = 3+5+10+15, 争取资料 = 1+4+9+12, 提供资料 = 2+8+14+16, 影响和处理 = 6+7+11+13 — and
their total. A score outside 1–5 is a finding and leaves its sub-score (and the total) blank,
as does a question left blank."""

from __future__ import annotations

from typing import Any

from kqxl.cells import column_letter
from kqxl.engine.results import Finding
from kqxl.engine.system import Output, OutputKind, System, SystemInput, SystemOutput
from kqxl.schema import SELF_ASSESSMENT

SUB_SCORES = {
    "contact_score": (3, 5, 10, 15),
    "gathering_score": (1, 4, 9, 12),
    "giving_score": (2, 8, 14, 16),
    "influence_score": (6, 7, 11, 13),
}


class SelfAssessment(System):
    name = "self_assessment"
    sheet = SELF_ASSESSMENT
    reads = tuple(f"q{i}" for i in range(1, 17))
    outputs = (
        *(Output(key, OutputKind.NUMBER) for key in SUB_SCORES),
        Output("total_score", OutputKind.NUMBER),
    )

    def compute(self, given: SystemInput) -> SystemOutput:
        data = given.data
        out = SystemOutput()
        scores: dict[int, list[Any]] = {}
        for i in range(1, 17):
            column = list(data.values[f"q{i}"])
            for r, score in enumerate(column):
                if score is not None and not 1 <= score <= 5:
                    out.findings.append(_out_of_range(given, f"q{i}", r, score))
                    column[r] = None
            scores[i] = column
        totals: list[Any] = [0] * len(data.rows)
        for key, questions in SUB_SCORES.items():
            sums: list[Any] = [
                None if None in picked else sum(picked)
                for picked in zip(*(scores[q] for q in questions), strict=True)
            ]
            out.values[key] = sums
            totals = [
                None if t is None or s is None else t + s for t, s in zip(totals, sums, strict=True)
            ]
        out.values["total_score"] = totals
        return out


def _out_of_range(given: SystemInput, key: str, r: int, score: int) -> Finding:
    data = given.data
    layout = data.layout
    letter = column_letter(layout.columns[key]) if layout and key in layout.columns else None
    header = data.sheet.column(key).header
    return Finding.make("score_range", data.sheet.name, data.rows[r], letter, header, str(score))
