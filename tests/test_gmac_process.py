"""Every test starts gmac through tests.gmac_process, so none depends on what `PATH` holds."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests.gmac_process import gmac_executable, run_gmac

TESTS = Path(__file__).resolve().parent
HELPER = TESTS / "gmac_process.py"
# Ways of starting gmac that bypass the helper: by name from PATH, or as a module.
BYPASSES = re.compile(
    r"""(?<!== )\[\s*["']gmac["']\s*[,\]]"""  # ["gmac", ...], not a manifest compared to it
    r"""|["']-m["']\s*,\s*["']gmac["']"""  # [python, "-m", "gmac", ...]
    r"""|which\(\s*["']gmac["']\s*\)"""  # shutil.which("gmac")
)


def test_the_console_script_is_the_one_beside_the_interpreter() -> None:
    assert gmac_executable().parent == Path(sys.executable).parent


def test_gmac_runs_with_nothing_of_it_on_path(tmp_path: Path) -> None:
    result = run_gmac(["--version"], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert result.code == 0, str(result)
    assert result.stdout.startswith("gmac "), str(result)


def test_no_test_starts_gmac_another_way() -> None:
    offenders = [
        f"{path.relative_to(TESTS)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in sorted(TESTS.rglob("*.py"))
        if path not in (HELPER, Path(__file__).resolve())
        for text in [path.read_text(encoding="utf-8")]
        for match in BYPASSES.finditer(text)
    ]
    assert not offenders, f"start gmac with tests.gmac_process instead: {offenders}"
