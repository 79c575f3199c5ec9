"""Where the Pulumi toolchain lives and whether it is complete: what the engine runs.

The toolchain is built by `gmac toolchain install` (gmac.dev.toolchain) into
``~/.cache/gmac/toolchain/vVERSION/`` (``$GMAC_TOOLCHAIN_CACHE``):

- ``bin/pulumi``: the CLI, at least as new as the `pulumi` Python package;
- ``bin/pulumi-language-python``: the Python language host, when it could be built;
- ``python-<digest>/pulumi-resource-pulumi-python``: the dynamic-provider plugin, a script
  that runs ``python -m pulumi.dynamic`` with the interpreter running gmac;
- ``pulumi-home/``: ``PULUMI_HOME``, holding the Kubernetes provider plugin at exactly the
  version that the installed ``pulumi_kubernetes`` package asks for.

`find()` recognises a complete cache from files alone, without running ``go`` or ``pulumi``;
it never builds.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gmac.fs import write_if_changed

PULUMI_VERSION = "3.274.1"
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "gmac" / "toolchain"
CACHE_VARIABLE = "GMAC_TOOLCHAIN_CACHE"  # another cache folder, e.g. one shared by CI jobs
STAMP = ".complete"  # holds the version of bin/pulumi, written once it is in place
DYNAMIC_PLUGIN = "pulumi-resource-pulumi-python"

# Set at run time: no network for update checks or plugin downloads here; a missing plugin
# must fail at once with its name instead of trying to fetch it.
RUNTIME_ENV = {
    "PULUMI_SKIP_UPDATE_CHECK": "true",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
}


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
    # The version of `pulumi` as stamped when it was installed: the engine's command takes it
    # from here instead of running `pulumi version` each time it opens a stack.
    cli_version: str | None = None

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for the CLI and the Automation API (``env_vars=`` or ``os.environ``)."""
        env = dict(os.environ if base is None else base)
        first = [str(self.plugin_dir)] if self.plugin_dir is not None else []
        env["PATH"] = os.pathsep.join([*first, str(self.bin_dir), env.get("PATH", "")])
        env["PULUMI_HOME"] = str(self.pulumi_home)
        env.update(RUNTIME_ENV)
        return env


def version_tuple(text: str) -> tuple[int, ...]:
    """'v3.274.1-dev.0' -> (3, 274, 1); good enough to compare releases."""
    core = text.strip().lstrip("v").split("-")[0].split("+")[0]
    return tuple(int(part) for part in core.split(".") if part.isdigit())


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


def default_cache_root() -> Path:
    """$GMAC_TOOLCHAIN_CACHE, else ~/.cache/gmac/toolchain; read at each call, not import."""
    override = os.environ.get(CACHE_VARIABLE)
    return Path(override).expanduser() if override else DEFAULT_CACHE_ROOT


def version_dir(cache_root: Path | None = None) -> Path:
    return (cache_root or default_cache_root()) / f"v{PULUMI_VERSION}"


def kubernetes_plugin_dir(pulumi_home: Path, version: str) -> Path:
    return pulumi_home / "plugins" / f"resource-kubernetes-v{version}"


def kubernetes_plugin_installed(pulumi_home: Path, version: str) -> bool:
    plugin = kubernetes_plugin_dir(pulumi_home, version)
    partial = plugin.with_name(plugin.name + ".partial")  # left by an interrupted install
    return (plugin / "pulumi-resource-kubernetes").is_file() and not partial.exists()


def dynamic_plugin_dir(folder: Path) -> Path:
    """The folder holding `pulumi-resource-pulumi-python` for this interpreter."""
    digest = hashlib.sha256(sys.executable.encode()).hexdigest()[:12]
    plugins = folder / f"python-{digest}"
    # Same job as the SDK's dist/pulumi-resource-pulumi-python, pinned to gmac's interpreter
    # instead of whatever `python3` is on PATH (and without the virtualenv probing).
    script = f'#!/bin/sh\nexec "{sys.executable}" -u -m pulumi.dynamic "$@"\n'
    write_if_changed(plugins / DYNAMIC_PLUGIN, script, mode=0o755)
    return plugins


def cli_ready(folder: Path) -> bool:
    """bin/pulumi exists and its stamped version is not older than the Python SDK."""
    stamp = folder / STAMP
    if not ((folder / "bin" / "pulumi").exists() and stamp.is_file()):
        return False
    sdk = python_sdk_version()
    return sdk is None or version_tuple(stamp.read_text()) >= version_tuple(sdk)


def find(cache_root: Path | None = None, kubernetes_version: str | None = None) -> Toolchain | None:
    """The cached toolchain if it is complete for the installed packages; never builds.

    `cache_root` defaults to `default_cache_root()`; `kubernetes_version` to what the installed
    pulumi_kubernetes asks for.
    """
    folder = version_dir(cache_root)
    bin_dir = folder / "bin"
    home = folder / "pulumi-home"
    if not cli_ready(folder):
        return None
    k8s = kubernetes_version or kubernetes_plugin_version()
    if k8s is not None and not kubernetes_plugin_installed(home, k8s):
        return None
    host = bin_dir / "pulumi-language-python"
    return Toolchain(
        pulumi=bin_dir / "pulumi",
        language_host=host if host.is_file() else None,
        bin_dir=bin_dir,
        pulumi_home=home,
        plugin_dir=dynamic_plugin_dir(folder),
        cli_version=(folder / STAMP).read_text().strip() or None,
    )
