"""What every test shares: in CI a skip is a failure.

A test that needs a real tool or server (the Pulumi engine, Gitea, a control plane, promtool,
Go, a browser) skips where it is missing, so that a developer without it can still run the
rest. In CI (`CI=true` or `GMAC_REQUIRE_REAL=1`) nothing may pass by not running: every skip,
however it was raised (`pytest.skip`, `importorskip`, a skip marker, at collection or in a
fixture), is reported as a failure with its reason, here, in one place for the whole suite.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Generator
from typing import Any

import pytest

pytest_plugins = ["pytester"]

# A shell that starts the suite in the background makes it ignore Ctrl-C, and children
# inherit an ignored signal: the tests that interrupt gmac (as a terminal would) need the
# default one. A handler of Python's own is reset to the default in every child.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Every gmac the suite runs keeps its registry in a temporary folder, on purpose: in CI
# (CI=true), `gmac apply` and `destroy` refuse a registry on the runner's disk unless told
# (GMAC_EPHEMERAL_REGISTRY=1, or --ephemeral-registry; gmac.app.recording). Helpers that
# build a gmac's environment from scratch set it themselves.
os.environ.setdefault("GMAC_EPHEMERAL_REGISTRY", "1")


@pytest.fixture(autouse=True)
def _ephemeral_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Set again for every test: a worker runs many test files in one process, and one that
    left the variable out of the environment must not turn the next ones' applies away."""
    monkeypatch.setenv("GMAC_EPHEMERAL_REGISTRY", "1")


def require_real() -> bool:
    return os.environ.get("CI") == "true" or os.environ.get("GMAC_REQUIRE_REAL") == "1"


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    longrepr: Any = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail") and require_real():
        report.outcome = "failed"
        report.longrepr = (
            f"skipped in CI, which counts as a failure (CI=true or GMAC_REQUIRE_REAL=1): "
            f"{_reason(report)}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any]:
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[Any]:
    outcome = yield
    _fail_skip(outcome.get_result())
