"""Pulumi engine events, collected as plain StepRecords and diagnostics."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pulumi.automation import events

from gmac.engine.steps import PropertyDiffRecord, StepRecord, mask_secrets

StepListener = Callable[[StepRecord, str], None]  # (step, phase: "start" | "done" | "failed")

# Warnings the engine gives about what gmac does on purpose, which nobody can act on:
# - gmac puts its dynamic-provider plugin first on PATH, pinned to gmac's own interpreter
#   (gmac.engine.toolchain), and the engine says that it found it there;
# - rendering manifests to files (gmac.engine.program), the Kubernetes provider warns about
#   every Secret with data, because its SDK marks a Secret's data secret whatever it holds.
#   gmac's rendered Secrets hold no value in clear: each is sealed in an annotation, and the
#   only data is Alertmanager's configuration, which holds no secret (docs/secrets.md;
#   tests/secrets/test_canary.py proves that no value reaches the files).
_GMACS_OWN_DOING = (
    re.compile(r"using pulumi-resource-pulumi-python from \$PATH at "),
    re.compile(r"rendered YAML will contain a secret value in plaintext$"),
    re.compile(r"rendered file .+ contains a secret value in plaintext$"),
)


def _record(metadata: events.StepEventMetadata) -> StepRecord:
    old = metadata.old.inputs if metadata.old is not None else None
    new = metadata.new.inputs if metadata.new is not None else None
    state = metadata.new or metadata.old
    detailed = tuple(
        PropertyDiffRecord(path, str(diff.diff_kind.value))
        for path, diff in sorted((metadata.detailed_diff or {}).items())
    )
    return StepRecord(
        op=str(metadata.op.value),
        urn=metadata.urn,
        type=metadata.type,
        parent=state.parent if state is not None else None,
        diffs=tuple(metadata.diffs or ()),
        replace_keys=tuple(metadata.keys or ()),
        detailed=detailed,
        old_inputs=mask_secrets(old) if old is not None else None,
        new_inputs=mask_secrets(new) if new is not None else None,
    )


@dataclass
class EventCollector:
    """The `on_event` callback of one engine operation."""

    listener: StepListener | None = None
    steps: list[StepRecord] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Where in `steps` each refresh still waiting for its outputs is (by URN): one look-up
    # per outputs event, not a scan of every step so far.
    _refreshing: dict[str, int] = field(default_factory=dict, repr=False)

    def __call__(self, event: events.EngineEvent) -> None:
        if event.resource_pre_event is not None:
            step = _record(event.resource_pre_event.metadata)
            self.steps.append(step)
            if step.op == "refresh":
                self._refreshing[step.urn] = len(self.steps) - 1
            else:
                self._refreshing.pop(step.urn, None)
            self._notify(step, "start")
        elif event.res_outputs_event is not None:
            metadata = event.res_outputs_event.metadata
            waiting = self._refreshing.pop(metadata.urn, None)
            if waiting is None and self.listener is None:
                return  # a preview's outputs event: nothing to settle, nobody to tell
            step = _record(metadata)
            if waiting is not None:
                # A refresh step starts as `refresh`; what it found (same, update with the
                # fields that changed, delete) only comes with its outputs event.
                self.steps[waiting] = step
            self._notify(step, "done")
        elif event.res_op_failed_event is not None:
            self._notify(_record(event.res_op_failed_event.metadata), "failed")
        elif event.diagnostic_event is not None:
            self._diagnostic(event.diagnostic_event)

    def _notify(self, step: StepRecord, phase: str) -> None:
        if self.listener is not None:
            self.listener(step, phase)

    def _diagnostic(self, diagnostic: events.DiagnosticEvent) -> None:
        message = diagnostic.message.strip()
        if not message or diagnostic.ephemeral:
            return
        if any(known.match(message) for known in _GMACS_OWN_DOING):
            return
        if diagnostic.severity == "error":
            self.errors.append(message)
        elif diagnostic.severity == "warning":
            self.diagnostics.append(message)
