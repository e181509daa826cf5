"""The rules as a validated pydantic model (what a rules TOML file holds).

Structure::

    Rules
    ├── labels: grade labels (未评级, I级 … IV级), the 不适用 label
    ├── checklists: 客户类型 → Checklist (levels 1…N, each with conditions and ``require``)
    ├── heat: floor, levels (percent, conditions, ``require``)
    └── any section a computed system registers (:func:`register_section`), by its name

The model checks shapes and values; expressions are checked against the schema by

:func:`kqxl.rules.compile.compile_rules` (``load_rules`` does both).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from kqxl.rules.limits import RulesLimitError, check_words
from kqxl.texts import ERRORS, LABELS, text

StrictBool = Annotated[bool, Field(strict=True)]
Require = Literal["all", "half"] | Annotated[int, Field(ge=1, strict=True)]

DEFAULT_GRADE_LABELS = ("未评级", "I级", "II级", "III级", "IV级")


class RulesShapeError(ValueError):
    """A cross-field problem in the rules; ``loc`` is the path of the offending field."""

    def __init__(self, loc: tuple[str | int, ...], detail: str) -> None:
        super().__init__(detail)
        self.loc = loc
        self.detail = detail


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Condition(_Frozen):
    """One condition: a short readable label and its expression over column headers."""

    label: str = Field(min_length=1)
    when: str = Field(min_length=1)


class GradeLevel(_Frozen):
    """One relationship level (1 = I级 …) of a checklist."""

    level: Annotated[int, Field(strict=True)]
    require: Require = "all"
    conditions: tuple[Condition, ...] = Field(min_length=1)


class Checklist(_Frozen):
    """The levels of one 客户类型. ``cumulative``: a level needs the level below as well."""

    cumulative: StrictBool = True
    levels: tuple[GradeLevel, ...] = Field(min_length=1)


class HeatLevel(_Frozen):
    """One deal-heat level, e.g. ``percent = 70``."""

    percent: Annotated[int, Field(ge=1, le=100, strict=True)]
    require: Require = "half"
    conditions: tuple[Condition, ...] = Field(min_length=1)

    @property
    def label(self) -> str:
        return f"{self.percent}%"


class HeatRules(_Frozen):
    """Heat levels; the highest whose requirement holds wins (``cumulative`` = also all below)."""

    floor: Annotated[int, Field(ge=0, le=100, strict=True)] = 0
    floor_label: str = ""
    cumulative: StrictBool = False
    levels: tuple[HeatLevel, ...] = Field(min_length=1)


class Labels(_Frozen):
    """Words written into the workbook."""

    grades: tuple[str, ...] = DEFAULT_GRADE_LABELS
    not_applicable: str = LABELS["not_applicable"]

    @field_validator("grades")
    @classmethod
    def _two_or_more(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(v) < 2:
            raise ValueError(text(ERRORS, "rules_grade_labels"))
        return v


# Rules sections of computed systems: top-level key → its model. Registered by the system
# that reads it (``kqxl.engine.system.register``), so a new section needs no edit here.
_SECTIONS: dict[str, type[BaseModel]] = {}


def register_section(name: str, model: type[BaseModel]) -> None:
    """Accept ``[name]`` in rules files, validated by ``model`` (its defaults when absent)."""
    if name in Rules.model_fields:
        raise ValueError(f"rules section {name!r} is a field of Rules")
    _SECTIONS[name] = model


def unregister_section(name: str) -> None:
    _SECTIONS.pop(name, None)


class Rules(_Frozen):
    """The whole rules file."""

    version: Annotated[int, Field(strict=True)] = 1
    name: str = ""
    labels: Labels = Labels()
    checklists: dict[str, Checklist]
    heat: HeatRules
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _registered_sections(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Rules:
        """Validate each registered section by its own model, the rest as fields (an unknown
        key still fails as ``extra_forbidden``); errors keep the path inside the file."""
        if not isinstance(data, dict):
            return handler(data)
        sections: dict[str, BaseModel] = {}
        errors: list[InitErrorDetails] = []
        for name, model in _SECTIONS.items():
            if name not in data:
                continue
            try:
                sections[name] = model.model_validate(data[name])
            except ValidationError as exc:
                errors += [
                    InitErrorDetails(
                        type=e["type"],
                        loc=(name, *e["loc"]),
                        input=e["input"],
                        ctx=e.get("ctx", {}),
                    )
                    for e in exc.errors()
                ]
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        rules: Rules = handler({k: v for k, v in data.items() if k not in sections})
        rules._sections.update(sections)
        return rules

    @property
    def sections(self) -> dict[str, BaseModel]:
        """The registered systems' sections this rules file gives, by name (defaulted ones
        are left out: they are not part of the file)."""
        return dict(self._sections)

    def section(self, name: str) -> Any:
        """The validated section ``name`` of a registered system (its defaults when the file
        has none)."""
        found = self._sections.get(name)
        return _SECTIONS[name]() if found is None else found

    @model_validator(mode="after")
    def _levels_consistent(self) -> Rules:
        top = len(self.labels.grades) - 1
        for ctype, checklist in self.checklists.items():
            seen: set[int] = set()
            for i, level in enumerate(checklist.levels):
                loc: tuple[str | int, ...] = ("checklists", ctype, "levels", i)
                if not 1 <= level.level <= top:
                    raise RulesShapeError(
                        (*loc, "level"),
                        text(ERRORS, "rules_level_range", max=top, level=level.level),
                    )
                if level.level in seen:
                    raise RulesShapeError(
                        (*loc, "level"), text(ERRORS, "rules_duplicate_level", level=level.level)
                    )
                seen.add(level.level)
                _check_require(level.require, len(level.conditions), (*loc, "require"))
            for n in range(1, max(seen) + 1):
                if n not in seen:
                    raise RulesShapeError(
                        ("checklists", ctype, "levels"), text(ERRORS, "rules_level_gap", level=n)
                    )
        seen_pct: set[int] = set()
        for i, hl in enumerate(self.heat.levels):
            loc = ("heat", "levels", i)
            if hl.percent in seen_pct:
                raise RulesShapeError(
                    (*loc, "percent"), text(ERRORS, "rules_duplicate_percent", percent=hl.percent)
                )
            seen_pct.add(hl.percent)
            _check_require(hl.require, len(hl.conditions), (*loc, "require"))
        try:
            check_words(self)
        except RulesLimitError as exc:
            raise RulesShapeError(exc.loc, exc.detail) from None
        return self

    def grade_label(self, grade: int | None) -> str:
        """0 → 未评级, 1 → I级 …; None → 不适用."""
        if grade is None:
            return self.labels.not_applicable
        return self.labels.grades[grade]

    def heat_label(self, percent: int) -> str:
        return f"{percent}%"


def _check_require(require: str | int, n: int, loc: tuple[str | int, ...]) -> None:
    if isinstance(require, int) and require > n:
        raise RulesShapeError(loc, text(ERRORS, "rules_require", n=n, value=require))


def required_count(require: str | int, n: int) -> int:
    """How many of ``n`` conditions a level needs."""
    if require == "all":
        return n
    if require == "half":
        return math.ceil(n / 2)
    assert isinstance(require, int)
    return require
