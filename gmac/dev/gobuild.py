"""Building Go programs from the Go module proxy: the one helper every builder of gmac's
tooling uses (the Pulumi toolchain, the local control plane, the test servers).

Nothing but Go modules can be downloaded here, so each tool is built from its module: either
through a small wrapper module that requires it (`wrapper_module` + `build`), or inside the
module's own folder in the module cache when its `replace` lines must apply (`module_dir` +
`build_in_module`). Either way a binary appears at its path in one rename, never half
written. GOPATH, GOMODCACHE and GOCACHE stay at their defaults, so modules and compiled
packages are shared by every build and reused by the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from gmac.errors import BuildError

GO_FALLBACK = "/usr/local/go/bin"  # where Go's own installer puts it, without touching PATH
TAIL_LINES = 25

Progress = Callable[[str], None]


def tail(text: str, lines: int = TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def go_env(*, cgo: bool = False, parallel: int | None = None) -> dict[str, str]:
    """The environment of a `go` command: Go on PATH, CGO off unless asked for (static
    binaries, no C toolchain needed), at most `parallel` packages built at once."""
    env = dict(os.environ)
    env["CGO_ENABLED"] = "1" if cgo else "0"
    if shutil.which("go", path=env.get("PATH")) is None and Path(GO_FALLBACK).is_dir():
        env["PATH"] = os.pathsep.join([env.get("PATH", ""), GO_FALLBACK])
    if parallel is not None:
        env["GOFLAGS"] = " ".join([env.get("GOFLAGS", ""), f"-p={parallel}"]).strip()
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
    except OSError as error:
        raise BuildError(f"{step}: cannot run {cmd[0]}: {error}") from None


def run(
    step: str, cmd: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> str:
    """Run a tool; on failure raise BuildError naming the step, with its last lines."""
    proc = _capture(step, cmd, cwd, env, merge=True)
    if proc.returncode != 0:
        raise BuildError(
            f"{step} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail(proc.stdout)}"
        )
    return proc.stdout


def go_json(step: str, args: Sequence[str]) -> dict[str, object]:
    """Run a `go ... -json` query about one module and return its JSON object."""
    cmd = ["go", *args]
    proc = _capture(step, cmd, Path(tempfile.gettempdir()), go_env(), merge=False)
    try:
        data = json.loads(proc.stdout) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        data = None
    # `go mod download -json` reports a refused version in the JSON, `go list` on stderr.
    if isinstance(data, dict) and data.get("Error"):
        raise BuildError(f"{step}: {data['Error']}")
    if proc.returncode != 0 or not isinstance(data, dict):
        output = tail(proc.stderr or proc.stdout)
        raise BuildError(f"{step} failed (exit {proc.returncode}): {' '.join(cmd)}\n{output}")
    return data


def module_dir(module: str, version: str) -> Path:
    """Download a module (read-only, into GOMODCACHE) and return its folder."""
    data = go_json(
        f"downloading {module}@{version}", ["mod", "download", "-json", f"{module}@{version}"]
    )
    return Path(str(data["Dir"]))


def wrapper_module(build_dir: Path, name: str, go_version: str, extra: str = "") -> None:
    """A throwaway main module `gmac.local/<name>` that requires the real ones.

    `go get` rewrites go.mod; what gmac wrote is kept beside it, so that go.mod and go.sum are
    only started afresh when the wrapper itself changes (a warm rebuild reuses go.sum)."""
    text = f"module gmac.local/{name}\n\ngo {go_version}\n{extra}"
    written = build_dir / "go.mod.gmac"
    if not written.is_file() or written.read_text() != text:
        build_dir.mkdir(parents=True, exist_ok=True)
        (build_dir / "go.mod").write_text(text)
        (build_dir / "go.sum").unlink(missing_ok=True)
        written.write_text(text)


def build(
    step: str,
    build_dir: Path,
    packages: Sequence[str],
    outputs: Sequence[Path],
    *,
    require: Sequence[str],
    ldflags: str = "-s -w",
    env: Mapping[str, str] | None = None,
) -> None:
    """`go get` the required versions in the wrapper module, then build every package in
    one `go build`; each output lands where `outputs` says (by file name), atomically."""
    environment = dict(env) if env is not None else go_env()
    run(f"{step}: resolving modules", ["go", "get", *require], cwd=build_dir, env=environment)
    out_dir = build_dir / "out"
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    # `-o DIR/` names each binary after its package; one package is named by its output.
    target = f"{out_dir}/" if len(packages) > 1 else str(out_dir / outputs[0].name)
    cmd = ["go", "build", "-trimpath", "-ldflags", ldflags, "-o", target, *packages]
    run(step, cmd, cwd=build_dir, env=environment)
    for output in outputs:
        _move_into_place(step, out_dir / output.name, output)
    shutil.rmtree(out_dir, ignore_errors=True)


def build_in_module(
    step: str,
    source: Path,
    output: Path,
    *,
    tags: str = "",
    ldflags: str = "-s -w",
    env: Mapping[str, str] | None = None,
) -> None:
    """`go build` the main package of the module in `source` (from `module_dir`), where its
    own go.mod and `replace` lines apply, into `output`, atomically."""
    output.parent.mkdir(parents=True, exist_ok=True)
    # Beside the output, so that the rename stays on one file system; per process, as two
    # builds of one cache may race.
    partial = output.with_name(f"{output.name}.{os.getpid()}.tmp")
    tag_args = ["-tags", tags] if tags else []
    cmd = ["go", "build", "-trimpath", *tag_args, "-ldflags", ldflags, "-o", str(partial)]
    try:
        run(step, cmd, cwd=source, env=env if env is not None else go_env())
        _move_into_place(step, partial, output)
    finally:
        partial.unlink(missing_ok=True)


def _move_into_place(step: str, built: Path, output: Path) -> None:
    if not built.is_file():
        raise BuildError(f"{step}: go build made no {built.name}")
    output.parent.mkdir(parents=True, exist_ok=True)
    built.replace(output)


def timed(progress: Progress, what: str, start: float) -> None:
    progress(f"{what} in {time.monotonic() - start:.0f}s")
