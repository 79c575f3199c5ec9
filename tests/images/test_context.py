"""A build context as the builder sees it: `.dockerignore` as Docker reads it, and a digest that
changes exactly when what the builder would read changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.clients.build_context import context_digest, context_files, inputs_digest


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def context(tmp_path: Path) -> Path:
    return _tree(
        tmp_path / "ctx",
        {
            ".dockerignore": "# build output and notes\n*.md\n!KEEP.md\nnode_modules\n"
            "**/*.log\n/.git\ndist/\n",
            "Dockerfile": "FROM scratch\n",
            "main.go": "package main\n",
            "README.md": "notes",
            "KEEP.md": "kept",
            "docs/guide.md": "a guide below the top: `*.md` does not reach it",
            "node_modules/left-pad/index.js": "x",
            "app/debug.log": "x",
            "debug.log": "x",
            ".git/HEAD": "ref",
            "dist/bundle.js": "x",
            "src/dist.go": "package src\n",
        },
    )


def test_dockerignore_is_read_as_docker_reads_it(context: Path) -> None:
    assert list(context_files(context)) == [
        ".dockerignore",
        "Dockerfile",
        "KEEP.md",
        "docs/guide.md",
        "main.go",
        "src/dist.go",
    ]


def test_the_digest_follows_what_the_builder_reads(context: Path) -> None:
    before = context_digest(context)
    (context / "README.md").write_text("other notes")
    (context / "node_modules/left-pad/index.js").write_text("y")
    (context / "app/debug.log").write_text("y")
    assert context_digest(context) == before, "excluded files changed the digest"
    (context / "main.go").write_text("package main // changed\n")
    changed = context_digest(context)
    assert changed != before
    (context / "main.go").write_text("package main\n")
    assert context_digest(context) == before  # times are not part of it
    (context / "main.go").chmod(0o755)
    assert context_digest(context) != before  # the executable bit is
    (context / "new.go").write_text("package main\n")
    assert context_digest(context) != before


def test_symlinks_count_by_their_target(context: Path) -> None:
    before = context_digest(context)
    (context / "link").symlink_to("main.go")
    linked = context_digest(context)
    assert linked != before
    (context / "link").unlink()
    (context / "link").symlink_to("src/dist.go")
    assert context_digest(context) != linked


def test_inputs_are_the_context_the_dockerfile_and_the_build_args() -> None:
    base = inputs_digest("sha256:a", "sha256:d", {"MODE": "prod"})
    assert base == inputs_digest("sha256:a", "sha256:d", {"MODE": "prod"})
    assert base != inputs_digest("sha256:b", "sha256:d", {"MODE": "prod"})
    assert base != inputs_digest("sha256:a", "sha256:e", {"MODE": "prod"})
    assert base != inputs_digest("sha256:a", "sha256:d", {"MODE": "dev"})
    assert base.startswith("sha256:") and len(base) == 71
