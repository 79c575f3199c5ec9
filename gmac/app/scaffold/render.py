"""Rendering a template's `files/` tree (jinja2) into a new service's code folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from gmac.errors import UsageError


def _environment(source: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(source),
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails, never renders empty
        keep_trailing_newline=True,
        autoescape=False,  # code, not HTML
    )


def template_paths(source: Path) -> list[str]:
    """Every file of the tree, as a relative POSIX path, dot files included."""
    found: list[str] = []
    for directory, subdirs, names in os.walk(source):
        subdirs.sort()
        base = Path(directory).relative_to(source)
        found.extend((base / name).as_posix() for name in sorted(names))
    return found


def render_tree(source: Path, target: Path, context: Mapping[str, Any]) -> list[Path]:
    """Render every file under `source` into `target`; names are templates too (a name that
    renders empty is left out). Returns the files written. Raises UsageError naming the
    template file and line of any jinja2 error."""
    environment = _environment(source)
    written: list[Path] = []
    for relative in template_paths(source):
        try:
            name = environment.from_string(relative).render(context).strip()
            if not name or name.endswith("/"):
                continue
            path = target / name
            try:
                text: str | None = environment.get_template(relative).render(context)
            except UnicodeDecodeError:
                text = None  # a binary file: copied as it is
        except jinja2.TemplateSyntaxError as error:
            raise UsageError(
                f"template file '{source / relative}', line {error.lineno}: {error.message}"
            ) from error
        except jinja2.UndefinedError as error:
            raise UsageError(f"template file '{source / relative}': {error.message}") from error
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            shutil.copyfile(source / relative, path)
        else:
            path.write_text(text, encoding="utf-8")
        shutil.copymode(source / relative, path)  # keep scripts executable
        written.append(path)
    return written
