"""Secrets (`gmac:index:Secrets`): the environment's secrets that gmac generates, kept in the
stack's state, and the key of the digest that rolls pods when a secret changes.

Children, one `GeneratedSecret` each (gmac.providers):

    {secret}              a `generate:` secret the environment reads: random, made once,
                          replaced to rotate it (`gmac secrets rotate`)
    secrets-digest-key    the HMAC key of every Deployment's `gmac.io/secrets-digest`

A value generated before secrets lived in the state, still in the environment's secrets file
after `gmac secrets migrate`, is carried over unchanged (`initial`); apply then removes it
from the file. Where manifests are rendered to files, each value is also sealed for the
environment's recipients (age), for the rendered Secrets.
"""

from __future__ import annotations

from collections.abc import Iterable

import pulumi

from components._kube import child
from components.context import CompileContext
from gmac.models.project import Generate
from gmac.providers import GeneratedSecret, SealedValue

TYPE = "gmac:index:Secrets"
NAME = "secrets"
SEALED_TYPE = "gmac:index:ProvidedSecrets"
SEALED_NAME = "provided-secrets"
DIGEST_KEY = "secrets-digest-key"
DIGEST_KEY_LENGTH = 64
DEFAULT_LENGTH = 32


def generated_names(ctx: CompileContext, read: Iterable[str]) -> list[str]:
    """The `generate:` secrets among those the environment reads."""
    declared = ctx.project.secrets
    return sorted({name for name in read if name in declared and declared[name].generate})


class Secrets(pulumi.ComponentResource):
    values: dict[str, pulumi.Output[str]]
    sealed: dict[str, pulumi.Output[str]]
    created: dict[str, pulumi.Output[str]]
    digest_key: pulumi.Output[str]

    def __init__(
        self,
        ctx: CompileContext,
        names: Iterable[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, NAME, None, opts)
        recipients = list(ctx.seal_recipients) if ctx.renders_manifests else []
        stored = ctx.secret_values or {}
        self.values, self.sealed, self.created = {}, {}, {}
        for name in names:
            generate = ctx.project.secrets[name].generate
            length = generate.length if isinstance(generate, Generate) else DEFAULT_LENGTH
            secret = GeneratedSecret(
                name,
                length=length,
                initial=stored.get(name),
                recipients=recipients,
                opts=child(self),
            )
            self.values[name] = secret.value
            self.created[name] = secret.created_at
            if recipients:
                self.sealed[name] = secret.sealed
        key = GeneratedSecret(DIGEST_KEY, length=DIGEST_KEY_LENGTH, opts=child(self))
        self.digest_key = key.value
        self.register_outputs({})


def generated_urn(stack: str, project: str, name: str) -> str:
    """The URN of the generated secret `name` (to replace it: a rotation)."""
    return f"urn:pulumi:{stack}::{project}::{TYPE}$pulumi-python:dynamic/secrets:Generated::{name}"


class ProvidedSealed(pulumi.ComponentResource):
    """Where manifests are rendered to files: each secret an integration provides, sealed
    for the environment's recipients (children `{secret}`), for the rendered Secrets."""

    sealed: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        ctx: CompileContext,
        provided: dict[str, pulumi.Output[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(SEALED_TYPE, SEALED_NAME, None, opts)
        self.sealed = {
            name: SealedValue(
                name, value=value, recipients=list(ctx.seal_recipients), opts=child(self)
            ).sealed
            for name, value in sorted(provided.items())
        }
        self.register_outputs({})
