"""A real browser for the panel's tests: Debian's Chromium driven by Playwright for Python.

`playwright install` would download a browser of its own, which cannot be had here: the tests
launch Debian's `/usr/bin/chromium` (scripts/install-system-packages installs it), and
pyproject pins `playwright` to the release built for that Chromium's major version (1.64.x
for Chromium 156). Without either the test is skipped, which fails in CI (tests/conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.real import require

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, closed at the end; yields Playwright's `Browser`."""
    sync_api = require(_playwright(), "playwright (Python)", "pip install -e '.[dev]'")
    require(shutil.which(CHROMIUM), "chromium", "run scripts/install-system-packages")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()


def _playwright() -> Any:
    try:
        from playwright import sync_api
    except ImportError:
        return None
    return sync_api
