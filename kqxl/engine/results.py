"""What the engine returns: findings, sheet layouts, one result per customer and project.

``BookResult.model_dump(mode="json")`` is exactly what ``kqxl validate --json`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from kqxl.rules.io import RulesInfo
from kqxl.texts import FINDINGS, text

Level = Literal["error", "warning"]
M = TypeVar("M", bound=BaseModel)


def fast_builder(cls: type[M]) -> Callable[..., M]:
    """A constructor for trusted values that skips validation, like ``model_construct``.

    ``model_construct`` costs ~8 µs per call (it walks the fields in Python); this costs
    ~1 µs, which matters at 200,000 results per run. Callers pass every field, already of
    the right type; ``tests/test_engine_grade.py`` checks that such results re-validate equal.
    """
    # Every field is always set, so one set serves all instances: setting an attribute only
    # adds a name that is already in it.
    fields_set = set(cls.model_fields)
    new = object.__new__
    put = object.__setattr__

    def build(**values: Any) -> M:
        obj = new(cls)
        put(obj, "__dict__", values)
        put(obj, "__pydantic_fields_set__", fields_set)
        put(obj, "__pydantic_extra__", None)
        put(obj, "__pydantic_private__", None)
        return obj

    return build


# Codes that are warnings: the row is still usable as it stands.
WARNING_CODES = frozenset(
    {"wrong_customer_type", "merged_cells", "duplicate_column", "formula_text"}
)


class Finding(BaseModel):
    """One problem in the workbook, where a rep can see it (Excel row number, column letter)."""

    model_config = ConfigDict(frozen=True)

    code: str
    level: Level
    sheet: str
    row: int | None = None
    column: str | None = None
    header: str | None = None
    value: str | None = None
    message: str

    @classmethod
    def make(
        cls,
        code: str,
        sheet: str,
        row: int | None = None,
        column: str | None = None,
        header: str | None = None,
        value: str | None = None,
        **extra: object,
    ) -> Finding:
        """A finding with its Chinese message filled from ``kqxl.texts.FINDINGS``."""
        message = text(
            FINDINGS,
            code,
            sheet=sheet,
            row=row or "",
            column=column or "",
            header=header or "",
            value=value if value is not None else "",
            **extra,
        )
        level: Level = "warning" if code in WARNING_CODES else "error"
        return _new_finding(
            code=code,
            level=level,
            sheet=sheet,
            row=row,
            column=column,
            header=header,
            value=value,
            message=message,
        )


_new_finding = fast_builder(Finding)


class SheetLayout(BaseModel):
    """Where a sheet's header and data are, and which column holds which schema key."""

    name: str
    header_row: int
    first_data_row: int
    last_row: int  # last non-blank data row (header_row when there is no data)
    columns: dict[str, int]  # column key → 1-based Excel column index
    unknown_columns: list[str]  # headers kqxl does not know, kept and ignored


class CustomerResult(BaseModel):
    """One customer row: its grade (0–4; None = 不适用), why, and what is missing."""

    row: int
    key: str | None
    name: str | None
    type: str | None
    owner_rep: str | None
    grade: int | None
    grade_label: str
    reasons: list[str]
    gaps: list[str]


class ProjectResult(BaseModel):
    """One project row: its heat (0–1), its counterparts' grades, why, and the weighted amount."""

    row: int
    key: str | None
    name: str | None
    owner_rep: str | None
    client: str | None
    contractor: str | None
    client_grade: int | None
    contractor_grade: int | None
    client_grade_label: str
    contractor_grade_label: str
    heat: float
    heat_label: str
    reasons: list[str]
    gaps: list[str]
    amount: float | None
    weighted_amount: float | None


class BookResult(BaseModel):
    """Everything the engine found in one workbook."""

    file: str
    layouts: dict[str, SheetLayout]
    customers: list[CustomerResult]
    projects: list[ProjectResult]
    findings: list[Finding]
    rules: RulesInfo | None = None  # which rules these results were computed with

    def findings_for(self, sheet: str, row: int) -> list[Finding]:
        """The findings of one row (Excel row number) of ``sheet``."""
        return [f for f in self.findings if f.sheet == sheet and f.row == row]

    @property
    def has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)
