"""Fixtures for the spec language tests: a copy of the example specs to break, one at a time."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from gmac.errors import SpecError
from gmac.validate import Spec, validate_directory
from tests.gmac_process import gmac_command

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPECS = REPO / "specs"

# deadline=None: a first example pays for imports and template reading, and a shared CI
# machine's timing says nothing. The example counts are set per test (GMAC_FUZZ_SCALE in
# test_fuzz.py multiplies them).
settings.register_profile(
    "gmac",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gmac"))


@dataclass
class SpecProject:
    """A copy of specs/ under a temporary directory that is also the working directory,
    so problems name files as `specs/services/api.yaml`, the way a user sees them."""

    root: Path

    @property
    def specs(self) -> Path:
        return self.root / "specs"

    def path(self, relative: str) -> Path:
        return self.specs / relative

    def read(self, relative: str) -> str:
        return self.path(relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str) -> None:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def replace(self, relative: str, old: str, new: str) -> None:
        """Replace the one occurrence of `old`: a test that edits nothing proves nothing."""
        text = self.read(relative)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        self.write(relative, text.replace(old, new))

    def validate(self, env: str | None = None) -> dict[str, Spec]:
        return validate_directory(Path("specs"), env)

    def problems(self, env: str | None = None) -> list[str]:
        """Every problem as the CLI prints it; fails the test when the specs are valid."""
        with pytest.raises(SpecError) as caught:
            self.validate(env)
        return [str(problem) for problem in caught.value.problems]

    def position(self, relative: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
        """The 1-based line and column of the n-th `needle` in a file, to check positions."""
        text = self.read(relative)
        offset = -1
        for _ in range(occurrence):
            offset = text.index(needle, offset + 1)
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return line, column


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SpecProject]:
    shutil.copytree(EXAMPLE_SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    yield SpecProject(tmp_path)


def run_gmac(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI; no run, passing or failing, may print a traceback."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("GMAC_DEBUG", "GMAC_SPECS")}
    environment = {**inherited, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    result = subprocess.run(
        gmac_command(*args),
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result
