"""A copy of the example project whose cluster environments point at the test cluster."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmac.dev.cluster import ControlPlane
from tests.gmac_process import gmac_command

REPO = Path(__file__).resolve().parents[2]
ACTOR = "gmackie"  # the one user the example project's `access` rules allow
SECRET_VALUES = {
    "GMAC_SECRET_STRIPE_SECRET_KEY": "sk_test_cluster",
    "GMAC_SECRET_TURSO_APP_TOKEN": "turso-token-cluster",
    "GMAC_SECRET_STRIPE_WEBHOOK_SECRET": "whsec_cluster",
}
_serial = itertools.count(1)


@dataclass
class Project:
    """A copy of the example project whose cluster environments point at the test cluster."""

    root: Path
    namespaces: dict[str, str]
    env_vars: dict[str, str] = field(default_factory=dict)

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    def gmac(
        self, *args: str, check: bool = True, timeout: float = 900
    ) -> subprocess.CompletedProcess[str]:
        proc = self.start(*args)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            pytest.fail(f"gmac {' '.join(args)} took over {timeout:.0f}s\n{stdout}\n{stderr}")
        result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        if check and result.returncode != 0:
            pytest.fail(
                f"gmac {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        """`gmac ARGS --specs SPECS` in the project's folder, not waited for."""
        return subprocess.Popen(
            gmac_command(*args, "--specs", str(self.specs)),
            cwd=self.root,
            env=self.env_vars,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def service_file(self, name: str) -> Path:
        return self.specs / "services" / f"{name}.yaml"

    def edit_service(self, name: str, **changes: Any) -> None:
        path = self.service_file(name)
        document = yaml.safe_load(path.read_text())
        document.update(changes)
        path.write_text(yaml.safe_dump(document, sort_keys=False))


def make_project(base: Path, plane: ControlPlane, *, protect_staging: bool = False) -> Project:
    serial = next(_serial)
    root = base / "project"
    shutil.copytree(REPO / "specs", root / "specs", ignore=shutil.ignore_patterns("secrets"))
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "stacks").mkdir()
    project_file = root / "specs" / "project.yaml"
    project = yaml.safe_load(project_file.read_text())
    namespaces = {"staging": f"staging-{serial}", "production": f"production-{serial}"}
    for env, namespace in namespaces.items():
        environment = project["environments"][env]
        environment["kubernetes"] = {
            "context": plane.context,
            "kubeconfig": str(plane.kubeconfig),
            "namespace": namespace,
        }
        environment["integrations"] = "offline"
    if protect_staging:
        project["environments"]["staging"]["protect"] = True
    project_file.write_text(yaml.safe_dump(project, sort_keys=False))
    env_vars = {
        **os.environ,
        **SECRET_VALUES,
        "GMAC_ACTOR": ACTOR,
        "GMAC_PASSPHRASE": f"cluster-test-passphrase-{serial}",
        "PYTHONPATH": str(REPO),
    }
    made = Project(root, namespaces, env_vars)
    # Shared environments' stacks are created on purpose, once, with the team's passphrase.
    for env in namespaces:
        made.gmac("stack", "init", "--env", env)
    return made
