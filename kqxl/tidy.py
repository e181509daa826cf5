"""``recompute --tidy``: input cells read leniently become the typed values they were read as.

``120万`` in 累计订单金额 is read as 1200000 (with a notice), but the cell stays text: Excel's
SUM and pivot tables skip it. Tidying writes the number itself (the cell keeps its own
format), a real date for ``2024.5.3``, 是/否 for ``Y``/``√``, and the choice for a synonym
(``业主`` → 甲方). Placeholders (``无`` in 联系电话) are left as the rep typed them.

Pure: it plans :class:`~kqxl.book.CellChange` values from a result; the caller writes them
through the same patch path as the computed columns (with a backup).
"""

from __future__ import annotations

from collections.abc import Iterable

from kqxl.book import CellChange
from kqxl.cells import column_index
from kqxl.engine import BookResult, Finding, System, registered
from kqxl.engine.convert import choice_map
from kqxl.engine.validate import synonym_map, tidy_value
from kqxl.rules import Rules, choice_synonyms
from kqxl.schema import SCHEMA, ColumnType, Schema

# The notices whose cell tidying rewrites.
TIDIED_CODES = frozenset({"lenient_value", "choice_synonym"})


def plan_tidy(
    result: BookResult,
    rules: Rules,
    *,
    date1904: bool = False,
    schema: Schema = SCHEMA,
    systems: Iterable[System] | None = None,
) -> tuple[list[CellChange], list[Finding]]:
    """The changes that tidy each cell read leniently, and the notices they settle."""
    chosen = tuple(registered() if systems is None else systems)
    extra: dict[tuple[str, str], list[str]] = {}
    for system in chosen:
        for sheet_name, columns in system.extra_choices(rules).items():
            for key, values in columns.items():
                extra.setdefault((sheet_name, key), []).extend(values)
    changes: list[CellChange] = []
    settled: list[Finding] = []
    maps: dict[tuple[str, str], dict[str, str]] = {}
    for finding in result.findings:
        if finding.code not in TIDIED_CODES or finding.row is None or not finding.column:
            continue
        if finding.value is None or finding.header is None:
            continue
        try:
            sheet = schema.sheet(finding.sheet)
        except KeyError:
            continue
        col = sheet.by_header(finding.header)
        if col is None:
            continue
        choices = None
        if col.type is ColumnType.CHOICE:
            where = (sheet.name, col.key)
            if where not in maps:
                allowed = (*col.choices, *extra.get(where, ()))
                found = choice_map(allowed)
                found.update(synonym_map(allowed, choice_synonyms(rules, sheet).get(col.key, {})))
                maps[where] = found
            choices = maps[where]
        value = tidy_value(finding.value, col.type, date1904, choices)
        if value is None:
            continue
        changes.append(CellChange(sheet.name, finding.row, column_index(finding.column), value))
        settled.append(finding)
    return changes, settled
