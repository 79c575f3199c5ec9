"""The commands' work, end to end: load, validate, compile, run the engine, build the plan.

The CLI stays thin: it parses flags, calls one function here, and renders what comes back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from components.context import CompileContext
from gmac.access import current_actor
from gmac.engine.cluster_watch import cluster_watch
from gmac.engine.program import make_program
from gmac.engine.provided import PROVIDED_OUTPUT, store_provided
from gmac.engine.secret_values import variable_name
from gmac.engine.settings import engine_settings
from gmac.engine.stack import RunResult, StackOptions, StackSession
from gmac.engine.steps import StepRecord
from gmac.engine.toolchain import Toolchain, default_cache_root, find
from gmac.errors import (
    GmacError,
    PlanMismatchError,
    ProtectedResourceError,
    ToolchainMissingError,
    UsageError,
)
from gmac.plan import (
    CHANGE_OPS,
    Change,
    Plan,
    build_plan,
    plan_differences,
    plan_from_dict,
    render_json,
)
from gmac.registry import authorize_action, record_drift, recorded, run_secrets
from gmac.validate import Spec, validate_directory

# Deleting or replacing these loses data: protected environments need --allow-destroy.
STATEFUL_COMPONENTS = frozenset({"Repository", "Stripe", "Turso"})
STATEFUL_TYPES = frozenset(
    {
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:core/v1:Namespace",
    }
)

ProgressListener = Callable[[StepRecord, str], None]


@dataclass(frozen=True)
class RunRequest:
    """One command's inputs: which project, which environment, which resources."""

    specs: Path
    env: str
    targets: Sequence[str] = ()
    listener: ProgressListener | None = None
    secret_values: dict[str, str] | None = field(default=None, repr=False)
    # A spec made another way than validating `specs` for `env` (a preview environment).
    load_spec: Callable[[], Spec] | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.specs.resolve().parent


def require_toolchain() -> Toolchain:
    toolchain = find()
    if toolchain is None:
        raise ToolchainMissingError(
            "the Pulumi toolchain is not installed: run `gmac toolchain install` "
            f"(the first build takes several minutes; later runs reuse {default_cache_root()})"
        )
    return toolchain


class _Run:
    """A stack session for one request, with compile failures surfaced as themselves."""

    def __init__(self, request: RunRequest, action: str | None = None) -> None:
        self.request = request
        self.spec: Spec = (
            request.load_spec()
            if request.load_spec is not None
            else validate_directory(request.specs, request.env)[request.env]
        )
        # apply and destroy follow the project's `access` rules (gmac.access).
        self.actor = (
            authorize_action(request.root, self.spec, action)
            if action in ("apply", "destroy")
            else current_actor()
        )
        self.failures: list[GmacError] = []
        values = request.secret_values
        self.missing_secrets: list[str] = []
        sealed: dict[str, str] = {}
        self.generated_secrets: list[str] = []
        # From the secret store (gmac.secrets), GMAC_SECRET_<NAME> overriding; destroy and
        # unlock run no program, so they decrypt nothing. Plan and apply both create the
        # generated secrets that are missing: a saved plan must see the values apply will.
        if values is None and action not in ("destroy", "unlock"):
            generate = action in ("apply", "plan")
            found = run_secrets(request.specs, self.spec, self.actor, generate=generate)
            values, self.missing_secrets, sealed = found.values, found.missing, found.sealed
            self.generated_secrets = list(found.generated)
        ctx = CompileContext(self.spec, secret_values=values or {}, sealed_secrets=sealed)
        settings = engine_settings(request.root, self.spec.project)
        program = make_program(ctx, request.root, self.failures)
        self.session = StackSession(settings, request.env, program, require_toolchain())

    def used_secrets(self) -> set[str]:
        return {name for service in self.spec.services for name in service.secrets}

    def call(
        self, operation: Callable[[StackOptions], RunResult], targets: Sequence[str] = ()
    ) -> RunResult:
        options = StackOptions(targets=targets, listener=self.request.listener)
        try:
            return operation(options)
        except GmacError:
            if self.failures:
                raise self.failures[0] from None
            raise

    def plan(self, result: RunResult) -> Plan:
        warnings = [
            f"secret '{name}' has no value for '{self.request.env}' (`gmac secrets set --env "
            f"{self.request.env} {name}`, or {variable_name(name)}); it is left out of the "
            "Kubernetes Secret"
            for name in self.missing_secrets
        ]
        warnings += [
            f"generated secret '{name}' for '{self.request.env}' into the store: commit "
            "specs/secrets/ so that later runs use the same value"
            for name in self.generated_secrets
        ]
        return build_plan(self.request.env, result.steps, [*warnings, *result.diagnostics])


def _target_urns(plan_steps: Sequence[StepRecord], names: Sequence[str]) -> list[str]:
    """Every resource under the gmac components named `names` (a service, an integration),
    and the environment's own resources that belong to no component (its namespace): a
    targeted service on a new stack cannot be created without them."""
    parents = {step.urn: step.parent for step in plan_steps}
    components = {step.urn for step in plan_steps if step.type.startswith("gmac:")}
    roots = {urn for urn in components if urn.rsplit("::", 1)[-1] in names}
    missing = set(names) - {urn.rsplit("::", 1)[-1] for urn in roots}
    if missing:
        raise UsageError(f"--target: nothing named {', '.join(sorted(missing))} in this stack")

    def under(urn: str | None, tops: set[str]) -> bool:
        seen: set[str] = set()
        while urn and urn not in seen:
            if urn in tops:
                return True
            seen.add(urn)
            urn = parents.get(urn)
        return False

    stack = {step.urn for step in plan_steps if step.type == "pulumi:pulumi:Stack"}
    shared = {urn for urn in parents if urn not in stack and not under(urn, components)}
    return sorted(urn for urn in parents if under(urn, roots) or urn in shared)


def preview(request: RunRequest) -> Plan:
    run = _Run(request, "plan")
    return run.plan(run.call(run.session.preview))


def _in_stateful_component(urn: str) -> bool:
    """Whether any gmac component in the URN's type chain holds data (a Repository may sit
    under a Service): `...::gmac:index:Service$gmac:index:Repository$...::name`."""
    chain = urn.split("::")[2] if urn.count("::") >= 3 else ""
    kinds = {part.rsplit(":", 1)[-1] for part in chain.split("$") if part.startswith("gmac:")}
    return bool(kinds & STATEFUL_COMPONENTS)


def destructive_changes(plan: Plan) -> list[Change]:
    """Stateful resources deleted or replaced, and whole spec items (a service, an
    integration) deleted: a protected environment needs --allow-destroy for either."""
    return [
        change
        for change in plan.changes
        if (
            change.op in ("delete", "replace")
            and (_in_stateful_component(change.urn) or change.type in STATEFUL_TYPES)
        )
        or (change.op == "delete" and change.type.startswith("gmac:"))
    ]


@dataclass(frozen=True)
class ApplyOutcome:
    plan: Plan
    applied: bool
    result: RunResult | None = None


def apply(
    request: RunRequest,
    *,
    confirm: Callable[[Plan], bool],
    allow_destroy: bool = False,
    saved: Plan | None = None,
) -> ApplyOutcome:
    """Preview, check the plan against protection and a saved plan, confirm, then update.

    The stack stays locked from the preview to the end of the update, so what was
    confirmed is what runs, and a second apply fails at once."""
    run = _Run(request, "apply")
    with run.session.exclusive("apply"):
        previewed = run.call(run.session.preview)
        plan = _targeted(run.plan(previewed), previewed.steps, request.targets)
        if saved is not None:
            _check_saved(saved, run.plan(previewed))
        if run.spec.environment.protect and not allow_destroy:
            _refuse_destructive(plan, request.env)
        if not plan.has_changes or not confirm(plan):
            return ApplyOutcome(plan, applied=False)
        targets = _target_urns(previewed.steps, request.targets) if request.targets else []
        kubernetes = run.spec.environment.kubernetes
        with (
            recorded(request.root, run.spec, "apply", run.actor, plan),
            cluster_watch(kubernetes, request.root, request.env),
        ):
            result = run.call(run.session.up, targets)
        provided = _store_provided(run)
    if provided & run.used_secrets():
        # The services' Secrets were built before the integrations provided these values:
        # one more update carries them, so that the next plan finds nothing to do.
        apply(request, confirm=lambda _plan: True, allow_destroy=allow_destroy)
    return ApplyOutcome(plan, applied=True, result=result)


def _store_provided(run: _Run) -> set[str]:
    """Secrets the integrations provided (a Stripe signing secret, a Turso token) go into
    the store (gmac.engine.provided); the names whose value changed."""
    provided = run.session.stack().outputs().get(PROVIDED_OUTPUT)
    if provided is None:
        return set()
    return set(store_provided(run.request.specs, run.spec, provided.value, str(run.actor)))


def _targeted(plan: Plan, steps: Sequence[StepRecord], names: Sequence[str]) -> Plan:
    """Only the changes under the named services or integrations (all of them for none)."""
    if not names:
        return plan
    urns = set(_target_urns(steps, names))
    changes = tuple(change for change in plan.changes if change.urn in urns)
    return Plan(plan.environment, changes, plan.unchanged, plan.diagnostics)


def _check_saved(saved: Plan, current: Plan) -> None:
    differences = plan_differences(saved, current)
    if differences:
        raise PlanMismatchError(
            "the saved plan no longer matches what apply would do; run `gmac plan --out "
            "FILE` again and review it:\n" + "\n".join(differences)
        )


def _refuse_destructive(plan: Plan, env: str) -> None:
    risky = destructive_changes(plan)
    if risky:
        listing = "\n".join(f"  {change.op} {change.type} {change.name}" for change in risky)
        raise ProtectedResourceError(
            f"'{env}' is protected and this would delete or replace stateful "
            f"resources:\n{listing}\nRun again with --allow-destroy if that is intended."
        )


def drift(request: RunRequest) -> Plan:
    """What refresh would change in the state to match the live resources (nothing written)."""
    run = _Run(request)
    found = _refresh(run, preview_only=True)
    record_drift(request.root, request.env, found)
    return found


def refresh(request: RunRequest) -> Plan:
    run = _Run(request)
    with run.session.exclusive("refresh"):
        return _refresh(run, preview_only=False)


def _refresh(run: _Run, *, preview_only: bool) -> Plan:
    """Read the live resources. Where manifests are rendered to a folder there is no live
    Kubernetes object to read (the provider fails to reach a cluster): only the other
    resources, the integrations, are read, and the plan says so."""
    render_to = run.spec.environment.kubernetes.render_to

    def refresh(options: StackOptions) -> RunResult:
        return run.session.refresh(options, preview_only=preview_only)

    if render_to is None:
        return run.plan(run.call(refresh))
    live = [
        urn
        for urn, type_, _, _ in _state_resources(run)
        if not type_.startswith(("kubernetes:", "gmac:"))
    ]
    note = (
        f"'{run.request.env}' renders Kubernetes manifests to {render_to}: there is no live "
        "cluster to compare them with" + ("; only the integrations were read" if live else "")
    )
    if not live:
        return Plan(run.request.env, (), diagnostics=(note,))
    found = run.plan(run.call(refresh, live))
    return replace(found, diagnostics=(note, *found.diagnostics))


def destroy(
    request: RunRequest, *, confirm: Callable[[Plan], bool], allow_destroy: bool = False
) -> ApplyOutcome:
    run = _Run(request, "destroy")
    if run.spec.environment.protect and not allow_destroy:
        raise ProtectedResourceError(
            f"'{request.env}' is protected: destroying it needs --allow-destroy"
        )
    with run.session.exclusive("destroy"):
        plan = Plan(
            request.env,
            tuple(
                Change("delete", urn, type_, name, component)
                for urn, type_, name, component in _state_resources(run)
            ),
        )
        if not plan.changes or not confirm(plan):
            return ApplyOutcome(plan, applied=False)
        with recorded(request.root, run.spec, "destroy", run.actor, plan):
            result = run.call(run.session.destroy)
    return ApplyOutcome(plan, applied=True, result=result)


def _state_resources(run: _Run) -> list[tuple[str, str, str, str]]:
    exported = run.session.stack().export_stack().deployment or {}
    resources = exported.get("resources", []) if isinstance(exported, dict) else []
    found = []
    for resource in resources:
        type_ = str(resource.get("type", ""))
        if type_ == "pulumi:pulumi:Stack" or type_.startswith("pulumi:providers:"):
            continue
        urn = str(resource.get("urn", ""))
        change = build_plan(run.request.env, [StepRecord("delete", urn, type_)]).changes
        found.append((urn, type_, urn.rsplit("::", 1)[-1], change[0].component))
    return found


def unlock(request: RunRequest) -> tuple[int, bool]:
    """Remove the stack's lock files after a killed run, and restore its state's backup when
    the run was killed while saving it: how many locks there were, and whether it did."""
    run = _Run(request, "unlock")
    # A gmac command that still holds the stack is not a killed run: leave its lock alone.
    with run.session.exclusive("unlock"):
        return run.session.unlock()


def save_plan(plan: Plan, path: Path) -> None:
    path.write_text(render_json(plan) + "\n", encoding="utf-8")


def load_plan(path: Path) -> Plan:
    try:
        return plan_from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"cannot read the saved plan '{path}': {error}") from None


__all__ = [
    "CHANGE_OPS",
    "ApplyOutcome",
    "RunRequest",
    "apply",
    "destroy",
    "drift",
    "load_plan",
    "preview",
    "refresh",
    "save_plan",
    "unlock",
]
