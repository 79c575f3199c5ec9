"""What the tests of a plan's key share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of gmac's own source, for the edits of an editable install (shared by the
    examples: each compares its key before and after its own edits)."""
    folder = tmp_path_factory.mktemp("source")
    for package in ("gmac", "components"):
        skipped = shutil.ignore_patterns("__pycache__")
        shutil.copytree(REPO / package, folder / package, ignore=skipped)
    return folder
