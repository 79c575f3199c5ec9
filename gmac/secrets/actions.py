"""What each `gmac secrets` command does: access checks, the store, the audit log.

Reading a value (`get`, `unseal`) needs `reveal_secrets` for the environment; changing one
(`set`, `rm`, `rotate`, `recipients add|rm`) needs the right to apply to it. Every read,
write and rotation is an audit entry, successful or not; a refusal is one too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from components.context import SEALED_PREFIX
from gmac.access import Actor, current_actor
from gmac.errors import GmacError, SecretsError, UsageError
from gmac.load.files import display_path
from gmac.registry import audit_event, authorize_action
from gmac.secrets._crypto import CryptoError, Identity, Recipient
from gmac.secrets._identity import create_identity_file, load_identities
from gmac.secrets._rotation import Rotated, declaration_check, rotatable, rotate
from gmac.secrets._store import Entry, SecretStore, parse_timestamp, unseal, utc_now
from gmac.secrets._values import due_secrets, duration, generate_value
from gmac.suggest import did_you_mean
from gmac.validate import Spec, validate_directory


@dataclass
class SecretsContext:
    """One command's project, environment and actor."""

    specs: Path
    spec: Spec
    actor: Actor
    store: SecretStore
    notes: list[str] = field(default_factory=list)  # things to tell the user on stderr

    @property
    def env(self) -> str:
        return self.spec.env

    @property
    def root(self) -> Path:
        return self.specs.resolve().parent


def context(specs: Path, env: str, actor: Actor | None = None) -> SecretsContext:
    spec = validate_directory(specs, env).get(env)
    if spec is None:  # validate_directory reports an unknown environment itself
        raise UsageError(f"unknown environment '{env}'")
    return SecretsContext(specs, spec, actor or current_actor(), SecretStore(specs))


@contextmanager
def _audited(ctx: SecretsContext, action: str, target: str, **detail: Any) -> Iterator[None]:
    """An audit entry for the work inside: succeeded, or failed with the error's type."""
    try:
        yield
    except GmacError as error:
        audit_event(
            ctx.root,
            actor=ctx.actor,
            action=action,
            outcome="failed",
            environment=ctx.env,
            target=target,
            detail={**detail, "error": type(error).__name__},
        )
        raise
    audit_event(
        ctx.root,
        actor=ctx.actor,
        action=action,
        outcome="succeeded",
        environment=ctx.env,
        target=target,
        detail=detail,
    )


def _identities_for_writing(ctx: SecretsContext) -> list[Identity]:
    """The identities to open the file with; on the first write ever, a new key file."""
    identities = load_identities()
    if identities:
        return identities
    identity, path, created = create_identity_file()
    if created:
        ctx.notes.append(
            f"created your identity in {path} (keep it safe, outside git); public key: "
            f"{identity.recipient}"
        )
    return [identity]


def set_secret(
    ctx: SecretsContext,
    name: str,
    value: str | Callable[[], str] | None,
    *,
    generate: bool = False,
) -> Entry:
    """Set `name` to `value` (or to what calling it returns, asked only once access is
    granted), or to a new random value with `generate`."""
    declaration_check(ctx.spec, name)
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=name)
    declaration = ctx.spec.project.secrets[name]
    if generate:
        value = generate_value(declaration)
    elif callable(value):
        value = value()
    if value is None or value == "":
        raise UsageError(f"no value for '{name}': pass it on standard input, or --generate")
    identities = _identities_for_writing(ctx)
    meta = {"generated": "true" if generate else ""}
    with (
        _audited(ctx, "secret.write", name),
        ctx.store.edit(ctx.env, identities, create_as=str(ctx.actor)) as opened,
    ):
        return opened.put(name, value, meta=meta)


def reveal(ctx: SecretsContext, name: str) -> str:
    declaration_check(ctx.spec, name)
    authorize_action(ctx.root, ctx.spec, "reveal_secrets", ctx.actor, target=name)
    with _audited(ctx, "secret.read", name):
        return ctx.store.open(ctx.env, load_identities()).get(name)


def remove(ctx: SecretsContext, name: str) -> None:
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=name)
    with (
        _audited(ctx, "secret.remove", name),
        ctx.store.edit(ctx.env, load_identities()) as opened,
    ):
        opened.remove(name)


@dataclass(frozen=True)
class SecretInfo:
    name: str
    declared: bool
    source: str  # "set by hand", "generated", "provided by stripe"
    created: str
    rotated: str
    rotate_every: str
    due: bool
    rotatable: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def list_secrets(ctx: SecretsContext, now: datetime | None = None) -> list[SecretInfo]:
    """Every declared secret and every one in the file, with dates; nothing is decrypted."""
    file = ctx.store.read(ctx.env)
    declared = ctx.spec.project.secrets
    due = {item.name for item in due_secrets(ctx.spec.project, file, now or utc_now())}
    entries = file.entries if file is not None else {}
    found = []
    for name in sorted(set(declared) | set(entries)):
        declaration = declared.get(name)
        entry = entries.get(name)
        if declaration is None:
            source = "not declared"
        elif declaration.generate:
            source = "generated"
        elif declaration.provided_by:
            source = f"provided by {declaration.provided_by}"
        else:
            source = "set by hand"
        found.append(
            SecretInfo(
                name=name,
                declared=declaration is not None,
                source=source,
                created=entry.created if entry else "",
                rotated=entry.rotated or "" if entry else "",
                rotate_every=(declaration.rotate_every or "") if declaration else "",
                due=name in due,
                rotatable=declaration is not None and rotatable(ctx.spec, name),
            )
        )
    return found


@dataclass(frozen=True)
class RotationOutcome:
    name: str
    rotated: Rotated | None
    error: str = ""


def rotate_secrets(
    ctx: SecretsContext,
    names: Sequence[str],
    *,
    due: bool = False,
    now: datetime | None = None,
) -> list[RotationOutcome]:
    """Rotate `names`, or with `due` every secret whose rotation period has passed. One
    failure does not stop the others: each outcome says what happened."""
    moment = now or utc_now()
    if due:
        names = [
            item.name for item in due_secrets(ctx.spec.project, ctx.store.read(ctx.env), moment)
        ]
    if not names:
        return []
    for name in names:
        declaration_check(ctx.spec, name)
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=", ".join(names))
    identities = _identities_for_writing(ctx)
    outcomes = []
    for name in names:
        try:
            with _audited(ctx, "secret.rotate", name):
                done = rotate(
                    ctx.store, ctx.spec, name, identities, now=moment, create_as=str(ctx.actor)
                )
        except GmacError as error:
            if not due and len(names) == 1:
                raise
            outcomes.append(RotationOutcome(name, None, str(error)))
            continue
        outcomes.append(RotationOutcome(name, done))
    return outcomes


def next_rotation(entry: Entry, every: str) -> datetime:
    return parse_timestamp(entry.changed) + duration(every)


# Recipients -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecipientInfo:
    name: str
    key: str
    yours: bool


def recipients(ctx: SecretsContext) -> list[RecipientInfo]:
    file = ctx.store.read(ctx.env)
    if file is None:
        return []
    try:
        mine = {str(identity.recipient) for identity in load_identities()}
    except SecretsError:
        mine = set()
    return [RecipientInfo(r.name, str(r.key), str(r.key) in mine) for r in file.recipients]


def _recipient(text: str) -> Recipient:
    try:
        return Recipient.parse(text)
    except CryptoError as error:
        raise UsageError(f"'{text}' is not a gmac public key: {error}") from None


def add_recipient(ctx: SecretsContext, key: str, name: str) -> bool:
    recipient = _recipient(key)
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=str(recipient))
    identities = _identities_for_writing(ctx)
    with (
        _audited(ctx, "secret.recipient-add", name, key=str(recipient)),
        ctx.store.edit(ctx.env, identities, create_as=str(ctx.actor)) as opened,
    ):
        return opened.add_recipient(name, recipient)


def remove_recipient(ctx: SecretsContext, key: str) -> str:
    """Remove a recipient by public key or by name; everything is re-encrypted under a new
    data key. Returns the name removed."""
    file = ctx.store.read(ctx.env)
    listed = file.recipients if file is not None else []
    by_name = [r for r in listed if r.name == key]
    recipient = by_name[0].key if len(by_name) == 1 else None
    if recipient is None:
        if not key.startswith("gmac-pk-"):
            hint = did_you_mean(key, [r.name for r in listed])
            raise UsageError(f"no recipient named '{key}' in '{ctx.env}'{hint}")
        recipient = _recipient(key)
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=str(recipient))
    with (
        _audited(ctx, "secret.recipient-remove", str(recipient)),
        ctx.store.edit(ctx.env, load_identities()) as opened,
    ):
        return opened.remove_recipient(recipient).name


# Rendered manifests -------------------------------------------------------------------------


def unseal_manifests(ctx: SecretsContext, directory: Path | None = None) -> list[dict[str, Any]]:
    """The rendered Secrets of the environment with their sealed values opened, ready for
    `kubectl apply -f -`. Needs `reveal_secrets`; audited as reads."""
    target = ctx.spec.project.environments[ctx.env].kubernetes.render_to
    if directory is None:
        if target is None:
            raise UsageError(f"'{ctx.env}' does not render manifests: give the folder to unseal")
        directory = ctx.root / target
    if not directory.is_dir():
        raise UsageError(f"no rendered manifests at {display_path(directory)}: run gmac apply")
    sealed: list[tuple[dict[str, Any], dict[str, str]]] = []
    for path in sorted(directory.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not isinstance(document, dict) or document.get("kind") != "Secret":
                continue
            annotations = (document.get("metadata") or {}).get("annotations") or {}
            tokens = {
                key.removeprefix(SEALED_PREFIX): str(value)
                for key, value in annotations.items()
                if key.startswith(SEALED_PREFIX)
            }
            if tokens:
                sealed.append((document, tokens))
    names = sorted({name for _, tokens in sealed for name in tokens})
    authorize_action(ctx.root, ctx.spec, "reveal_secrets", ctx.actor, target=", ".join(names))
    identities = load_identities()
    manifests = []
    with _audited(ctx, "secret.read", ", ".join(names), via="unseal"):
        for document, tokens in sealed:
            metadata = dict(document.get("metadata") or {})
            kept = {
                k: v
                for k, v in (metadata.get("annotations") or {}).items()
                if not k.startswith(SEALED_PREFIX)
            }
            metadata.pop("annotations", None)
            if kept:
                metadata["annotations"] = kept
            values = {name: unseal(token, name, identities) for name, token in tokens.items()}
            manifests.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": metadata,
                    "type": document.get("type", "Opaque"),
                    "stringData": values,
                }
            )
    return manifests


def dump_manifests(manifests: Sequence[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(list(manifests), sort_keys=False, explicit_start=True)
