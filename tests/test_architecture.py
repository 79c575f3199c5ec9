"""The house rules that import-linter does not check (its contracts are in pyproject.toml and
run in scripts/test): module size, and which layer alone may import what."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gmac", "components")
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in _modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these by responsibility: {long}"


def test_only_the_engine_imports_the_automation_api() -> None:
    engine = ROOT / "gmac" / "engine"
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules()
        if engine not in path.parents
        and any(name.startswith("pulumi.automation") for name in _imports(path))
    ]
    assert not offenders, offenders


def test_the_rules_are_read_from_real_files() -> None:
    """A check over no files passes for nothing: make sure both packages were read."""
    modules = _modules()
    assert len(modules) > 100
    assert any("pulumi.automation" in name for name in _imports(ROOT / "gmac/engine/stack.py"))


def test_the_engine_commands_names_are_each_found_where_the_index_says() -> None:
    """gmac.app.operations imports each name when first used (a plan answered the short way
    loads no spec): every name it offers is found in the module it names, and only those."""
    from gmac.app import operations

    modules: dict[str, str] = vars(operations)["_MODULES"]
    assert sorted(modules) == sorted(operations.__all__)
    for name, module in modules.items():
        assert getattr(operations, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError):
        _ = operations.no_such_name  # type: ignore[attr-defined]
