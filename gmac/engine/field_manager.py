"""Server-side apply as field manager `gmac`, for every Kubernetes object sent to a cluster.

pulumi-kubernetes 4.x has no provider option for the field manager: it reads the object's
`pulumi.com/patchFieldManager` annotation, else the name kept in its state, else makes up
`pulumi-kubernetes-<random>` once per resource. The annotation is added by a stack
transformation, so that every object of every component gets it without each component
having to remember. Objects rendered to files (`render_to`) are left as they are.

`pulumi.com/patchForce` goes with it: the specs own the fields gmac sets. A field edited by
hand (`kubectl edit` makes its own field manager the owner) shows in `gmac drift`; after
`gmac refresh`, the next apply sets it back instead of failing on the conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

ANNOTATION = "pulumi.com/patchFieldManager"
FORCE_ANNOTATION = "pulumi.com/patchForce"


def _merged(annotations: Any, manager: str) -> Any:
    added = {ANNOTATION: manager, FORCE_ANNOTATION: "true"}
    if annotations is None or isinstance(annotations, Mapping):
        return {**(annotations or {}), **added}
    return pulumi.Output.from_input(annotations).apply(lambda value: {**(value or {}), **added})


def _annotated(metadata: Any, manager: str) -> Any:
    """`metadata` (a dict, None, or an Output of a dict) with the annotation added."""
    if metadata is None or isinstance(metadata, Mapping):
        meta = dict(metadata or {})
        meta["annotations"] = _merged(meta.get("annotations"), manager)
        return meta
    if isinstance(metadata, pulumi.Output):
        return metadata.apply(lambda value: _annotated(value, manager))
    return None  # an `ObjectMetaArgs`: gmac's components never pass one


def field_manager_transformation(manager: str) -> pulumi.ResourceTransformation:
    def transform(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if not args.type_.startswith("kubernetes:"):
            return None
        metadata = _annotated(args.props.get("metadata"), manager)
        if metadata is None:
            return None
        return pulumi.ResourceTransformationResult({**args.props, "metadata": metadata}, args.opts)

    return transform
