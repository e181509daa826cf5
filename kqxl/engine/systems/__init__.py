"""The computed systems kqxl ships, one module each, registered in dependency order.

A new system is one module here (its :class:`~kqxl.engine.system.System`), its rules section,
its columns in :mod:`kqxl.schema` and its tests; see docs/SYSTEMS.md.
"""

from __future__ import annotations

from kqxl.engine.system import register
from kqxl.engine.systems.cadence import Cadence
from kqxl.engine.systems.complaints import Complaints
from kqxl.engine.systems.face import Face
from kqxl.engine.systems.grade import Grade
from kqxl.engine.systems.heat import Heat
from kqxl.engine.systems.links import CustomerIndex, Links
from kqxl.engine.systems.loyalty import Loyalty
from kqxl.engine.systems.progress import Progress
from kqxl.engine.systems.selfassess import SelfAssessment
from kqxl.engine.systems.tips import PersonalityTips
from kqxl.engine.systems.value import ValueClass
from kqxl.engine.systems.visits import VisitLog
from kqxl.engine.systems.warnings import Warnings

# Grade and heat first (the order results list their outputs in), then the systems of SPEC §5.
BUILT_IN = (
    Links(),
    VisitLog(),
    Grade(),
    Heat(),
    ValueClass(),
    Face(),
    Cadence(),
    Progress(),
    Complaints(),
    Warnings(),
    PersonalityTips(),
    Loyalty(),
    SelfAssessment(),
)
for _system in BUILT_IN:
    register(_system)

__all__ = [
    "BUILT_IN",
    "Cadence",
    "Complaints",
    "CustomerIndex",
    "Face",
    "Grade",
    "Heat",
    "Links",
    "Loyalty",
    "PersonalityTips",
    "Progress",
    "SelfAssessment",
    "ValueClass",
    "VisitLog",
    "Warnings",
]
