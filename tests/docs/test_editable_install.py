"""`scripts/bootstrap` installs gmac in editable mode, and a new user reads what it prints:
the install must say nothing setuptools would box as a warning, and put the checkout on
`sys.path` with a plain `.pth` line rather than an import hook of its own (which every start
of `gmac` would run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_editable_install_warns_of_nothing_and_adds_a_plain_path(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # As scripts/bootstrap runs it, without --quiet: everything the build says is shown.
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-v", "-e", str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "********" not in said and "!!\n" not in said, said  # setuptools' warning box
    assert "SetuptoolsDeprecationWarning" not in said and "_DiscoverPackages" not in said, said
    (site,) = venv.glob("lib/python*/site-packages")
    (pth,) = site.glob("__editable__.gmac-*.pth")
    lines = pth.read_text(encoding="utf-8").split()
    assert lines == [str(REPO)], f"{pth.name} holds {lines}, not the checkout's folder"
    assert not list(site.glob("__editable___gmac_*_finder.py")), "an import hook was installed"
