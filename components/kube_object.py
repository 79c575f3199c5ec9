"""A Kubernetes object as the engine registers it: its type token and its fields."""

from __future__ import annotations

from typing import Any

import pulumi

# A Kubernetes object or part of one, its fields named as the API names them (camelCase).
Object = dict[str, Any]

# The fields of a Secret that hold its values: secret inputs and secret outputs, always.
SECRET_FIELDS = ("data", "stringData")


class KubeObject(pulumi.CustomResource):
    """A Kubernetes object, registered by its type token with its fields as the API names them.

    Pulumi's typed Kubernetes classes do no more than this for the objects gmac makes (their
    aliases only name API versions gmac never used), but importing them costs about a fifth
    of a second per run, since one kind of a group loads every kind of it. The engine and the
    Kubernetes provider see the same type token and the same inputs either way. A Secret's
    values are secrets both ways in (inputs) and out (outputs), as the typed class makes them.
    """

    metadata: pulumi.Output[Object]

    def __init__(
        self,
        name: str,
        api_version: str,
        kind: str,
        fields: Object,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        group_version = api_version if "/" in api_version else f"core/{api_version}"
        props: Object = {"apiVersion": api_version, "kind": kind, **fields}
        if group_version == "core/v1" and kind == "Secret":
            for field in SECRET_FIELDS:
                if props.get(field) is not None:
                    props[field] = pulumi.Output.secret(props[field])
            secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET_FIELDS))
            opts = pulumi.ResourceOptions.merge(opts, secret_outputs)
        super().__init__(f"kubernetes:{group_version}:{kind}", name, props, opts)
