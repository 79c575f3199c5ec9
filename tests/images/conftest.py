"""Real image builds: buildah (vfs, chroot isolation), Debian's docker-registry on 127.0.0.1,
the base images the templates name made on this machine (gmac.dev.base_images, cached in
buildah's storage under ~/.cache/gmac), skopeo and umoci to read what was pushed.

Without one of them the tests skip saying how to get it; in CI a skip is a failure
(tests/conftest.py). Build times and image sizes are printed at the end of the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.dev.servers import RegistryServer
from tests.images import _project as shared
from tests.images._project import TIMINGS, BuildProject, make_project

# The fixtures tests/cluster/test_images.py uses too.
buildah = shared.buildah
bases = shared.bases
registry = shared.registry


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("image build timings and sizes")
        for label, value in TIMINGS.items():
            terminalreporter.write_line(f"{label}: {value}")


@pytest.fixture
def project(tmp_path: Path, registry: RegistryServer, bases: None) -> BuildProject:
    return make_project(tmp_path, registry.host)
