"""A run prepared for the engine: its inputs gathered (gmac.app.operations.inputs: the spec
validated, the actor authorized, the secrets resolved), then the program compiled and the
stack session opened, by `prepare`.

Preparing is explicit work with an effect (an access refusal is audited), so it is a function
called once per command, not a constructor. It reads secrets and writes none: a plan leaves
the store, the audit log and `specs/` as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gmac.app.actor import Actor
from gmac.app.operations.inputs import RunInputs, gather
from gmac.app.operations.request import RunRequest
from gmac.app.operations.rotation import rotation_urns
from gmac.app.run_secrets import variable_name
from gmac.app.toolchain import require_toolchain
from gmac.errors import GmacError
from gmac.plan import Plan, build_plan
from gmac.validate import Spec

if TYPE_CHECKING:
    from gmac.engine.stack import RunResult, StackOptions, StackSession


@dataclass
class PreparedRun:
    inputs: RunInputs
    session: StackSession
    failures: list[GmacError] = field(default_factory=list)

    @property
    def request(self) -> RunRequest:
        return self.inputs.request

    @property
    def spec(self) -> Spec:
        return self.inputs.spec

    @property
    def actor(self) -> Actor:
        return self.inputs.actor

    @property
    def env(self) -> str:
        return self.request.env

    @property
    def missing_secrets(self) -> list[str]:
        return self.inputs.secrets.missing

    @property
    def migrated_secrets(self) -> list[str]:
        """Generated values still in the store (after `gmac secrets migrate`): apply carries
        them into the state, then removes them from the store."""
        return self.inputs.secrets.migrated

    @property
    def notes(self) -> list[str]:
        return self.inputs.secrets.notes

    def used_secrets(self) -> set[str]:
        return {name for service in self.spec.services for name in service.secrets}

    def call(
        self, operation: Callable[[StackOptions], RunResult], targets: Sequence[str] = ()
    ) -> RunResult:
        """Run one engine operation; a compile failure surfaces as itself, not as the
        engine's wrapped text."""
        from gmac.engine.stack import StackOptions  # noqa: PLC0415 (see `start`)

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


def start(inputs: RunInputs) -> PreparedRun:
    """The program compiled from `inputs` and the stack session that runs it."""
    # Imported here, not at the top: Pulumi, its Kubernetes SDK and the components are most of
    # a command's start-up, which a plan answered from its record does without.
    from components.context import CompileContext  # noqa: PLC0415
    from gmac.engine.program import make_program  # noqa: PLC0415
    from gmac.engine.stack import StackSession  # noqa: PLC0415

    found = inputs.secrets
    failures: list[GmacError] = []
    ctx = CompileContext(
        inputs.spec,
        secret_values=inputs.values,
        sealed_secrets=found.sealed,
        seal_recipients=found.seal_recipients,
    )
    program = make_program(ctx, inputs.request.root, failures)
    session = StackSession(inputs.settings, inputs.request.env, program, require_toolchain())
    return PreparedRun(inputs, session, failures)


def prepare(request: RunRequest, action: str | None = None) -> PreparedRun:
    return start(gather(request, action))
