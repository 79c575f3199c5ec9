"""The base images made on this machine (gmac.dev.base_images): what they carry, and that a
cached image made by an older recipe is made again instead of reused."""

from __future__ import annotations

from pathlib import Path

from gmac.clients.buildah import Buildah
from gmac.dev import base_images


def _environment(buildah: Buildah, name: str) -> list[str]:
    # buildah 1.28's templates have no `json`: one variable a line.
    template = "{{range .OCIv1.Config.Env}}{{println .}}{{end}}"
    outcome = buildah.run(["inspect", "--type", "image", "--format", template, name])
    assert outcome.code == 0, outcome.tail
    return [line for line in outcome.tail if line]


def _commit_scratch(buildah: Buildah, name: str, labels: dict[str, str]) -> None:
    made = buildah.run(["from", "scratch"])
    assert made.code == 0, made.tail
    container = made.tail[-1].strip()
    label_args = [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]
    for args in (["config", *label_args, container], ["commit", "--rm", container, name]):
        outcome = buildah.run(args)
        assert outcome.code == 0, outcome.tail


def test_every_base_image_carries_the_current_recipe(buildah: Buildah, bases: None) -> None:
    assert base_images.missing(buildah) == []
    for name in base_images.BASE_IMAGES:
        assert buildah.image_label(name, base_images.RECIPE_LABEL) == base_images.RECIPE


def test_npm_in_the_node_image_trusts_the_machines_ca_bundle(buildah: Buildah, bases: None) -> None:
    # Node.js reads only its built-in roots unless told: behind a proxy with a CA of its own,
    # `npm ci` in a build fails without this (SELF_SIGNED_CERT_IN_CHAIN).
    env = _environment(buildah, base_images.NODE)
    assert f"NODE_EXTRA_CA_CERTS={base_images.HOST_CA_BUNDLE}" in env, env


def test_an_image_made_by_an_older_recipe_counts_as_missing(
    tmp_path: Path, buildah: Buildah
) -> None:
    storage = Buildah(buildah.executable, tmp_path / "buildah")
    assert base_images.missing(storage) == list(base_images.BASE_IMAGES)
    golang, distroless, node = base_images.BASE_IMAGES
    _commit_scratch(storage, golang, {base_images.RECIPE_LABEL: base_images.RECIPE})
    _commit_scratch(storage, distroless, {base_images.RECIPE_LABEL: "1"})
    _commit_scratch(storage, node, {})
    assert storage.image_label(golang, base_images.RECIPE_LABEL) == base_images.RECIPE
    assert storage.image_label(node, base_images.RECIPE_LABEL) is None
    assert base_images.missing(storage) == [distroless, node]
