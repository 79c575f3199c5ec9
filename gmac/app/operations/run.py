"""A run prepared for the engine: the spec validated, the actor authorized, the secrets
resolved, the program compiled and the stack session opened, in that order, by `prepare`.

Preparing is explicit work with effects (an access refusal is audited, an apply generates
missing secrets), so it is a function called once per command, not a constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from components.context import CompileContext
from gmac.app.actor import Actor, current_actor
from gmac.app.operations.request import RunRequest, require_toolchain
from gmac.app.recording import authorize_action
from gmac.app.run_secrets import run_secrets, variable_name
from gmac.engine.program import make_program
from gmac.engine.settings import engine_settings
from gmac.engine.stack import RunResult, StackOptions, StackSession
from gmac.errors import GmacError
from gmac.plan import Plan, build_plan
from gmac.validate import Spec, validate_directory

# What each command does with the secret store: destroy and unlock run no program and so
# decrypt nothing; apply and plan create the generated secrets that are missing (a saved
# plan must see the values apply will).
_NO_SECRETS = frozenset({"destroy", "unlock"})
_GENERATES = frozenset({"apply", "plan"})
_AUTHORIZED = frozenset({"apply", "destroy"})


@dataclass
class PreparedRun:
    request: RunRequest
    spec: Spec
    actor: Actor
    session: StackSession
    failures: list[GmacError] = field(default_factory=list)
    missing_secrets: list[str] = field(default_factory=list)
    generated_secrets: list[str] = field(default_factory=list)

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
        options = StackOptions(targets=targets, listener=self.request.listener)
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
            f"generated secret '{name}' for '{self.env}' into the store: commit "
            "specs/secrets/ so that later runs use the same value"
            for name in self.generated_secrets
        ]
        return build_plan(self.env, result.steps, [*warnings, *result.diagnostics])


def prepare(request: RunRequest, action: str | None = None) -> PreparedRun:
    spec = (
        request.load_spec()
        if request.load_spec is not None
        else validate_directory(request.specs, request.env)[request.env]
    )
    # apply and destroy follow the project's `access` rules (gmac.app.access).
    actor = (
        authorize_action(request.root, spec, action) if action in _AUTHORIZED else current_actor()
    )
    values = request.secret_values
    missing: list[str] = []
    generated: list[str] = []
    sealed: dict[str, str] = {}
    # From the secret store, GMAC_SECRET_<NAME> overriding.
    if values is None and action not in _NO_SECRETS:
        found = run_secrets(request.specs, spec, actor, generate=action in _GENERATES)
        values, missing, sealed = found.values, found.missing, found.sealed
        generated = list(found.generated)
    failures: list[GmacError] = []
    ctx = CompileContext(spec, secret_values=values or {}, sealed_secrets=sealed)
    settings = engine_settings(request.root, spec.project)
    program = make_program(ctx, request.root, failures)
    session = StackSession(settings, request.env, program, require_toolchain())
    return PreparedRun(request, spec, actor, session, failures, missing, generated)
