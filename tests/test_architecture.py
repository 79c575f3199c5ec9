"""The house rules that import-linter does not check (its contracts are in pyproject.toml and
run in scripts/test): module size, and which layer alone may import what."""

from __future__ import annotations

import ast
from pathlib import Path

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
