"""Build the control plane's binaries from Go modules, and cache them with its CRDs.

Everything lands in ``~/.cache/gmac/cluster/vKUBERNETES/`` (``$GMAC_CLUSTER_CACHE``):

- ``bin/kube-apiserver``, ``bin/kube-controller-manager``, ``bin/kube-scheduler``: built
  from ``k8s.io/kubernetes`` through a wrapper module whose ``replace`` lines map every
  ``k8s.io/<staging>`` module to its published ``v0.X.Y`` (the main module's own ``replace``
  lines point into its source tree, and Go ignores a dependency's ``replace`` lines);
- ``bin/kine``: etcd's API over sqlite (the pure-Go driver: no C compiler needed);
- ``bin/kwok``: fake nodes, and the pod and ingress status a kubelet and an ingress
  controller would write;
- ``crds/``: the CustomResourceDefinitions that compiled specs use, copied from the
  prometheus-operator module;
- ``kwok-stages.yaml``: kwok's own node and pod stages from its module, plus one for Ingress.

Every Go build and module download goes through gmac.dev.gobuild. ``install()`` is
idempotent: a complete cache is recognised from its stamp file alone.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from gmac.dev import gobuild
from gmac.dev.gobuild import Progress
from gmac.errors import BuildError, ClusterError
from gmac.fs import write_if_changed

KUBERNETES_VERSION = "1.35.4"
KINE_VERSION = "0.17.5"
KWOK_VERSION = "0.8.0"
PROMETHEUS_OPERATOR_VERSION = "0.85.0"

KUBERNETES_MODULE = "k8s.io/kubernetes"
KINE_MODULE = "github.com/k3s-io/kine"
KWOK_MODULE = "sigs.k8s.io/kwok"
PROMETHEUS_OPERATOR_MODULE = "github.com/prometheus-operator/prometheus-operator"

KUBE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
BINARIES = (*KUBE_BINARIES, "kine", "kwok")

# The custom resources the compiler emits (components/service.py, components/monitoring.py).
CRD_FILES = (
    "monitoring.coreos.com_servicemonitors.yaml",
    "monitoring.coreos.com_prometheusrules.yaml",
)
CRD_DIR_IN_MODULE = "example/prometheus-operator-crd"

# kwok's stages, as kwokctl assembles them: nodes become Ready and keep a lease, pods become
# Ready (or Succeeded for Jobs) and are removed once deleted. Two more stages follow below.
KWOK_STAGE_FILES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)
# What an ingress controller does for an Ingress it serves: report an address.
INGRESS_STAGE = """\
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ingress-load-balancer
spec:
  resourceRef:
    apiGroup: networking.k8s.io/v1
    kind: Ingress
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.loadBalancer.ingress'
      operator: 'DoesNotExist'
  next:
    statusTemplate: |
      loadBalancer:
        ingress:
        - ip: 127.0.0.1
"""

# What a kubelet's next status report does for a running pod that the node lifecycle
# controller marked not ready while the node was lost: report it ready again. kwok's own
# stages only make pending pods ready, so without this such pods stay not ready for good.
POD_READY_AGAIN_STAGE = """\
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready-again
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: PodScheduled
      {{ range .spec.readinessGates }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ .conditionType | Quote }}
      {{ end }}
"""

DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "gmac" / "cluster"
CACHE_VARIABLE = "GMAC_CLUSTER_CACHE"  # another cache folder, e.g. one shared by CI jobs
STAMP = ".complete"


@dataclass(frozen=True)
class Binaries:
    """A complete cache: the five programs, the CRD files and kwok's stages."""

    root: Path

    def path(self, name: str) -> Path:
        return self.root / "bin" / name

    @property
    def crds(self) -> list[Path]:
        return [self.root / "crds" / name for name in CRD_FILES]

    @property
    def kwok_stages(self) -> Path:
        return self.root / "kwok-stages.yaml"


def _stamp_text() -> str:
    versions = {
        "kubernetes": KUBERNETES_VERSION,
        "kine": KINE_VERSION,
        "kwok": KWOK_VERSION,
        "prometheus-operator": PROMETHEUS_OPERATOR_VERSION,
        "crds": list(CRD_FILES),
        "kwok-stages": [*KWOK_STAGE_FILES, "ingress-load-balancer", "pod-ready-again"],
    }
    return json.dumps(versions, sort_keys=True) + "\n"


def default_cache_root() -> Path:
    """$GMAC_CLUSTER_CACHE, else ~/.cache/gmac/cluster; read at each call, not at import."""
    override = os.environ.get(CACHE_VARIABLE)
    return Path(override).expanduser() if override else DEFAULT_CACHE_ROOT


def version_dir(cache_root: Path | None = None) -> Path:
    return (cache_root or default_cache_root()) / f"v{KUBERNETES_VERSION}"


def find(cache_root: Path | None = None) -> Binaries | None:
    """The cached binaries when every piece is in place; never builds."""
    root = version_dir(cache_root)
    stamp = root / STAMP
    if not stamp.is_file() or stamp.read_text() != _stamp_text():
        return None
    found = Binaries(root)
    pieces = [*(found.path(name) for name in BINARIES), *found.crds, found.kwok_stages]
    return found if all(piece.is_file() for piece in pieces) else None


# ---------------------------------------------------------------- Go builds


def _go_env() -> dict[str, str]:
    # Two cores: two packages at a time keeps the peak memory of the kubernetes build low.
    return gobuild.go_env(parallel=2)


_STAGING_REPLACE = re.compile(r"^\s*(k8s\.io/[\w.-]+)\s*=>\s*\./staging/", re.MULTILINE)


def _staging_modules(go_mod: str) -> list[str]:
    """The `k8s.io/*` modules that k8s.io/kubernetes's go.mod serves from its staging tree."""
    return sorted(set(_STAGING_REPLACE.findall(go_mod)))


def _kubernetes_wrapper(build_dir: Path) -> None:
    module_dir = gobuild.module_dir(KUBERNETES_MODULE, f"v{KUBERNETES_VERSION}")
    staging = _staging_modules((module_dir / "go.mod").read_text())
    if not staging:
        raise ClusterError(
            f"building kubernetes: no staging modules in {module_dir / 'go.mod'}; "
            "its layout changed"
        )
    published = "v0." + KUBERNETES_VERSION.split(".", 1)[1]  # 1.35.4 -> v0.35.4
    lines = "".join(f"\t{module} => {module} {published}\n" for module in staging)
    gobuild.wrapper_module(build_dir, "cluster/kubernetes", "1.25.0", f"\nreplace (\n{lines})\n")


def _build_kubernetes(root: Path, progress: Progress) -> None:
    progress(
        f"building {', '.join(KUBE_BINARIES)} v{KUBERNETES_VERSION} from {KUBERNETES_MODULE} "
        "(first time: about 25 minutes on two cores)"
    )
    start = time.monotonic()
    build_dir = root / "build" / "kubernetes"
    _kubernetes_wrapper(build_dir)
    version = f"v{KUBERNETES_VERSION}"
    major, minor = KUBERNETES_VERSION.split(".")[:2]
    # What the API server reports at /version (and what clients check their skew against).
    base = "k8s.io/component-base/version"
    ldflags = (
        f"-s -w -X {base}.gitVersion={version} -X {base}.gitMajor={major} "
        f"-X {base}.gitMinor={minor} -X {base}.gitTreeState=clean "
        f"-X k8s.io/client-go/pkg/version.gitVersion={version}"
    )
    packages = [f"{KUBERNETES_MODULE}/cmd/{name}" for name in KUBE_BINARIES]
    gobuild.build(
        "building kubernetes",
        build_dir,
        packages,
        [root / "bin" / name for name in KUBE_BINARIES],
        require=[f"{package}@{version}" for package in packages],
        ldflags=ldflags,
        env=_go_env(),
    )
    gobuild.timed(progress, f"built kubernetes {version}", start)


def _build_kine(root: Path, progress: Progress) -> None:
    progress(f"building kine v{KINE_VERSION} (sqlite, pure Go)")
    start = time.monotonic()
    build_dir = root / "build" / "kine"
    gobuild.wrapper_module(build_dir, "cluster/kine", "1.26.5")
    gobuild.build(
        "building kine",
        build_dir,
        [KINE_MODULE],
        [root / "bin" / "kine"],
        require=[f"{KINE_MODULE}@v{KINE_VERSION}"],
        ldflags=f"-s -w -X {KINE_MODULE}/pkg/version.Version=v{KINE_VERSION}",
        env=_go_env(),
    )
    gobuild.timed(progress, "built kine", start)


def _build_kwok(root: Path, progress: Progress) -> None:
    progress(f"building kwok v{KWOK_VERSION}")
    start = time.monotonic()
    build_dir = root / "build" / "kwok"
    gobuild.wrapper_module(build_dir, "cluster/kwok", "1.26.0")
    package = f"{KWOK_MODULE}/cmd/kwok"
    gobuild.build(
        "building kwok",
        build_dir,
        [package],
        [root / "bin" / "kwok"],
        require=[f"{package}@v{KWOK_VERSION}"],
        env=_go_env(),
    )
    gobuild.timed(progress, "built kwok", start)


# ---------------------------------------------------------------- files from modules


def _copy_crds(root: Path, progress: Progress) -> None:
    module_dir = gobuild.module_dir(PROMETHEUS_OPERATOR_MODULE, f"v{PROMETHEUS_OPERATOR_VERSION}")
    for name in CRD_FILES:
        source = module_dir / CRD_DIR_IN_MODULE / name
        if not source.is_file():
            raise ClusterError(
                f"CRDs: {PROMETHEUS_OPERATOR_MODULE}@v{PROMETHEUS_OPERATOR_VERSION} has no "
                f"{CRD_DIR_IN_MODULE}/{name}"
            )
        write_if_changed(root / "crds" / name, source.read_text())
    progress(f"CRDs from {PROMETHEUS_OPERATOR_MODULE}@v{PROMETHEUS_OPERATOR_VERSION}")


def _write_kwok_stages(root: Path) -> None:
    module_dir = gobuild.module_dir(KWOK_MODULE, f"v{KWOK_VERSION}")
    documents = []
    for name in KWOK_STAGE_FILES:
        source = module_dir / name
        if not source.is_file():
            raise ClusterError(f"kwok stages: {KWOK_MODULE}@v{KWOK_VERSION} has no {name}")
        documents.append(source.read_text().strip() + "\n")
    documents.extend([INGRESS_STAGE, POD_READY_AGAIN_STAGE])
    write_if_changed(root / "kwok-stages.yaml", "---\n".join(documents))


# ---------------------------------------------------------------- entry point


def install(cache_root: Path | None = None, progress: Progress = print) -> Binaries:
    """Build whatever is missing and return the cache; fast when nothing is missing."""
    cached = find(cache_root)
    if cached is not None:
        return cached
    root = version_dir(cache_root)
    binaries = Binaries(root)
    try:
        if not all(binaries.path(name).is_file() for name in KUBE_BINARIES):
            _build_kubernetes(root, progress)
        if not binaries.path("kine").is_file():
            _build_kine(root, progress)
        if not binaries.path("kwok").is_file():
            _build_kwok(root, progress)
        _copy_crds(root, progress)
        _write_kwok_stages(root)
    except BuildError as error:
        raise ClusterError(str(error)) from None
    (root / STAMP).write_text(_stamp_text())
    return binaries


def disk_usage(path: Path) -> int:
    """Bytes under `path` (files only, symlinks not followed)."""
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            file = Path(folder) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total
