"""Rules as data: the model, the shipped default, the condition-expression compiler.

>>> from kqxl.rules import load_rules, describe_rules
>>> rules = load_rules()            # the shipped default (SPEC §2–§3)
>>> describe_rules(rules)[0].label
'已送公司产品、资质等资料'
"""

from __future__ import annotations

from kqxl.rules.compile import (
    CompiledChecklist,
    CompiledHeat,
    CompiledLevel,
    CompiledRules,
    DerivedValue,
    compile_rules,
    declared_derived,
    derived_names,
    sheet_names,
)
from kqxl.rules.expr import ExprError, Kind, NameInfo, compile_condition, parse, tokenize
from kqxl.rules.io import (
    RuleLine,
    default_rules_text,
    describe_rules,
    dump_rules,
    format_rules,
    load_rules,
    locate_line,
    parse_rules,
    require_text,
)
from kqxl.rules.model import (
    Checklist,
    Condition,
    GradeLevel,
    HeatLevel,
    HeatRules,
    Labels,
    Rules,
    register_section,
    required_count,
    unregister_section,
)
from kqxl.rules.synonyms import ChoiceSynonyms, choice_synonyms

__all__ = [
    "Checklist",
    "ChoiceSynonyms",
    "CompiledChecklist",
    "CompiledHeat",
    "CompiledLevel",
    "CompiledRules",
    "Condition",
    "DerivedValue",
    "ExprError",
    "GradeLevel",
    "HeatLevel",
    "HeatRules",
    "Kind",
    "Labels",
    "NameInfo",
    "RuleLine",
    "Rules",
    "choice_synonyms",
    "compile_condition",
    "compile_rules",
    "declared_derived",
    "default_rules_text",
    "derived_names",
    "describe_rules",
    "dump_rules",
    "format_rules",
    "load_rules",
    "locate_line",
    "parse",
    "parse_rules",
    "register_section",
    "require_text",
    "required_count",
    "sheet_names",
    "tokenize",
    "unregister_section",
]
