"""Build the Pulumi toolchain from Go modules into the cache that gmac.engine.toolchain reads.

Nothing can be downloaded from Pulumi's web sites here, only Go modules, so the CLI and the
Kubernetes provider plugin are compiled from their modules (see gmac.engine.toolchain for the
layout). `install()` is idempotent: a complete cache returns at once, without running `go`.
A `pulumi` already on PATH at a suitable version is used as it is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from gmac.dev import gobuild
from gmac.dev.gobuild import Progress
from gmac.engine.toolchain import (
    PULUMI_VERSION,
    RUNTIME_ENV,
    STAMP,
    Toolchain,
    cli_ready,
    dynamic_plugin_dir,
    find,
    kubernetes_plugin_installed,
    kubernetes_plugin_version,
    python_sdk_version,
    version_dir,
    version_tuple,
)
from gmac.errors import BuildError

PULUMI_MODULE = "github.com/pulumi/pulumi/pkg/v3"
PULUMI_SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
LANGUAGE_HOST_MODULE = "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
K8S_SDK_MODULE = "github.com/pulumi/pulumi-kubernetes/sdk/v4"
K8S_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4"
WRAPPER_GO_VERSION = "1.24"

# pulumi's own go.mod replaces clipboard with a fork; replace directives of dependencies are
# ignored by Go, so every wrapper module must repeat it.
CLIPBOARD_REPLACE = (
    "\nreplace github.com/atotto/clipboard => "
    "github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e\n"
)

# Releases whose tagged commit the Go proxy here does not serve, mapped to the provider commit
# it does serve with the same schema.  4.25.0: its tag (144dd81, 2026-01-16) is refused, the
# commit f47bc2d (2026-01-15) is served, and its schema has 4.25.0's resources and provider
# config (4.26.0 adds newer Kubernetes APIs and `alwaysRender`).
K8S_PROVIDER_FALLBACK = {"4.25.0": "v4.0.0-20260115033456-f47bc2d6f199"}


def _version_ldflags() -> str:
    # version.Version is what `pulumi version` prints and what plugins are checked against.
    return f"-s -w -X {PULUMI_SDK_MODULE}/go/common/version.Version=v{PULUMI_VERSION}"


# ---------------------------------------------------------------- the Pulumi CLI


def _pulumi_on_path(bin_dir: Path, required: str | None) -> tuple[Path, str] | None:
    """A `pulumi` already on PATH (outside our cache) at or above the required version."""
    found = shutil.which("pulumi")
    if found is None or Path(found).resolve().parent == bin_dir.resolve():
        return None
    try:
        out = subprocess.run(
            [found, "version"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, **RUNTIME_ENV},
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    if not out.strip() or (required and version_tuple(out) < version_tuple(required)):
        return None
    return Path(found), out.strip().lstrip("v")


def _build_pulumi(folder: Path, progress: Progress) -> Path:
    output = folder / "bin" / "pulumi"
    progress(
        f"building pulumi v{PULUMI_VERSION} from {PULUMI_MODULE} (first time: several minutes)"
    )
    start = time.monotonic()
    build_dir = folder / "build" / "pulumi"
    gobuild.wrapper_module(build_dir, "toolchain/pulumi", WRAPPER_GO_VERSION, CLIPBOARD_REPLACE)
    package = f"{PULUMI_MODULE}/cmd/pulumi"
    gobuild.build(
        "building pulumi",
        build_dir,
        [package],
        [output],
        require=[f"{package}@v{PULUMI_VERSION}"],
        ldflags=_version_ldflags(),
    )
    gobuild.timed(progress, f"built pulumi v{PULUMI_VERSION}", start)
    return output


def _ensure_pulumi(folder: Path, progress: Progress) -> Path:
    """bin/pulumi, from PATH or built; STAMP records its version once it is in place."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    target = bin_dir / "pulumi"
    if cli_ready(folder):
        return target
    required = python_sdk_version()
    existing = _pulumi_on_path(bin_dir, required)
    if existing is not None:
        # Linked into bin_dir so that PATH and PulumiCommand(root=version_dir) both see it.
        progress(f"using {existing[0]} v{existing[1]} (already on PATH)")
        target.unlink(missing_ok=True)
        target.symlink_to(existing[0])
        (folder / STAMP).write_text(f"{existing[1]}\n")
        return target
    if required and version_tuple(required) > version_tuple(PULUMI_VERSION):
        raise BuildError(
            f"pulumi CLI: the Python package pulumi=={required} needs a CLI >= {required}, "
            f"but gmac builds v{PULUMI_VERSION}; pin pulumi<={PULUMI_VERSION}"
        )
    target.unlink(missing_ok=True)  # e.g. a stale link to an older pulumi on PATH
    _build_pulumi(folder, progress)
    (folder / STAMP).write_text(f"{PULUMI_VERSION}\n")
    return target


# ---------------------------------------------------------------- language host


def _ensure_language_host(folder: Path, progress: Progress) -> Path | None:
    """Build pulumi-language-python, or note once that the Go proxy does not serve it.

    Only `pulumi up` on a Pulumi.yaml needs it: inline Automation API programs run in
    gmac's own process.
    """
    output = folder / "bin" / "pulumi-language-python"
    unavailable = folder / "language-host.unavailable"
    if output.is_file():
        return output
    if unavailable.is_file():
        return None
    try:
        gobuild.module_dir(LANGUAGE_HOST_MODULE, f"v{PULUMI_VERSION}")
    except BuildError as error:
        unavailable.write_text(f"{error}\n")
        progress(f"skipping pulumi-language-python (not served by the Go proxy): {error}")
        return None
    progress(f"building pulumi-language-python v{PULUMI_VERSION}")
    start = time.monotonic()
    build_dir = folder / "build" / "language-host"
    gobuild.wrapper_module(
        build_dir, "toolchain/language-host", WRAPPER_GO_VERSION, CLIPBOARD_REPLACE
    )
    gobuild.build(
        "building pulumi-language-python",
        build_dir,
        [LANGUAGE_HOST_MODULE],
        [output],
        require=[f"{LANGUAGE_HOST_MODULE}@v{PULUMI_VERSION}"],
        ldflags=_version_ldflags(),
    )
    gobuild.timed(progress, "built pulumi-language-python", start)
    return output


# ---------------------------------------------------------------- Kubernetes provider


def _k8s_sdk_commit(version: str) -> str | None:
    """Commit of the sdk/vVERSION tag: the provider module has no tags of its own."""
    try:
        info = gobuild.go_json(
            "reading the pulumi-kubernetes release tag",
            ["list", "-m", "-json", f"{K8S_SDK_MODULE}@v{version}"],
        )
    except BuildError:
        return None
    origin = info.get("Origin")
    if isinstance(origin, dict) and isinstance(origin.get("Hash"), str):
        return str(origin["Hash"])
    return None


def _k8s_provider_version(version: str) -> tuple[str, bool]:
    """The provider module version (a pseudo-version) for release `version`, and whether
    the release's own sdk/v4 tag is served."""
    commit = _k8s_sdk_commit(version)
    if commit is not None:
        try:
            info = gobuild.go_json(
                "resolving the provider commit",
                ["list", "-m", "-json", f"{K8S_PROVIDER_MODULE}@{commit[:12]}"],
            )
            return str(info["Version"]), True
        except BuildError:
            pass  # tag known but that commit not served: try the table below
    if version in K8S_PROVIDER_FALLBACK:
        return K8S_PROVIDER_FALLBACK[version], commit is not None
    known = ", ".join(sorted(K8S_PROVIDER_FALLBACK))
    raise BuildError(
        f"kubernetes provider {version}: the Go proxy serves neither the sdk/v{version} tag "
        f"with its commit nor {K8S_PROVIDER_MODULE} at that commit; pin "
        f"pulumi-kubernetes to a release that can be built ({known})"
    )


_PROVIDER_MAIN = """\
// Written by gmac: the provider's own main, minus its go:generate step.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
"""


def _write_provider_sources(build_dir: Path, module: Path, version: str) -> None:
    """What the provider's generate.go does: version the schema, compact both JSON files."""
    cmd_dir = module / "cmd" / "pulumi-resource-kubernetes"
    schema = json.loads((cmd_dir / "schema.json").read_text())
    schema["version"] = version
    mapping = json.loads((cmd_dir / "terraform-mapping.json").read_text())
    compact = (",", ":")
    (build_dir / "schema-embed.json").write_text(json.dumps(schema, separators=compact))
    (build_dir / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=compact))
    (build_dir / "main.go").write_text(_PROVIDER_MAIN)


def _build_k8s_provider(folder: Path, version: str, progress: Progress) -> Path:
    provider_version, sdk_tagged = _k8s_provider_version(version)  # fails fast if unbuildable
    progress(f"building the kubernetes provider {version} (first time: several minutes)")
    start = time.monotonic()
    progress(f"  {K8S_PROVIDER_MODULE}@{provider_version}")
    module = gobuild.module_dir(K8S_PROVIDER_MODULE, provider_version)
    build_dir = folder / "build" / f"kubernetes-{version}"
    gobuild.wrapper_module(build_dir, "toolchain/kubernetes", WRAPPER_GO_VERSION, CLIPBOARD_REPLACE)
    _write_provider_sources(build_dir, module, version)
    # Package paths, not the module: `go get` then records the checksums the build needs.
    require = [
        f"{K8S_PROVIDER_MODULE}/pkg/{pkg}@{provider_version}" for pkg in ("provider", "version")
    ]
    if sdk_tagged:
        # The provider's go.mod points sdk/v4 at ../sdk; use that release's own sdk tag.
        require.append(f"{K8S_SDK_MODULE}@v{version}")
    output = build_dir / "pulumi-resource-kubernetes"
    gobuild.build(
        "building the kubernetes provider",
        build_dir,
        ["."],
        [output],
        require=require,
        ldflags=f"-s -w -X {K8S_PROVIDER_MODULE}/pkg/version.Version={version}",
    )
    gobuild.timed(progress, f"built the kubernetes provider {version}", start)
    return output


def _ensure_k8s_plugin(
    toolchain: Toolchain, folder: Path, version: str, progress: Progress
) -> None:
    if kubernetes_plugin_installed(toolchain.pulumi_home, version):
        return
    binary = _build_k8s_provider(folder, version, progress)
    progress(f"installing plugin resource kubernetes {version} into {toolchain.pulumi_home}")
    gobuild.run(
        "installing the kubernetes plugin",
        [
            str(toolchain.pulumi),
            *("plugin", "install", "resource", "kubernetes", version),
            *("--file", str(binary)),
        ],
        env=toolchain.env(),
    )
    binary.unlink()  # the plugin dir holds its own copy


# ---------------------------------------------------------------- entry point


def install(
    cache_root: Path | None = None,
    progress: Progress = print,
    kubernetes_version: str | None = None,
) -> Toolchain:
    """Build whatever is missing and return the toolchain; fast when nothing is missing.

    `kubernetes_version` defaults to what the installed pulumi_kubernetes asks for.
    """
    cached = find(cache_root, kubernetes_version)
    if cached is not None:
        return cached
    folder = version_dir(cache_root)
    pulumi = _ensure_pulumi(folder, progress)
    host = _ensure_language_host(folder, progress)
    home = folder / "pulumi-home"
    home.mkdir(exist_ok=True)
    toolchain = Toolchain(
        pulumi=pulumi,
        language_host=host,
        bin_dir=folder / "bin",
        pulumi_home=home,
        plugin_dir=dynamic_plugin_dir(folder),
    )
    k8s = kubernetes_version or kubernetes_plugin_version()
    if k8s is None:
        progress("pulumi_kubernetes is not installed: no kubernetes plugin needed")
    else:
        _ensure_k8s_plugin(toolchain, folder, k8s, progress)
    return toolchain
