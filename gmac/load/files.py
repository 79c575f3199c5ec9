"""Finding and reading the spec files of a project."""

from __future__ import annotations

import os
from pathlib import Path

from gmac.errors import Problem, UsageError
from gmac.load.data_only import parse_data
from gmac.load.documents import Document
from gmac.load.lazy_positions import placed_on_demand
from gmac.load.parse_cache import ParseCache
from gmac.load.yaml_source import parse_documents

SPEC_SUFFIXES = (".yaml", ".yml")
# Encrypted secret files live beside the specs but are not specs.
SKIPPED_DIRS = frozenset({"secrets"})


def display_path(path: Path) -> str:
    """The path as a person in the current directory would type it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_spec_files(root: Path) -> list[Path]:
    if not root.is_dir():
        raise UsageError(f"no specs directory at '{root}': pass --specs DIR")
    found: list[Path] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_DIRS and not d.startswith("."))
        found.extend(
            Path(directory) / name
            for name in sorted(files)
            if name.endswith(SPEC_SUFFIXES) and not name.startswith(".")
        )
    return found


def read_documents(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    """The documents of one file's text, and its problems. A file without any is read
    without positions, found when first asked for; one with some is parsed in full."""
    data = parse_data(text)
    if data is not None:
        return placed_on_demand(file, text, [(item, None) for item in data]), []
    return parse_documents(text, file)


def load_specs(root: Path, *, cache: bool = True) -> tuple[list[Document], list[Problem]]:
    """Every document under `root`, and every problem met reading them. With `cache`, a
    file whose text is what the last load parsed is not parsed again (gmac.load.parse_cache)."""
    documents: list[Document] = []
    problems: list[Problem] = []
    # Resolving each file's path costs more than parsing a small file: resolve the root once.
    shown_root = Path(display_path(root))
    files = find_spec_files(root)
    parsed = ParseCache.open(root) if cache else ParseCache.disabled()
    for path in files:
        relative = str(path.relative_to(root))
        shown = str(shown_root / relative)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(shown, 1, 1, "", f"cannot read the file: {error}"))
            parsed.forget(relative)
            continue
        found = parsed.documents(relative, text, shown)
        if found is None:
            found, trouble = read_documents(text, shown)
            problems.extend(trouble)
            if trouble:  # its problems are found, and placed, anew each time
                parsed.forget(relative)
            else:
                found = parsed.remember(relative, text, found)
        documents.extend(found)
    parsed.save()
    return documents, problems
