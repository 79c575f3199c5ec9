"""A build context as the builder sees it: its files less what `.dockerignore` excludes, and
one digest over them, so that a build runs only when what it would read has changed.

The `.dockerignore` rules are Docker's (and buildah's): one pattern per line, `#` comments,
`*` and `?` within a path element, `**` across elements, a leading `/` ignored, `!` to bring
a path back; a pattern that matches a folder excludes everything under it; the last pattern
that matches a path decides.

The digest covers each kept file's path, executable bit and contents (symlinks by their
target), in path order; not times or owners, which a checkout does not keep either.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

IGNORE_FILE = ".dockerignore"
_CHUNK = 1 << 20


def _translate(pattern: str) -> re.Pattern[str]:
    """A `.dockerignore` pattern as a regular expression over `/`-separated paths."""
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
                out.append("(?:.*/)?")  # `a/**/b` matches `a/b` too
            else:
                out.append(".*")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
                i = end
        elif char == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + "(?:/.*)?$")  # a folder excludes what is under it


@dataclass(frozen=True)
class IgnoreRules:
    rules: tuple[tuple[re.Pattern[str], bool], ...] = ()  # (pattern, excludes)

    @classmethod
    def of(cls, context: Path) -> IgnoreRules:
        path = context / IGNORE_FILE
        if not path.is_file():
            return cls()
        rules = []
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            excludes = not line.startswith("!")
            cleaned = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
            if cleaned in ("", "."):
                continue
            rules.append((_translate(cleaned), excludes))
        return cls(tuple(rules))

    def excluded(self, relative: str) -> bool:
        verdict = False
        for pattern, excludes in self.rules:
            if pattern.match(relative):
                verdict = excludes
        return verdict

    def may_bring_back(self) -> bool:
        return any(not excludes for _, excludes in self.rules)


def context_files(context: Path) -> list[str]:
    """The context's files and symlinks the builder sends, relative, in sorted order."""
    return sorted(_walk(context))


def _walk(context: Path) -> Iterator[str]:
    rules = IgnoreRules.of(context)
    keep_walking = rules.may_bring_back()  # an excluded folder may hold a `!` exception
    for directory, subdirs, names in os.walk(context):
        here = Path(directory).relative_to(context).as_posix()
        base = "" if here == "." else f"{here}/"
        subdirs[:] = sorted(d for d in subdirs if keep_walking or not rules.excluded(f"{base}{d}"))
        links = [d for d in subdirs if (Path(directory) / d).is_symlink()]
        for name in sorted([*names, *links]):
            relative = f"{base}{name}"
            if not rules.excluded(relative):
                yield relative
        subdirs[:] = [d for d in subdirs if d not in links]


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def context_digest(context: Path) -> str:
    """`sha256:...` over every file of the context the builder would send."""
    digest = hashlib.sha256()
    for relative in context_files(context):
        path = context / relative
        if path.is_symlink():
            entry = f"L {relative} {path.readlink()}"
        elif path.is_file():
            executable = "x" if os.access(path, os.X_OK) else "-"
            entry = f"F {relative} {executable} {_file_digest(path)}"
        else:
            continue
        digest.update(entry.encode("utf-8", "surrogateescape") + b"\n")
    return f"sha256:{digest.hexdigest()}"


def file_digest(path: Path) -> str:
    return f"sha256:{_file_digest(path)}"


def inputs_digest(context: str, dockerfile: str, build_args: Mapping[str, str]) -> str:
    """One digest of what decides a build's result: the context's and the Dockerfile's
    digests and the build arguments. Where it is pushed (image, tag) is not part of it."""
    payload = json.dumps(
        {"context": context, "dockerfile": dockerfile, "build_args": dict(build_args)},
        sort_keys=True,
    )
    return f"sha256:{hashlib.sha256(payload.encode()).hexdigest()}"


def source_revision(folder: Path) -> str:
    """The git commit checked out at `folder`, when it is a clean checkout; else empty."""
    try:
        head = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode != 0:
            return ""
        status = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return head.stdout.strip() if status.returncode == 0 and not status.stdout.strip() else ""
