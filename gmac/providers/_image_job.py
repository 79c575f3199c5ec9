"""The Kubernetes Job of an image build: rootless BuildKit (`buildctl-daemonless.sh`)
fetching the repository at the commit straight from Gitea (a git build context), building
the Dockerfile, pushing `image:tag` and writing the pushed digest to the container's
termination message. See docs/image-builds.md for why BuildKit.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from gmac.providers._base import Props

DEFAULT_BUILDER_IMAGE = "moby/buildkit:v0.22.0-rootless"
DEFAULT_BUILD_TIMEOUT = 1800
CONTAINER = "buildkit"
GIT_TOKEN_KEY = "GIT_AUTH_TOKEN"  # BuildKit's name for a git build context's token
DOCKER_CONFIG_KEY = ".dockerconfigjson"


def job_name(service: str, tag: str) -> str:
    """`gmac-build-<service>-<tag>`, cut to a valid object name (63 characters)."""
    stem = re.sub(r"[^a-z0-9-]+", "-", f"gmac-build-{service}".lower())[: 63 - len(tag) - 1]
    return f"{stem.rstrip('-')}-{tag}"


def build_script(p: Props, tag: str) -> str:
    """The shell command of the build container; every value from the spec is quoted."""
    context = f"{p.text('git_url')}#{p.text('commit')}"
    output = f"type=image,name={p.text('image')}:{tag},push=true"
    command = [
        "buildctl-daemonless.sh",
        "build",
        "--frontend",
        "dockerfile.v0",
        "--opt",
        f"context={context}",
        "--opt",
        f"filename={p.text('dockerfile', 'Dockerfile')}",
        "--output",
        output,
        "--metadata-file",
        "/tmp/metadata.json",
    ]
    if p.text("git_token"):
        command += ["--secret", f"id={GIT_TOKEN_KEY},env={GIT_TOKEN_KEY}"]
    digest = (
        'sed -n \'s/.*"containerimage.digest": *"\\(sha256:[0-9a-f]*\\)".*/\\1/p\' '
        "/tmp/metadata.json | head -n 1 > /dev/termination-log"
    )
    return f"set -eu\n{shlex.join(command)}\n{digest}\n"


def job_manifest(
    p: Props, name: str, tag: str, git_secret: str | None, push_secret: str | None = None
) -> dict[str, Any]:
    """The Job: one try (`backoffLimit: 0`), as long as `timeout`, kept a day after. It
    pushes with `push_secret` (the build's own) when given, else `registry_secret`."""
    labels = {
        "app.kubernetes.io/name": p.text("service"),
        "app.kubernetes.io/component": "image-build",
        "app.kubernetes.io/managed-by": "gmac",
    }
    env: list[dict[str, Any]] = [
        {"name": "BUILDKITD_FLAGS", "value": "--oci-worker-no-process-sandbox"},
        {"name": "DOCKER_CONFIG", "value": "/home/user/.docker"},
    ]
    if git_secret:
        env.append(
            {
                "name": GIT_TOKEN_KEY,
                "valueFrom": {"secretKeyRef": {"name": git_secret, "key": GIT_TOKEN_KEY}},
            }
        )
    registry_secret = push_secret or p.text("registry_secret")
    volumes: list[dict[str, Any]] = [{"name": "buildkitd", "emptyDir": {}}]
    mounts: list[dict[str, Any]] = [
        {"name": "buildkitd", "mountPath": "/home/user/.local/share/buildkit"}
    ]
    if registry_secret:
        volumes.append(
            {
                "name": "docker-config",
                "secret": {
                    "secretName": registry_secret,
                    "optional": push_secret is None,
                    "items": [{"key": DOCKER_CONFIG_KEY, "path": "config.json"}],
                },
            }
        )
        mounts.append({"name": "docker-config", "mountPath": "/home/user/.docker"})
    unconfined = {"type": "Unconfined"}
    container = {
        "name": CONTAINER,
        "image": p.text("builder_image", DEFAULT_BUILDER_IMAGE),
        "command": ["sh", "-c", build_script(p, tag)],
        "env": env,
        "securityContext": {
            "runAsUser": 1000,
            "runAsGroup": 1000,
            "seccompProfile": unconfined,
            "appArmorProfile": unconfined,
        },
        "volumeMounts": mounts,
        "terminationMessagePolicy": "File",
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": p.number("timeout", DEFAULT_BUILD_TIMEOUT),
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {
                        f"container.apparmor.security.beta.kubernetes.io/{CONTAINER}": "unconfined"
                    },
                },
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }
