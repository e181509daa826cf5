"""The computed systems kqxl ships, one module each, registered in dependency order.

A new system is one module here (its :class:`~kqxl.engine.system.System`), its rules section,
its columns in :mod:`kqxl.schema` and its tests; see docs/SYSTEMS.md.
"""

from __future__ import annotations

from kqxl.engine.system import register
from kqxl.engine.systems.grade import Grade
from kqxl.engine.systems.heat import Heat
from kqxl.engine.systems.links import CustomerIndex, Links

BUILT_IN = (Links(), Grade(), Heat())
for _system in BUILT_IN:
    register(_system)

__all__ = ["BUILT_IN", "CustomerIndex", "Grade", "Heat", "Links"]
