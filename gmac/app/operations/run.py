"""A run prepared for the engine: the spec validated, the actor authorized, the secrets
resolved, the program compiled and the stack session opened, in that order, by `prepare`.

Preparing is explicit work with an effect (an access refusal is audited), so it is a function
called once per command, not a constructor. It reads secrets and writes none: a plan leaves
the store, the audit log and `specs/` as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from components.context import CompileContext
from gmac.app.actor import Actor, current_actor
from gmac.app.operations.request import RunRequest
from gmac.app.operations.rotation import rotation_urns
from gmac.app.recording import authorize_action
from gmac.app.run_secrets import RunSecrets, secrets_for_run, variable_name
from gmac.app.stacks import check_shared_stack, engine_settings_for
from gmac.app.toolchain import require_toolchain
from gmac.engine.program import make_program
from gmac.engine.stack import RunResult, StackOptions, StackSession
from gmac.errors import GmacError
from gmac.plan import Plan, build_plan
from gmac.validate import Spec, validate_directory

# Destroy and unlock run no program: they decrypt nothing.
_NO_SECRETS = frozenset({"destroy", "unlock"})
_AUTHORIZED = frozenset({"apply", "destroy"})


@dataclass
class PreparedRun:
    request: RunRequest
    spec: Spec
    actor: Actor
    session: StackSession
    failures: list[GmacError] = field(default_factory=list)
    missing_secrets: list[str] = field(default_factory=list)
    # Generated values still in the store (after `gmac secrets migrate`): apply carries them
    # into the state, then removes them from the store.
    migrated_secrets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def env(self) -> str:
        return self.request.env

    def used_secrets(self) -> set[str]:
        return {name for service in self.spec.services for name in service.secrets}

    def call(
        self, operation: Callable[[StackOptions], RunResult], targets: Sequence[str] = ()
    ) -> RunResult:
        """Run one engine operation; a compile failure surfaces as itself, not as the
        engine's wrapped text."""
        replace = rotation_urns(self.spec, self.request.rotate)
        options = StackOptions(targets=targets, listener=self.request.listener, replace=replace)
        try:
            return operation(options)
        except GmacError:
            if self.failures:
                raise self.failures[0] from None
            raise

    def plan(self, result: RunResult) -> Plan:
        warnings = [
            f"secret '{name}' has no value for '{self.env}' (`gmac secrets set --env "
            f"{self.env} {name}`, or {variable_name(name)}); it is left out of the "
            "Kubernetes Secret"
            for name in self.missing_secrets
        ]
        warnings += [
            f"generated secret '{name}' moves from the secrets file into the state on apply "
            "(its value unchanged)"
            for name in self.migrated_secrets
        ]
        return build_plan(self.env, result.steps, [*self.notes, *warnings, *result.diagnostics])


def prepare(request: RunRequest, action: str | None = None) -> PreparedRun:
    spec = (
        request.load_spec()
        if request.load_spec is not None
        else validate_directory(request.specs, request.env)[request.env]
    )
    # apply and destroy follow the project's `access` rules (gmac.app.access).
    actor = (
        authorize_action(request.specs, spec, action) if action in _AUTHORIZED else current_actor()
    )
    if action != "unlock":
        check_shared_stack(spec, request.root)
    values = request.secret_values
    found = RunSecrets({}, [], {})
    # From the secret store, GMAC_SECRET_<NAME> overriding.
    if values is None and action not in _NO_SECRETS:
        found = secrets_for_run(request.specs, spec, make_identity=action == "apply")
        values = found.values
    failures: list[GmacError] = []
    ctx = CompileContext(
        spec,
        secret_values=values or {},
        sealed_secrets=found.sealed,
        seal_recipients=found.seal_recipients,
    )
    settings = engine_settings_for(spec, request.root)
    program = make_program(ctx, request.root, failures)
    session = StackSession(settings, request.env, program, require_toolchain())
    return PreparedRun(
        request, spec, actor, session, failures, found.missing, found.migrated, found.notes
    )
