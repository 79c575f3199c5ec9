"""Adopting what already runs: `gmac adopt`, `gmac plan --adopt`, `gmac apply --adopt`, and
the check that keeps every other apply from taking anything over silently.

    adoption_report(request) -> AdoptionReport     gmac adopt
    adopt_preview(request) -> Plan                 gmac plan --adopt
    adopt_apply(request, confirm=..., ...)         gmac apply --adopt
    refuse_existing(run, plan)                     gmac apply: a create that meets an object

How each resource is looked up: gmac.app.adopt.discover (and .kinds, .kubernetes, the spec's
`adopt:` in .spec_names); the plan and the apply: gmac.app.adopt.flows.
"""

from gmac.app.adopt.flows import adopt_apply, adopt_preview, adoption_report
from gmac.app.adopt.preflight import refuse_existing
from gmac.app.adopt.value import (
    AMBIGUOUS,
    FOUND,
    MADE,
    MANAGED,
    MISSING,
    RENDERED,
    Adoption,
    AdoptionReport,
)

__all__ = [
    "AMBIGUOUS",
    "FOUND",
    "MADE",
    "MANAGED",
    "MISSING",
    "RENDERED",
    "Adoption",
    "AdoptionReport",
    "adopt_apply",
    "adopt_preview",
    "adoption_report",
    "refuse_existing",
]
