"""What a run reads before the engine starts, in order: the spec validated, the actor
authorized (apply, destroy), the shared stack checked, the secrets resolved, the engine's
settings. It writes no secret (a plan leaves the store, the audit log and `specs/` as they
were), and imports nothing of Pulumi: a plan answered from its no-change record
(gmac.app.operations.no_change) is done before the engine would start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gmac.app.actor import Actor, current_actor
from gmac.app.operations.request import RunRequest
from gmac.app.run_secrets import RunSecrets, secrets_for_run
from gmac.app.stacks import check_shared_stack, engine_settings_for
from gmac.engine.settings import EngineSettings
from gmac.validate import Spec, validate_directory

# Destroy and unlock run no program: they decrypt nothing.
_NO_SECRETS = frozenset({"destroy", "unlock"})
_AUTHORIZED = frozenset({"apply", "destroy"})


@dataclass(frozen=True)
class RunInputs:
    request: RunRequest
    spec: Spec
    settings: EngineSettings
    secrets: RunSecrets
    values: Mapping[str, str] = field(repr=False)  # the secret values the program reads
    # Proven and authorized for apply and destroy; for the rest, who runs, asked when needed.
    authorized: Actor | None = None

    @property
    def actor(self) -> Actor:
        return self.authorized or self.request.actor or current_actor()


def gather(request: RunRequest, action: str | None = None) -> RunInputs:
    spec = (
        request.load_spec()
        if request.load_spec is not None
        else validate_directory(request.specs, request.env)[request.env]
    )
    authorized = None
    if action in _AUTHORIZED:
        # apply and destroy follow the project's `access` rules (gmac.app.access). Imported
        # here: the registry a refusal is recorded in is not a plan's to open.
        from gmac.app.recording import authorize_action  # noqa: PLC0415

        authorized = authorize_action(request.specs, spec, action, request.actor)
    if action != "unlock":
        check_shared_stack(spec, request.root)
    values = request.secret_values
    found = RunSecrets({}, [], {})
    # From the secret store, GMAC_SECRET_<NAME> overriding.
    if values is None and action not in _NO_SECRETS:
        found = secrets_for_run(request.specs, spec, make_identity=action == "apply")
        values = found.values
    settings = engine_settings_for(spec, request.root)
    return RunInputs(request, spec, settings, found, values or {}, authorized)
