"""The ``[synonyms]`` section of a rules file: the words reps use for a choice.

A cell of a choice column holding a synonym reads as its choice, with a notice
(``choice_synonym``). Each table is a column header; each key a choice of that column; each
value the list of its synonyms. A choice the file names replaces its default list (``[]``
removes it); choices and columns it does not name keep the defaults of
:data:`kqxl.vocabulary.CHOICE_SYNONYMS`::

    [synonyms."客户类型"]
    "甲方" = ["业主", "建设单位", "开发商"]
    "物业公司" = ["物业"]        # a 客户类型 the rules give a checklist may have synonyms too
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import RootModel, field_validator

from kqxl.rules.model import Rules, register_section
from kqxl.schema import SCHEMA, ColumnType, Sheet
from kqxl.texts import READING, text
from kqxl.vocabulary import CHOICE_SYNONYMS, fold

SECTION = "synonyms"

_CHOICE_HEADERS = {
    c.header for s in SCHEMA.sheets for c in s.columns if c.type is ColumnType.CHOICE
}


class ChoiceSynonyms(RootModel[dict[str, dict[str, list[str]]]]):
    """Column header → choice → synonyms, as given in the rules file (defaults not included)."""

    root: dict[str, dict[str, list[str]]] = {}

    @field_validator("root")
    @classmethod
    def _choice_columns(cls, v: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        for header, table in v.items():
            if header not in _CHOICE_HEADERS:
                raise ValueError(
                    text(
                        READING,
                        "not_a_choice_column",
                        header=header,
                        headers="、".join(sorted(_CHOICE_HEADERS)),
                    )
                )
            for choice, words in table.items():
                for word in words:
                    if not fold(word):
                        raise ValueError(text(READING, "empty_synonym", choice=choice))
        return v


register_section(SECTION, ChoiceSynonyms)


def choice_synonyms(rules: Rules | None, sheet: Sheet) -> dict[str, dict[str, tuple[str, ...]]]:
    """Column key → choice → its synonyms, for ``sheet``'s choice columns: the defaults, with the
    rules file's own lists in place of the defaults of the choices it names."""
    given: Mapping[str, Mapping[str, list[str]]] = (
        rules.section(SECTION).root if rules is not None else {}
    )
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for col in sheet.columns:
        if col.type is not ColumnType.CHOICE:
            continue
        merged: dict[str, tuple[str, ...]] = dict(CHOICE_SYNONYMS.get(col.header, {}))
        merged.update({k: tuple(v) for k, v in given.get(col.header, {}).items()})
        if merged:
            out[col.key] = merged
    return out
