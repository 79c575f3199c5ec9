"""Saved plans: `gmac plan --out FILE` writes one, `gmac apply --plan FILE` holds the preview
against it."""

from __future__ import annotations

import json
from pathlib import Path

from gmac.errors import PlanMismatchError, UsageError
from gmac.plan import Plan, plan_differences, plan_from_dict


def save_plan(plan: Plan, path: Path) -> None:
    try:
        path.write_text(json.dumps(plan.as_dict(), indent=2, default=str) + "\n", "utf-8")
    except OSError as error:
        raise UsageError(f"cannot write '{path}': {error.strerror or error}") from None


def load_plan(path: Path) -> Plan:
    try:
        return plan_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"cannot read the saved plan '{path}': {error}") from None


def check_saved(saved: Plan, current: Plan) -> None:
    differences = plan_differences(saved, current)
    if differences:
        raise PlanMismatchError(
            "the saved plan no longer matches what apply would do; run `gmac plan --out "
            "FILE` again and review it:\n" + "\n".join(differences)
        )
