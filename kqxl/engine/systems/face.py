"""Key-account face 红脸/白脸/黑脸 (seed 002, 关键客户也分红、黑、白脸).

From 期间销售额, 期间毛利 (their ratio is the margin) and the 品牌影响力 flag:

* 黑脸 — little direct profit (margin below ``low_margin``, or none) but 品牌影响力 = 是;
* 白脸 — a large volume (at least ``big_share`` of all customers' 期间销售额) at a margin below
  ``low_margin`` (big retailers);
* 红脸 — a margin of at least ``high_margin``: much profit per deal.

The first that holds wins; otherwise the cell stays blank (not a key account by these rules).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kqxl.engine.system import Output, OutputKind, System, SystemInput, SystemOutput
from kqxl.schema import CUSTOMERS
from kqxl.texts import SYSTEM_TEXTS


class FaceRules(BaseModel):
    """``[face]``: margins (毛利 / 销售额) and the volume share that make a face."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    high_margin: float = Field(0.3, ge=0, le=1)
    low_margin: float = Field(0.1, ge=0, le=1)
    big_share: float = Field(0.05, gt=0, le=1)


def faces(
    revenue: list[Any], profit: list[Any], influence: list[Any], rules: FaceRules
) -> tuple[list[str | None], list[float | None]]:
    """Per row, the face (or ``None``) and the margin it was judged by."""
    total = sum(r for r in revenue if r is not None and r > 0)
    red, white, black = (SYSTEM_TEXTS[k] for k in ("face_red", "face_white", "face_black"))
    out: list[str | None] = []
    margins: list[float | None] = []
    for r, p, flag in zip(revenue, profit, influence, strict=True):
        margin = p / r if r is not None and r > 0 and p is not None else None
        margins.append(margin)
        thin = margin is None or margin < rules.low_margin
        if flag is True and thin:
            out.append(black)
        elif margin is not None and thin and total and r / total >= rules.big_share:
            out.append(white)
        elif margin is not None and margin >= rules.high_margin and p > 0:
            out.append(red)
        else:
            out.append(None)
    return out, margins


class Face(System):
    name = "face"
    sheet = CUSTOMERS
    reads = ("period_revenue", "period_profit", "brand_influence")
    section = "face"
    section_model = FaceRules
    outputs = (Output("account_face"), Output("margin", OutputKind.PERCENT, written=False))

    def compute(self, given: SystemInput) -> SystemOutput:
        v = given.data.values
        face, margin = faces(
            v["period_revenue"],
            v["period_profit"],
            v["brand_influence"],
            given.rules.section("face"),
        )
        return SystemOutput(values={"account_face": face, "margin": margin})
