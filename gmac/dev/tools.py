"""Command-line tools the tests check gmac's files against, built from their Go modules and
cached like the toolchain:

    ~/.cache/gmac/tools/            ($GMAC_TOOLS_CACHE)
    ├── sops/v3.13.3/bin/sops       reads and writes the secrets files' format
    └── age/v1.3.1/bin/{age,age-keygen}   the age keys gmac's identities are

`python -m gmac.dev.tools` builds what is missing (scripts/install-servers runs it).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from gmac.dev import gobuild
from gmac.dev.gobuild import Progress
from gmac.errors import BuildError

CACHE_VARIABLE = "GMAC_TOOLS_CACHE"
DEFAULT_CACHE_ROOT = Path.home() / ".cache" / "gmac" / "tools"
STAMP = ".complete"


@dataclass(frozen=True)
class Tool:
    name: str
    module: str
    version: str
    go_version: str  # the `go` line of the module's own go.mod
    commands: tuple[str, ...]  # packages under the module, by command name
    ldflags: str = "-s -w"

    def folder(self) -> Path:
        override = os.environ.get(CACHE_VARIABLE)
        root = Path(override).expanduser() if override else DEFAULT_CACHE_ROOT
        return root / self.name / self.version

    def path(self, command: str) -> Path:
        return self.folder() / "bin" / command


SOPS = Tool(
    "sops",
    "github.com/getsops/sops/v3",
    "v3.13.3",
    "1.25.8",
    ("sops",),
    ldflags="-s -w -X github.com/getsops/sops/v3/version.Version=3.13.3",
)
AGE = Tool("age", "filippo.io/age", "v1.3.1", "1.24", ("age", "age-keygen"))
TOOLS = (SOPS, AGE)


def find(tool: Tool, command: str | None = None) -> Path | None:
    """The cached command (default: the tool's first), or None; never builds."""
    stamp = tool.folder() / STAMP
    done = stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == tool.version
    return tool.path(command or tool.commands[0]) if done else None


def find_sops() -> Path | None:
    return find(SOPS)


def build(tool: Tool, progress: Progress = print) -> Path:
    found = find(tool)
    if found is not None:
        progress(f"tools: {tool.name} {tool.version} already built ({found.parent})")
        return found
    folder = tool.folder()
    progress(f"tools: building {tool.name} {tool.version} from {tool.module}")
    start = time.monotonic()
    build_dir = folder / "build"
    gobuild.wrapper_module(build_dir, f"tools/{tool.name}", tool.go_version)
    packages = [f"{tool.module}/cmd/{command}" for command in tool.commands]
    gobuild.build(
        f"building {tool.name} {tool.version}",
        build_dir,
        packages,
        [tool.path(command) for command in tool.commands],
        require=[f"{package}@{tool.version}" for package in packages],
        ldflags=tool.ldflags,
    )
    gobuild.timed(progress, f"tools: {tool.name} built", start)
    (folder / STAMP).write_text(tool.version + "\n", encoding="utf-8")
    return tool.path(tool.commands[0])


def install(progress: Progress = print) -> None:
    for tool in TOOLS:
        build(tool, progress)


def main() -> int:
    try:
        install()
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
