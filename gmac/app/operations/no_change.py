"""A no-change plan without the engine: the record of the last plan that found no changes,
or of the last apply, and whether the plan at hand would see what it saw.

Decisions worth knowing:
- The record holds the key of what that run saw (gmac.app.operations.plan_key: every part
  an HMAC under a key derived from the stack's passphrase) and the plan it answered. A plan
  whose key is the same in every part answers that plan, saying so, without starting the
  engine; any part that differs, or no record at all, and the engine runs as always.
- It lives beside the state (gmac.engine.plan_records), so a CI job, a laptop and a
  scheduled plan sharing the state share it too. Backends without a checkpoint gmac can read
  keep none.
- Only a plan with no changes is recorded, and only when the state did not change while the
  engine ran (another apply at the same moment): its key names the state it was compared
  with. An apply records, under the key the next plan will have, the state it has just
  written, once the whole program was applied (not one `--target`, not a rotation).
- `--no-cache` runs the engine and records anew; refresh, drift and apply always run it.
- A record that cannot be read is no record; one that cannot be written is a note on the
  plan, never a failure: the record only saves time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from gmac.app.operations import plan_index
from gmac.app.operations.digests import code_identity, file_digest, record_key
from gmac.app.operations.inputs import RunInputs
from gmac.app.operations.plan_key import differing, plan_key, read_paths
from gmac.app.operations.request import RunRequest
from gmac.app.stacks import is_shared
from gmac.engine.plan_records import RecordStore, record_store
from gmac.errors import GmacError
from gmac.load.templates import templates_dir
from gmac.plan import Plan
from gmac.secrets import identity_files


@dataclass(frozen=True)
class Lookup:
    """The record's store, the key of the plan at hand and what the store held."""

    inputs: RunInputs = field(repr=False)
    store: RecordStore
    key: dict[str, str]
    state: str  # the state's version when the key was taken
    found: dict[str, object] | None

    @property
    def answer(self) -> Plan | None:
        """The recorded plan, when the record's key is the key of this plan."""
        return plan_index.recorded_answer(self.found, self.key)

    def changed(self) -> list[str]:
        """The parts of the key that differ from the record's."""
        key = self.found.get("key") if self.found else None
        return differing(self.key, key if isinstance(key, dict) else {})


def look_up(inputs: RunInputs) -> Lookup | None:
    """The record of `inputs`' stack and the key of a plan of them; None where the backend
    keeps no record or the run is not of the whole program (targets, rotations)."""
    if inputs.request.targets or inputs.request.rotate:
        return None
    store = record_store(inputs.settings.backend_url, plan_index.PROJECT, inputs.request.env)
    if store is None:
        return None
    state = store.state_version()
    key = plan_key(inputs, state)
    try:
        text = store.read()
        found = json.loads(text) if text is not None else None
    except (GmacError, ValueError):
        found = None
    return Lookup(inputs, store, key, state, found if isinstance(found, dict) else None)


def remember(lookup: Lookup, plan: Plan, command: str) -> Plan:
    """Record `plan` under `lookup`'s key if it has no changes; the plan, with a note if the
    record could not be written. The state must still be as the key found it: a plan that
    another run's update overtook answered about the state before."""
    if plan.has_changes:
        return plan
    try:
        if lookup.store.state_version() != lookup.state:
            return plan
        at = datetime.now(UTC).isoformat(timespec="seconds")
        record = {
            "key": lookup.key,
            "plan": replace(plan, origin=None).as_dict(),
            "origin": {"command": command, "at": at},
        }
        lookup.store.write(json.dumps(record, indent=1, sort_keys=True) + "\n")
    except GmacError as error:
        note = f"the no-change record could not be kept ({error}); the next plan runs the engine"
        return replace(plan, diagnostics=(*plan.diagnostics, note))
    return plan


@dataclass(frozen=True)
class Sources:
    """The sources a plan of `request` reads whatever its spec says, for a comparison in
    memory (never written: no passphrase keys them): the identity files apart from the rest,
    as an apply may create the user's identity itself."""

    rest: str
    identities: dict[str, str]

    def same_but(self, later: Sources, created: Path | None) -> bool:
        """Whether nothing changed from these to `later` but the identity file `created`,
        which was absent here (the run at hand made it)."""
        if later.rest != self.rest or later.identities.keys() != self.identities.keys():
            return False
        return all(
            digest == self.identities[path]
            or (path == str(created) and self.identities[path] == "absent")
            for path, digest in later.identities.items()
        )


def _unread_sources(request: RunRequest, code: str) -> Sources:
    rest = plan_index.sources(
        request, plan_index.Read(templates_dir()), b"compared in memory only", code=code
    )
    return Sources(rest, {str(path): file_digest(path) for path in identity_files()})


def sources_before(request: RunRequest, *, code: str | None = None) -> Sources | None:
    """Taken before the specs are read, so that the index never pairs sources with a key
    taken from other bytes (a file saved while the plan ran); None: keep no index."""
    if not plan_index.eligible(request):
        return None
    return _unread_sources(request, code or code_identity())


def keep_index(
    lookup: Lookup,
    before: Sources | None,
    *,
    code: str | None = None,
    created_identity: Path | None = None,
) -> None:
    """Remember `lookup`'s key in this checkout's index, under the sources it was taken
    from, when nothing it read changed while it was taken but the identity file the run
    created (`created_identity`: an apply's first)."""
    inputs = lookup.inputs
    request = inputs.request
    if before is None:
        return
    code = code or code_identity()
    if not before.same_but(_unread_sources(request, code), created_identity):
        return
    folders, builds, files = read_paths(inputs)
    read = plan_index.Read(templates_dir(), folders, builds, files)
    key = record_key(inputs.settings.passphrase)
    digest = plan_index.sources(request, read, key, code=code)
    if plan_key(inputs, lookup.state) != lookup.key:
        return
    target = inputs.spec.environment.kubernetes
    plan_index.remember(
        request,
        sources_digest=digest,
        read=read,
        parts=lookup.key,
        backend=inputs.settings.backend_url,
        shared=is_shared(inputs.spec),
        cluster=None if target.render_to is not None else target.model_dump(mode="json"),
    )
