"""The ``[sync]`` section of a rules file: who wins a conflict, per column.

By default the master's value is kept when a rep and the manager changed one field
differently. A company may let the rep win on columns the rep knows best::

    [sync]
    rep_wins = ["联系人", "联系电话"]

Columns are named by their Chinese header, as in conditions; only rep-owned columns may be
listed (manager-owned columns always keep the master's value, computed ones are recomputed).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from kqxl.rules.model import Rules, register_section
from kqxl.schema import SCHEMA, Owner, Schema
from kqxl.texts import SYNC, text

SECTION = "sync"


class SyncRules(BaseModel):
    """The ``[sync]`` section."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rep_wins: tuple[str, ...] = ()

    @field_validator("rep_wins")
    @classmethod
    def _rep_columns(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        allowed = {c.header for s in SCHEMA.sheets for c in s.columns if c.owner is Owner.REP}
        unknown = [h for h in v if h not in allowed]
        if unknown:
            raise ValueError(text(SYNC, "rules_rep_wins", columns="、".join(unknown)))
        return v


def rep_wins(rules: Rules, schema: Schema = SCHEMA) -> set[str]:
    """The column keys (of any sheet) whose conflicts the rep wins under ``rules``."""
    section: SyncRules = rules.section(SECTION)
    wanted = set(section.rep_wins)
    return {c.key for s in schema.sheets for c in s.columns if c.header in wanted}


register_section(SECTION, SyncRules)
