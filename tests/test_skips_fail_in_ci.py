"""The root conftest's rule: in CI every skip is a failure, however it was raised."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT_CONFTEST = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")
SKIPPING = """
import pytest

def test_skips_in_the_body():
    pytest.skip("no such tool")

@pytest.fixture
def tool():
    pytest.skip("no such server")

def test_skips_in_a_fixture(tool):
    pass

def test_imports_what_is_missing():
    pytest.importorskip("no_such_module_anywhere")

@pytest.mark.skip(reason="marked")
def test_marked():
    pass

def test_passes():
    pass
"""
SKIPPING_AT_COLLECTION = """
import pytest

pytest.importorskip("no_such_module_anywhere")

def test_never_collected():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for variable in ("CI", "GMAC_REQUIRE_REAL"):
        monkeypatch.delenv(variable, raising=False)
    pytester.makeconftest(ROOT_CONFTEST.replace('pytest_plugins = ["pytester"]', ""))
    pytester.makepyfile(test_skipping=SKIPPING, test_at_collection=SKIPPING_AT_COLLECTION)
    return pytester


def test_outside_ci_skips_stay_skips(suite: pytest.Pytester) -> None:
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=5)


@pytest.mark.parametrize("variable", ["CI=true", "GMAC_REQUIRE_REAL=1"])
def test_in_ci_every_skip_fails_with_its_reason(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    name, value = variable.split("=")
    monkeypatch.setenv(name, value)
    # A module skipped while collecting is an error that stops the run: show the rest too.
    result = suite.runpytest_subprocess(
        "-p", "no:cacheprovider", "--continue-on-collection-errors", "-rA"
    )
    # Skips in setup (a fixture, a marker) become errors, in the body failures.
    result.assert_outcomes(passed=1, failed=2, errors=3)
    assert result.ret != 0
    text = result.stdout.str()
    rule = "skipped in CI, which counts as a failure (CI=true or GMAC_REQUIRE_REAL=1): "
    for reason in ("no such tool", "no such server", "could not import", "marked"):
        assert rule + reason in text, reason
