"""The base images the service templates' Dockerfiles name, made on this machine.

Nothing can be pulled from Docker Hub or gcr.io here, so the tests build the three bases
themselves, from what this machine can reach, and tag them with the exact names the
Dockerfiles use: the templates' Dockerfiles then build unchanged.

    golang:1.24-bookworm           Debian bookworm (debootstrap --variant=minbase, from
                                   Debian's mirror) and Go 1.24.13, the toolchain the Go
                                   module proxy serves as golang.org/toolchain; GOPATH=/go
    gcr.io/distroless/static-debian12:nonroot
                                   a root filesystem of a few files: CA certificates,
                                   tzdata, /etc/passwd with root, nobody and nonroot (65532),
                                   /home/nonroot, /tmp; user 65532
    node:20-bookworm-slim          Debian bookworm and this machine's Node.js 20 (node and
                                   npm under /usr/local, as the official image has them),
                                   a `node` user 1000

They differ from the published images in what a test cannot see (fewer packages in the
golang image: no git, gcc or make) and in one thing it would: their CA bundle is this
machine's, so that a build step reaching the module proxy or npm trusts what this machine
trusts, and the node image sets `NODE_EXTRA_CA_CERTS` to it: Node.js reads only the roots it
was built with, so without it `npm ci` fails behind a proxy whose CA only the machine's bundle
holds (a CI job's environment may not set that variable for the host's npm either).

They go into buildah's storage, the one gmac builds with (`~/.cache/gmac/buildah`); the
bookworm root filesystem is kept under `~/.cache/gmac/base-images/` for the next build. An
image already in the storage is not made again unless its recipe label is older than
`RECIPE` (a cached image made by an older recipe is made again); `--force` remakes them.
`python -m gmac.dev.base_images [--force]` runs it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gmac.clients.buildah import Buildah
from gmac.dev.gobuild import go_json
from gmac.errors import BuildError, GmacError

GO_VERSION = "1.24.13"
TOOLCHAIN_MODULE = f"golang.org/toolchain@v0.0.1-go{GO_VERSION}.linux-amd64"
NODE_MAJOR = "20"
GOLANG = "docker.io/library/golang:1.24-bookworm"
DISTROLESS = "gcr.io/distroless/static-debian12:nonroot"
NODE = "docker.io/library/node:20-bookworm-slim"
BASE_IMAGES = (GOLANG, DISTROLESS, NODE)
DEBIAN_SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
MIRROR_VARIABLE = "GMAC_DEBIAN_MIRROR"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Raised whenever what an image holds changes, so that caches made by the old recipe are
# remade instead of reused.
RECIPE_LABEL = "io.gmac.base-image.recipe"
RECIPE = "2"

Progress = Callable[[str], None]


def cache_root() -> Path:
    return Path.home() / ".cache" / "gmac" / "base-images"


def _run(step: str, command: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    except OSError as error:
        raise BuildError(f"{step}: cannot run {command[0]}: {error}") from None
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines()[-15:]
        raise BuildError(f"{step} failed ({done.returncode}):\n" + "\n".join(lines))
    return done.stdout


def bookworm_rootfs(progress: Progress) -> Path:
    """A minimal Debian bookworm root filesystem, made once by debootstrap and kept."""
    target = cache_root() / "bookworm-minbase"
    stamp = target / ".gmac-complete"
    if stamp.is_file():
        return target
    # Debian keeps debootstrap and the chroot it runs in the admin folders, which a user's
    # PATH (or CI's) may leave out.
    admin_path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    debootstrap = shutil.which("debootstrap", path=admin_path)
    if debootstrap is None:
        raise BuildError("debootstrap is not installed: run scripts/install-system-packages")
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    mirror = os.environ.get(MIRROR_VARIABLE, DEFAULT_MIRROR)
    progress(f"debootstrap {DEBIAN_SUITE} (minbase) from {mirror}")
    _run(
        "debootstrap",
        [
            debootstrap,
            "--variant=minbase",
            "--include=ca-certificates,tzdata",
            DEBIAN_SUITE,
            str(target),
            mirror,
        ],
        env={**os.environ, "PATH": admin_path},
    )
    for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for path in (target / leftover).glob("*"):
            if path.is_file():
                path.unlink()
    stamp.write_text(f"{DEBIAN_SUITE} minbase from {mirror}\n")
    return target


def go_toolchain(progress: Progress) -> Path:
    """The Go toolchain's module zip, fetched through the Go module proxy."""
    progress(f"go mod download {TOOLCHAIN_MODULE}")
    found = go_json("go toolchain", ["mod", "download", "-json", TOOLCHAIN_MODULE])
    return Path(str(found["Zip"]))


def _unpack_go(archive: Path, into: Path) -> None:
    """The toolchain zip under `into` with the modes Go gives it (its zip keeps none)."""
    prefix = f"{TOOLCHAIN_MODULE}/"
    with zipfile.ZipFile(archive) as zipped:
        for entry in zipped.infolist():
            relative = entry.filename.removeprefix(prefix)
            if relative == entry.filename or not relative or entry.is_dir():
                continue
            path = into / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(entry) as source, path.open("wb") as target:
                shutil.copyfileobj(source, target)
            runs = relative.startswith(("bin/", "pkg/tool/"))
            path.chmod(0o755 if runs else 0o644)


def _copy_tree(source: Path, target: Path) -> None:
    _run("copy", ["cp", "-a", f"{source}/.", f"{target}/"])


def _trust_this_machine(root: Path) -> None:
    bundle = root / "etc/ssl/certs/ca-certificates.crt"
    bundle.parent.mkdir(parents=True, exist_ok=True)
    if HOST_CA_BUNDLE.is_file():
        shutil.copyfile(HOST_CA_BUNDLE, bundle)


def _commit(buildah: Buildah, name: str, fill: Callable[[Path], None], config: list[str]) -> None:
    """An image `name` from scratch: `fill` writes its files, `config` its settings."""
    container = _buildah(buildah, "from scratch", ["from", "scratch"]).strip().splitlines()[-1]
    try:
        mount = Path(_buildah(buildah, "mount", ["mount", container]).strip().splitlines()[-1])
        fill(mount)
        _buildah(buildah, "umount", ["umount", container])
        label = ["--label", f"{RECIPE_LABEL}={RECIPE}"]
        _buildah(buildah, "config", ["config", *config, *label, container])
        _buildah(buildah, f"commit {name}", ["commit", "--rm", container, name])
    except BaseException:
        buildah.run(["rm", container])
        raise


def _buildah(buildah: Buildah, step: str, args: list[str]) -> str:
    lines: list[str] = []
    outcome = buildah.run(args, lines.append)
    if outcome.code != 0:
        raise BuildError(f"buildah {step} failed ({outcome.code}):\n" + "\n".join(lines[-15:]))
    return "\n".join(lines)


def make_golang(buildah: Buildah, rootfs: Path, toolchain: Path) -> None:
    def fill(root: Path) -> None:
        _copy_tree(rootfs, root)
        _unpack_go(toolchain, root / "usr/local/go")
        if not (root / "usr/local/go/bin/go").is_file():
            raise BuildError(f"{toolchain} holds no bin/go")
        (root / "go/bin").mkdir(parents=True, exist_ok=True)
        (root / "go/src").mkdir(parents=True, exist_ok=True)
        _trust_this_machine(root)

    env = [
        f"PATH=/go/bin:/usr/local/go/bin:{PATH}",
        f"GOLANG_VERSION={GO_VERSION}",
        "GOPATH=/go",
        "GOTOOLCHAIN=local",
    ]
    config = [arg for item in env for arg in ("--env", item)]
    _commit(buildah, GOLANG, fill, [*config, "--workingdir", "/go", "--cmd", "bash"])


PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
)
GROUP = "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n"


def make_distroless(buildah: Buildah, rootfs: Path) -> None:
    def fill(root: Path) -> None:
        (root / "etc").mkdir()
        (root / "etc/passwd").write_text(PASSWD)
        (root / "etc/group").write_text(GROUP)
        shutil.copyfile(rootfs / "etc/os-release", root / "etc/os-release")
        (root / "usr/share").mkdir(parents=True)
        _copy_tree(rootfs / "usr/share/zoneinfo", root / "usr/share/zoneinfo")
        _trust_this_machine(root)
        for folder, mode, owner in (("home/nonroot", 0o700, 65532), ("root", 0o700, 0)):
            (root / folder).mkdir(parents=True)
            (root / folder).chmod(mode)
            os.chown(root / folder, owner, owner)
        (root / "tmp").mkdir()
        (root / "tmp").chmod(0o1777)

    env = ["--env", "PATH=/usr/local/bin:/usr/bin:/bin", "--env", f"SSL_CERT_FILE={HOST_CA_BUNDLE}"]
    _commit(buildah, DISTROLESS, fill, [*env, "--user", "65532", "--workingdir", "/home/nonroot"])


def host_node() -> tuple[Path, Path, str]:
    """This machine's node binary, its npm folder and its version; it must be Node 20."""
    found = shutil.which("node")
    if found is None:
        raise BuildError(f"node:{NODE_MAJOR}-bookworm-slim needs Node.js {NODE_MAJOR} here")
    node = Path(found).resolve()
    version = _run("node --version", [str(node), "--version"]).strip().removeprefix("v")
    if version.split(".")[0] != NODE_MAJOR:
        raise BuildError(
            f"node:{NODE_MAJOR}-bookworm-slim needs Node.js {NODE_MAJOR}; "
            f"this machine has {version}"
        )
    npm = node.parent.parent / "lib/node_modules/npm"
    if not (npm / "bin/npm-cli.js").is_file():
        raise BuildError(f"no npm beside {node} (looked in {npm})")
    return node, npm, version


def make_node(buildah: Buildah, rootfs: Path) -> None:
    node, npm, version = host_node()

    def fill(root: Path) -> None:
        _copy_tree(rootfs, root)
        _trust_this_machine(root)
        modules = root / "usr/local/lib/node_modules"
        modules.mkdir(parents=True, exist_ok=True)
        shutil.copy2(node, root / "usr/local/bin/node")
        _copy_tree(npm, modules / "npm")
        for tool in ("npm", "npx"):
            (root / f"usr/local/bin/{tool}").symlink_to(
                f"../lib/node_modules/npm/bin/{tool}-cli.js"
            )
        with (root / "etc/passwd").open("a") as passwd:
            passwd.write("node:x:1000:1000::/home/node:/bin/bash\n")
        with (root / "etc/group").open("a") as group:
            group.write("node:x:1000:\n")
        (root / "home/node").mkdir(parents=True, exist_ok=True)
        os.chown(root / "home/node", 1000, 1000)

    env = [f"NODE_VERSION={version}", f"PATH={PATH}", f"NODE_EXTRA_CA_CERTS={HOST_CA_BUNDLE}"]
    config = [arg for item in env for arg in ("--env", item)]
    _commit(buildah, NODE, fill, [*config, "--cmd", "node"])


def missing(buildah: Buildah) -> list[str]:
    """The base images to make: absent, or made by an older recipe."""
    return [name for name in BASE_IMAGES if buildah.image_label(name, RECIPE_LABEL) != RECIPE]


@contextmanager
def _making(buildah: Buildah) -> Iterator[None]:
    """Held while base images are made in `buildah`'s storage: two processes sharing it (two
    test workers, a test run and `python -m gmac.dev.base_images`) make them once, in turn."""
    buildah.root.mkdir(parents=True, exist_ok=True)
    with (buildah.root / "base-images.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure(
    buildah: Buildah | None = None, progress: Progress = print, force: bool = False
) -> dict[str, float]:
    """Makes the base images the storage does not have yet; seconds each one took."""
    buildah = buildah or Buildah.found()
    if not force and not missing(buildah):
        return {}
    with _making(buildah):  # another process may have made them while this one waited
        return _make(buildah, list(BASE_IMAGES) if force else missing(buildah), progress)


def _make(buildah: Buildah, wanted: list[str], progress: Progress) -> dict[str, float]:
    timings: dict[str, float] = {}
    if not wanted:
        return timings
    started = time.monotonic()
    rootfs = bookworm_rootfs(progress)
    timings["bookworm root filesystem"] = time.monotonic() - started
    for name in wanted:
        started = time.monotonic()
        progress(f"making {name}")
        buildah.remove(name)  # one made by an older recipe; nothing when there is none
        if name == GOLANG:
            make_golang(buildah, rootfs, go_toolchain(progress))
        elif name == DISTROLESS:
            make_distroless(buildah, rootfs)
        else:
            make_node(buildah, rootfs)
        timings[name] = time.monotonic() - started
    return timings


def main(argv: list[str]) -> int:
    def say(text: str) -> None:
        print(f"base-images: {text}", flush=True)

    try:
        timings = ensure(progress=say, force="--force" in argv)
    except GmacError as error:
        print(f"base-images: {error}", file=sys.stderr)
        return 1
    for name, seconds in timings.items():
        say(f"{name}: {seconds:.1f}s")
    say("every base image is in buildah's storage" if not timings else "done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
