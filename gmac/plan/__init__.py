"""The plan layer: a frozen Plan built from the engine's steps, and saved-plan comparison.

    build_plan(env, steps, diagnostics) -> Plan     gmac.plan.build
    Plan, Change, PropertyChange, RecordOrigin,     gmac.plan.value
    plan_from_dict
    plan_differences(saved, current) -> [str]       gmac.plan.saved

It never talks to the engine and never prints: gmac.render shows a Plan.
"""

from gmac.engine.steps import SECRET_MASK
from gmac.plan.build import DEPENDENCY_REPLACED, ROTATION_ASKED, build_plan, path_parts
from gmac.plan.counting import counted
from gmac.plan.saved import plan_differences
from gmac.plan.value import (
    CHANGE_OPS,
    Change,
    Plan,
    PropertyChange,
    RecordOrigin,
    plan_from_dict,
    short_type,
)

__all__ = [
    "CHANGE_OPS",
    "DEPENDENCY_REPLACED",
    "ROTATION_ASKED",
    "SECRET_MASK",
    "Change",
    "Plan",
    "PropertyChange",
    "RecordOrigin",
    "build_plan",
    "counted",
    "path_parts",
    "plan_differences",
    "plan_from_dict",
    "short_type",
]
