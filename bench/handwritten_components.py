"""The baseline's second form: the same resources gmac's stack holds, not only its Kubernetes
objects. gmac's compile wraps what it declares in component resources (one per service,
one for the monitoring objects, one for the secrets) and keeps the HMAC key of the secrets
digest in the state through a dynamic provider (`secrets-digest-key`, made once); a
hand-written program can do the same, and this is how.

    grouped(kind, name, opts, components=, provider=, namespace=) -> (component or None, opts)
    digest_key()                             the `Secrets` component and its generated key

With `components` False, `grouped` gives the flat program's options unchanged.
"""

from __future__ import annotations

from typing import Any


def grouped(
    kind: str, name: str, opts: Any, *, components: bool, provider: Any, namespace: Any
) -> tuple[Any, Any]:
    """A component `gmac:index:{kind}` as gmac's compile makes one (the provider, waiting
    for the namespace) and the options of its children; `(None, opts)` when not grouping."""
    import pulumi

    if not components:
        return None, opts
    component = pulumi.ComponentResource(
        f"gmac:index:{kind}",
        name,
        None,
        pulumi.ResourceOptions(providers=[provider], depends_on=[namespace]),
    )
    return component, pulumi.ResourceOptions(parent=component)


def digest_key() -> None:
    """The `Secrets` component and its one child: a random key made once and kept in the
    state, by a dynamic provider, as gmac's `GeneratedSecret` does."""
    import pulumi
    from pulumi import dynamic

    class GeneratedKey(dynamic.ResourceProvider):
        def create(self, props: Any) -> dynamic.CreateResult:
            import secrets

            return dynamic.CreateResult(id_="key", outs={"value": secrets.token_hex(32)})

    class Generated(dynamic.Resource, module="secrets", name="Generated"):
        value: pulumi.Output[str]

    component = pulumi.ComponentResource("gmac:index:Secrets", "secrets", None, None)
    Generated(
        GeneratedKey(),
        "secrets-digest-key",
        {"value": None},
        pulumi.ResourceOptions(parent=component, additional_secret_outputs=["value"]),
    )
    component.register_outputs({})
