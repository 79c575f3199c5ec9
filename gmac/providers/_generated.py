"""A secret gmac generates (`generate:` in the project), kept in the stack's state.

The value is a random string made on create and stored as a secret output, so the stack's
secrets provider encrypts it in the state; no run writes it into git. It changes only by
replacement: `gmac secrets rotate` asks the engine to replace the resource, and everything
that reads the value is updated in the same run.

Inputs: `length`; `initial` (a secret: a value generated before secrets lived in the state,
which `gmac secrets migrate` carries over unchanged: used on create, then ignored);
`recipients` (age public keys: where manifests are rendered to files, the value is also
kept sealed for them, `sealed`, so a rendered Secret never holds it in clear).
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.providers._base import Props, changed, outputs, published, secret_options

ALPHABET = string.ascii_letters + string.digits
DEFAULT_LENGTH = 32


def _sealed(value: str, recipients: list[str]) -> str:
    if not recipients:
        return ""
    # Imported when sealing: the engine's dynamic-provider process starts in every plan, and
    # most of its calls (a diff, a preview) seal nothing.
    from gmac.age import Recipient, encrypt_for  # noqa: PLC0415

    return encrypt_for(value.encode("utf-8"), [Recipient.parse(key) for key in recipients])


@published
class GeneratedSecretProvider(ResourceProvider):
    """Random letters and digits, made once; `read` keeps what the state holds (there is
    nothing remote to compare with)."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = Props(olds), Props(news)
        if changed(old.number("length"), new.number("length")):
            return DiffResult(changes=True, replaces=["length"], delete_before_replace=False)
        resealed = changed(old.strings("recipients"), new.strings("recipients"), unordered=True)
        return DiffResult(changes=resealed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        value = p.text("initial") or "".join(
            secrets.choice(ALPHABET) for _ in range(p.number("length", DEFAULT_LENGTH))
        )
        computed = {
            "value": value,
            "sealed": _sealed(value, p.strings("recipients")),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "initial": "",
        }
        return CreateResult(id_=f"generated-{secrets.token_hex(8)}", outs=outputs(p, **computed))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        value = old.text("value")
        computed = {
            "value": value,
            "sealed": _sealed(value, new.strings("recipients")),
            "created_at": old.text("created_at"),
            "initial": "",
        }
        return UpdateResult(outs=outputs(new, **computed))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=Props(props).raw)


class GeneratedSecret(Resource, module="secrets", name="Generated"):
    value: pulumi.Output[str]
    sealed: pulumi.Output[str]
    created_at: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        length: int,
        initial: pulumi.Input[str] | None = None,
        recipients: list[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        inputs = {
            "length": length,
            "initial": pulumi.Output.secret(initial or ""),
            "recipients": sorted(recipients or []),
            "value": None,
            "sealed": None,
            "created_at": None,
        }
        super().__init__(
            GeneratedSecretProvider(),
            name,
            inputs,
            secret_options(opts, "value", "initial"),
        )


@published
class SealedValueProvider(ResourceProvider):
    """A value kept sealed for recipients (age), made once and made again only when the value
    or the recipients change: where manifests are rendered to files, a secret an integration
    provides reaches its Secret this way, stable from one run to the next."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = Props(olds), Props(news)
        moved = changed(old.text("value"), new.text("value")) or changed(
            old.strings("recipients"), new.strings("recipients"), unordered=True
        )
        return DiffResult(changes=moved, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        sealed = _sealed(p.text("value"), p.strings("recipients"))
        return CreateResult(id_=f"sealed-{secrets.token_hex(8)}", outs=outputs(p, sealed=sealed))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = Props(news)
        return UpdateResult(
            outs=outputs(p, sealed=_sealed(p.text("value"), p.strings("recipients")))
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=Props(props).raw)


class SealedValue(Resource, module="secrets", name="Sealed"):
    sealed: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        value: pulumi.Input[str],
        recipients: list[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        inputs = {
            "value": pulumi.Output.secret(value),
            "recipients": sorted(recipients),
            "sealed": None,
        }
        super().__init__(SealedValueProvider(), name, inputs, secret_options(opts, "value"))
