"""Adoption in the program: resources that take over an object that already runs.

`adoptions` maps a resource, named by its URN without the stack and project
(`gmac:index:Service$kubernetes:apps/v1:Deployment::api`), to the live object's ID. The
program runs with a stack transformation that gives each of them:

- Kubernetes objects: Pulumi's `import` option (`namespace/name`, or `name` for an object
  of no namespace). The engine reads the live object, then diffs it against the spec: the
  plan shows the import, then the update that brings it to the spec.
- gmac's dynamic providers: the `adopt` input (gmac.providers._adopt). Pulumi's import
  cannot reach a Python dynamic provider (its import read carries no inputs, so neither the
  pickled provider nor its credentials arrive: pulumi/pulumi#16175), so the provider adopts
  in its create, and the plan (gmac.plan.build) shows that create as an import.

The transformation keeps each resource's type chain (its parents' types, outermost first) as
the engine builds the URN, since a resource knows its parent but not its parent's parent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pulumi
from pulumi.runtime import register_stack_transformation

from gmac.providers import ADOPT_INPUT

DYNAMIC_PREFIX = "pulumi-python:dynamic"


def urn_tail(urn: str) -> str:
    """`urn:pulumi:stack::project::a$b::name` -> `a$b::name`."""
    return urn.split("::", 2)[2] if urn.count("::") >= 3 else urn


def adoption_transformation(adoptions: Mapping[str, str]) -> pulumi.ResourceTransformation:
    chains: dict[int, str] = {}

    def transform(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        parent = args.opts.parent if args.opts is not None else None
        above = chains.get(id(parent)) if parent is not None else None
        chain = f"{above}${args.type_}" if above else args.type_
        chains[id(args.resource)] = chain
        wanted = adoptions.get(f"{chain}::{args.name}")
        if not wanted:
            return None
        if args.type_.startswith(DYNAMIC_PREFIX):
            return pulumi.ResourceTransformationResult(
                {**args.props, ADOPT_INPUT: wanted}, args.opts
            )
        imported = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(import_=wanted))
        return pulumi.ResourceTransformationResult(args.props, imported)

    return transform


def adopting(program: Callable[[], None], adoptions: Mapping[str, str]) -> Callable[[], None]:
    """`program`, run with the adoption transformation registered first."""

    def run() -> None:
        register_stack_transformation(adoption_transformation(dict(adoptions)))
        program()

    return run
