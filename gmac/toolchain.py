"""Build the Pulumi toolchain from Go modules and cache it.

Nothing can be downloaded from Pulumi's web sites here, only Go modules, so the CLI and the
Kubernetes provider plugin are compiled from their modules into
``~/.cache/gmac/toolchain/vVERSION/``:

- ``bin/pulumi``: the CLI, version stamped in through ``-ldflags``;
- ``bin/pulumi-language-python``: the Python language host, when the Go proxy serves it;
- ``bin/pulumi-resource-pulumi-python``: the dynamic-provider plugin, a script that runs
  ``python -m pulumi.dynamic`` with gmac's interpreter;
- ``pulumi-home/``: ``PULUMI_HOME``, holding the Kubernetes provider plugin at exactly the
  version that the installed ``pulumi_kubernetes`` package asks for.

``install()`` is idempotent: a complete cache is recognised from files alone, without running
``go`` or ``pulumi``.  Run ``python -m gmac.toolchain install`` to fill the cache.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PULUMI_VERSION = "3.274.1"
PULUMI_MODULE = "github.com/pulumi/pulumi/pkg/v3"
PULUMI_SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
LANGUAGE_HOST_MODULE = "github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
K8S_SDK_MODULE = "github.com/pulumi/pulumi-kubernetes/sdk/v4"
K8S_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4"

# pulumi's own go.mod replaces clipboard with a fork; replace directives of dependencies are
# ignored by Go, so every wrapper module must repeat it.
CLIPBOARD_REPLACE = (
    "replace github.com/atotto/clipboard => "
    "github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e\n"
)

# Releases whose tagged commit the Go proxy here does not serve, mapped to the provider commit
# it does serve with the same schema.  4.25.0: its tag (144dd81, 2026-01-16) is refused, the
# commit f47bc2d (2026-01-15) is served, and its schema has 4.25.0's resources and provider
# config (4.26.0 adds newer Kubernetes APIs and `alwaysRender`).
K8S_PROVIDER_FALLBACK = {"4.25.0": "v4.0.0-20260115033456-f47bc2d6f199"}

GO_FALLBACK = "/usr/local/go/bin"
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "gmac" / "toolchain"
CACHE_VARIABLE = "GMAC_TOOLCHAIN_CACHE"  # another cache folder, e.g. one shared by CI jobs
STAMP = ".complete"  # holds the version of bin/pulumi, written once it is in place

Progress = Callable[[str], None]


class ToolchainError(RuntimeError):
    """A toolchain step failed; the message names the step and ends with the tool's output."""


@dataclass(frozen=True)
class Toolchain:
    """An installed toolchain.  Put ``bin_dir`` first on PATH and set ``PULUMI_HOME``."""

    pulumi: Path
    language_host: Path | None
    bin_dir: Path
    pulumi_home: Path
    # The dynamic-provider plugin runs gmac's own interpreter, so each interpreter (a venv,
    # the system Python) gets its own folder: one shared script would flip between them.
    plugin_dir: Path | None = None

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for the CLI and the Automation API (``env_vars=`` or ``os.environ``)."""
        env = dict(os.environ if base is None else base)
        first = [str(self.plugin_dir)] if self.plugin_dir is not None else []
        env["PATH"] = os.pathsep.join([*first, str(self.bin_dir), env.get("PATH", "")])
        env["PULUMI_HOME"] = str(self.pulumi_home)
        env.update(RUNTIME_ENV)
        return env


# Set at run time: no network for update checks or plugin downloads here; a missing plugin
# must fail at once with its name instead of trying to fetch it.
RUNTIME_ENV = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
}


# ---------------------------------------------------------------- small helpers


def _version_tuple(text: str) -> tuple[int, ...]:
    """'v3.274.1-dev.0' -> (3, 274, 1); good enough to compare releases."""
    core = text.strip().lstrip("v").split("-")[0].split("+")[0]
    return tuple(int(part) for part in core.split(".") if part.isdigit())


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _go_env() -> dict[str, str]:
    # Pure-Go builds: no C toolchain needed, static binaries.  GOPATH, GOMODCACHE and
    # GOCACHE stay at their defaults so modules and compiled packages are shared and reused.
    env = dict(os.environ)
    env["CGO_ENABLED"] = "0"
    if shutil.which("go", path=env.get("PATH")) is None and Path(GO_FALLBACK).is_dir():
        # Go's own installer puts it here without touching PATH.
        env["PATH"] = os.pathsep.join([env.get("PATH", ""), GO_FALLBACK])
    return env


def _capture(
    step: str, cmd: Sequence[str], cwd: Path | None, env: Mapping[str, str] | None, *, merge: bool
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(cmd),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise ToolchainError(f"{step}: cannot run {cmd[0]}: {exc}") from None


def _run(
    step: str, cmd: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Run a tool; on failure raise ToolchainError with the last lines of its output."""
    proc = _capture(step, cmd, cwd, env, merge=True)
    if proc.returncode != 0:
        raise ToolchainError(
            f"{step} failed (exit {proc.returncode}): {' '.join(cmd)}\n{_tail(proc.stdout)}"
        )
    return proc.stdout


def _go_json(step: str, args: Sequence[str]) -> dict[str, object]:
    """Run a `go ... -json` query for one module and return its JSON object."""
    cmd = ["go", *args]
    proc = _capture(step, cmd, Path(tempfile.gettempdir()), _go_env(), merge=False)
    try:
        data = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    # `go mod download -json` reports a refused version in the JSON, `go list` on stderr.
    if isinstance(data, dict) and data.get("Error"):
        raise ToolchainError(f"{step}: {data['Error']}")
    if proc.returncode != 0 or not isinstance(data, dict):
        output = _tail(proc.stderr or proc.stdout)
        raise ToolchainError(f"{step} failed (exit {proc.returncode}): {' '.join(cmd)}\n{output}")
    return data


def _module_dir(module: str, version: str) -> Path:
    """Download a module (read-only, into GOMODCACHE) and return its directory."""
    data = _go_json(
        f"downloading {module}@{version}", ["mod", "download", "-json", f"{module}@{version}"]
    )
    return Path(str(data["Dir"]))


def _write_if_changed(path: Path, text: str, mode: int = 0o644) -> None:
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A per-process name: two gmac runs may write the same file at once.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        tmp.chmod(mode)
        tmp.replace(path)


def _timed(progress: Progress, what: str, start: float) -> None:
    progress(f"{what} in {time.monotonic() - start:.0f}s")


# ---------------------------------------------------------------- requirements


def python_sdk_version() -> str | None:
    """Version of the installed `pulumi` Python package; the CLI must not be older."""
    try:
        return importlib.metadata.version("pulumi")
    except importlib.metadata.PackageNotFoundError:
        return None


def kubernetes_plugin_version() -> str | None:
    """Plugin version the installed `pulumi_kubernetes` asks for (its pulumi-plugin.json)."""
    spec = importlib.util.find_spec("pulumi_kubernetes")  # finds it without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        manifest = Path(location) / "pulumi-plugin.json"
        if manifest.is_file():
            return str(json.loads(manifest.read_text())["version"])
    return None


# ---------------------------------------------------------------- layout and lookup


def _version_dir(cache_root: Path) -> Path:
    return cache_root / f"v{PULUMI_VERSION}"


def _plugin_dir(pulumi_home: Path, version: str) -> Path:
    return pulumi_home / "plugins" / f"resource-kubernetes-v{version}"


def _plugin_installed(pulumi_home: Path, version: str) -> bool:
    plugin = _plugin_dir(pulumi_home, version)
    partial = plugin.with_name(plugin.name + ".partial")  # left by an interrupted install
    return (plugin / "pulumi-resource-kubernetes").is_file() and not partial.exists()


def _ensure_dynamic_plugin(version_dir: Path) -> Path:
    """The folder holding `pulumi-resource-pulumi-python` for this interpreter."""
    digest = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    folder = version_dir / f"python-{digest}"
    _write_if_changed(
        folder / "pulumi-resource-pulumi-python", _dynamic_script(sys.executable), mode=0o755
    )
    return folder


def _dynamic_script(python: str) -> str:
    # Same job as the SDK's dist/pulumi-resource-pulumi-python, pinned to gmac's interpreter
    # instead of whatever `python3` is on PATH (and without the virtualenv probing).
    return f'#!/bin/sh\nexec "{python}" -u -m pulumi.dynamic "$@"\n'


def _cli_ready(version_dir: Path) -> bool:
    """bin/pulumi exists and its stamped version is not older than the Python SDK."""
    stamp = version_dir / STAMP
    if not ((version_dir / "bin" / "pulumi").exists() and stamp.is_file()):
        return False
    sdk = python_sdk_version()
    return sdk is None or _version_tuple(stamp.read_text()) >= _version_tuple(sdk)


def default_cache_root() -> Path:
    """$GMAC_TOOLCHAIN_CACHE, else ~/.cache/gmac/toolchain; read at each call, not import."""
    override = os.environ.get(CACHE_VARIABLE)
    return Path(override).expanduser() if override else DEFAULT_CACHE_ROOT


def find(cache_root: Path | None = None, kubernetes_version: str | None = None) -> Toolchain | None:
    """The cached toolchain if it is complete for the installed packages; never builds.

    `cache_root` defaults to `default_cache_root()`; `kubernetes_version` to what the installed
    pulumi_kubernetes asks for.
    """
    version_dir = _version_dir(cache_root or default_cache_root())
    bin_dir = version_dir / "bin"
    home = version_dir / "pulumi-home"
    if not _cli_ready(version_dir):
        return None
    k8s = kubernetes_version or kubernetes_plugin_version()
    if k8s is not None and not _plugin_installed(home, k8s):
        return None
    host = bin_dir / "pulumi-language-python"
    return Toolchain(
        pulumi=bin_dir / "pulumi",
        language_host=host if host.is_file() else None,
        bin_dir=bin_dir,
        pulumi_home=home,
        plugin_dir=_ensure_dynamic_plugin(version_dir),
    )


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
    if not out.strip() or (required and _version_tuple(out) < _version_tuple(required)):
        return None
    return Path(found), out.strip().lstrip("v")


def _wrapper_module(build_dir: Path, name: str, extra: str = "") -> None:
    """A throwaway main module that depends on the real one (its go.sum is kept for reuse)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    go_mod = build_dir / "go.mod"
    if not go_mod.exists():
        go_mod.write_text(
            f"module gmac.local/toolchain/{name}\n\ngo 1.24\n\n{CLIPBOARD_REPLACE}{extra}"
        )


def _go_build(
    step: str, build_dir: Path, package: str, output: Path, *, ldflags: str, require: Sequence[str]
) -> None:
    """`go get` the required module versions, then build `package` into `output`."""
    env = _go_env()
    _run(f"{step}: resolving modules", ["go", "get", *require], cwd=build_dir, env=env)
    tmp = output.with_name(output.name + ".tmp")
    _run(
        step,
        ["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(tmp), package],
        cwd=build_dir,
        env=env,
    )
    tmp.replace(output)


def _build_pulumi(version_dir: Path, progress: Progress) -> Path:
    output = version_dir / "bin" / "pulumi"
    progress(
        f"building pulumi v{PULUMI_VERSION} from {PULUMI_MODULE} (first time: several minutes)"
    )
    start = time.monotonic()
    build_dir = version_dir / "build" / "pulumi"
    _wrapper_module(build_dir, "pulumi")
    # version.Version is what `pulumi version` prints and what plugins are checked against.
    ldflags = f"-s -w -X {PULUMI_SDK_MODULE}/go/common/version.Version=v{PULUMI_VERSION}"
    package = f"{PULUMI_MODULE}/cmd/pulumi"
    _go_build(
        "building pulumi",
        build_dir,
        package,
        output,
        ldflags=ldflags,
        require=[f"{package}@v{PULUMI_VERSION}"],
    )
    _timed(progress, f"built pulumi v{PULUMI_VERSION}", start)
    return output


def _ensure_pulumi(version_dir: Path, progress: Progress) -> Path:
    """bin/pulumi, from PATH or built; STAMP records its version once it is in place."""
    bin_dir = version_dir / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    target = bin_dir / "pulumi"
    if _cli_ready(version_dir):
        return target
    required = python_sdk_version()
    existing = _pulumi_on_path(bin_dir, required)
    if existing is not None:
        # Linked into bin_dir so that PATH and PulumiCommand(root=version_dir) both see it.
        progress(f"using {existing[0]} v{existing[1]} (already on PATH)")
        target.unlink(missing_ok=True)
        target.symlink_to(existing[0])
        (version_dir / STAMP).write_text(f"{existing[1]}\n")
        return target
    if required and _version_tuple(required) > _version_tuple(PULUMI_VERSION):
        raise ToolchainError(
            f"pulumi CLI: the Python package pulumi=={required} needs a CLI >= {required}, "
            f"but gmac builds v{PULUMI_VERSION}; pin pulumi<={PULUMI_VERSION}"
        )
    target.unlink(missing_ok=True)  # e.g. a stale link to an older pulumi on PATH
    _build_pulumi(version_dir, progress)
    (version_dir / STAMP).write_text(f"{PULUMI_VERSION}\n")
    return target


# ---------------------------------------------------------------- language host


def _ensure_language_host(version_dir: Path, progress: Progress) -> Path | None:
    """Build pulumi-language-python, or note once that the Go proxy does not serve it.

    Only `pulumi up` on a Pulumi.yaml needs it: inline Automation API programs run in
    gmac's own process.
    """
    output = version_dir / "bin" / "pulumi-language-python"
    unavailable = version_dir / "language-host.unavailable"
    if output.is_file():
        return output
    if unavailable.is_file():
        return None
    try:
        _module_dir(LANGUAGE_HOST_MODULE, f"v{PULUMI_VERSION}")
    except ToolchainError as exc:
        unavailable.write_text(f"{exc}\n")
        progress(f"skipping pulumi-language-python (not served by the Go proxy): {exc}")
        return None
    progress(f"building pulumi-language-python v{PULUMI_VERSION}")
    start = time.monotonic()
    build_dir = version_dir / "build" / "language-host"
    _wrapper_module(build_dir, "language-host")
    ldflags = f"-s -w -X {PULUMI_SDK_MODULE}/go/common/version.Version=v{PULUMI_VERSION}"
    _go_build(
        "building pulumi-language-python",
        build_dir,
        LANGUAGE_HOST_MODULE,
        output,
        ldflags=ldflags,
        require=[f"{LANGUAGE_HOST_MODULE}@v{PULUMI_VERSION}"],
    )
    _timed(progress, "built pulumi-language-python", start)
    return output


# ---------------------------------------------------------------- Kubernetes provider


def _k8s_sdk_commit(version: str) -> str | None:
    """Commit of the sdk/vVERSION tag: the provider module has no tags of its own."""
    try:
        info = _go_json(
            "reading the pulumi-kubernetes release tag",
            ["list", "-m", "-json", f"{K8S_SDK_MODULE}@v{version}"],
        )
    except ToolchainError:
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
            info = _go_json(
                "resolving the provider commit",
                ["list", "-m", "-json", f"{K8S_PROVIDER_MODULE}@{commit[:12]}"],
            )
            return str(info["Version"]), True
        except ToolchainError:
            pass  # tag known but that commit not served: try the table below
    if version in K8S_PROVIDER_FALLBACK:
        return K8S_PROVIDER_FALLBACK[version], commit is not None
    known = ", ".join(sorted(K8S_PROVIDER_FALLBACK))
    raise ToolchainError(
        f"kubernetes provider {version}: the Go proxy serves neither the sdk/v{version} tag "
        f"with its commit nor {K8S_PROVIDER_MODULE} at that commit; pin "
        f"pulumi-kubernetes to a release that can be built ({known})"
    )


_PROVIDER_MAIN = """\
// Written by gmac.toolchain: the provider's own main, minus its go:generate step.
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


def _write_provider_sources(build_dir: Path, module_dir: Path, version: str) -> None:
    """What the provider's generate.go does: version the schema, compact both JSON files."""
    cmd_dir = module_dir / "cmd" / "pulumi-resource-kubernetes"
    schema = json.loads((cmd_dir / "schema.json").read_text())
    schema["version"] = version
    mapping = json.loads((cmd_dir / "terraform-mapping.json").read_text())
    compact = (",", ":")
    (build_dir / "schema-embed.json").write_text(json.dumps(schema, separators=compact))
    (build_dir / "terraform-mapping-embed.json").write_text(json.dumps(mapping, separators=compact))
    (build_dir / "main.go").write_text(_PROVIDER_MAIN)


def _build_k8s_provider(version_dir: Path, version: str, progress: Progress) -> Path:
    provider_version, sdk_tagged = _k8s_provider_version(version)  # fails fast if unbuildable
    progress(f"building the kubernetes provider {version} (first time: several minutes)")
    start = time.monotonic()
    progress(f"  {K8S_PROVIDER_MODULE}@{provider_version}")
    module_dir = _module_dir(K8S_PROVIDER_MODULE, provider_version)
    build_dir = version_dir / "build" / f"kubernetes-{version}"
    _wrapper_module(build_dir, "kubernetes")
    _write_provider_sources(build_dir, module_dir, version)
    # Package paths, not the module: `go get` then records the checksums the build needs.
    require = [
        f"{K8S_PROVIDER_MODULE}/pkg/{pkg}@{provider_version}" for pkg in ("provider", "version")
    ]
    if sdk_tagged:
        # The provider's go.mod points sdk/v4 at ../sdk; use that release's own sdk tag.
        require.append(f"{K8S_SDK_MODULE}@v{version}")
    output = build_dir / "pulumi-resource-kubernetes"
    ldflags = f"-s -w -X {K8S_PROVIDER_MODULE}/pkg/version.Version={version}"
    _go_build(
        "building the kubernetes provider", build_dir, ".", output, ldflags=ldflags, require=require
    )
    _timed(progress, f"built the kubernetes provider {version}", start)
    return output


def _ensure_k8s_plugin(
    toolchain: Toolchain, version_dir: Path, version: str, progress: Progress
) -> None:
    if _plugin_installed(toolchain.pulumi_home, version):
        return
    binary = _build_k8s_provider(version_dir, version, progress)
    progress(f"installing plugin resource kubernetes {version} into {toolchain.pulumi_home}")
    _run(
        "installing the kubernetes plugin",
        [
            str(toolchain.pulumi),
            "plugin",
            "install",
            "resource",
            "kubernetes",
            version,
            "--file",
            str(binary),
        ],
        env=toolchain.env(),
    )
    binary.unlink()  # the plugin dir holds its own copy


# ---------------------------------------------------------------- entry points


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
    version_dir = _version_dir(cache_root or default_cache_root())
    pulumi = _ensure_pulumi(version_dir, progress)
    bin_dir = version_dir / "bin"
    host = _ensure_language_host(version_dir, progress)
    home = version_dir / "pulumi-home"
    home.mkdir(exist_ok=True)
    toolchain = Toolchain(
        pulumi=pulumi,
        language_host=host,
        bin_dir=bin_dir,
        pulumi_home=home,
        plugin_dir=_ensure_dynamic_plugin(version_dir),
    )
    k8s = kubernetes_version or kubernetes_plugin_version()
    if k8s is None:
        progress("pulumi_kubernetes is not installed: no kubernetes plugin needed")
    else:
        _ensure_k8s_plugin(toolchain, version_dir, k8s, progress)
    return toolchain


def _shell_exports(toolchain: Toolchain) -> str:
    env = toolchain.env({"PATH": "$PATH"})
    return "\n".join(f'export {key}="{value}"' for key, value in sorted(env.items()))


def main(argv: Sequence[str]) -> int:
    usage = "usage: python -m gmac.toolchain install [KUBERNETES_VERSION] | find | env"
    if not argv or argv[0] not in ("install", "find", "env"):
        print(usage, file=sys.stderr)
        return 2
    try:
        if argv[0] == "install":
            start = time.monotonic()
            toolchain = install(kubernetes_version=argv[1] if len(argv) > 1 else None)
            print(f"toolchain ready in {time.monotonic() - start:.1f}s: {toolchain.bin_dir}")
            return 0
        found = find()
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if found is None:
        print("no complete toolchain; run: python -m gmac.toolchain install", file=sys.stderr)
        return 1
    print(_shell_exports(found) if argv[0] == "env" else found.bin_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
