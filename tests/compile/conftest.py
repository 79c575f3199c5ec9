"""Fixtures for the compiler tests: the example project, small projects built in code, and the
Prometheus tools that check generated configuration.

    pytest tests/compile --update-golden     rewrite tests/compile/golden/ from this run
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gmac.compile import CompileContext, ResourceGraph, build_graph
from gmac.models import Integration, Project, Service
from gmac.validate import Spec, validate_directory

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_SPECS = REPO / "specs"
GOLDEN = Path(__file__).resolve().parent / "golden"
ENVIRONMENTS = ("local", "staging", "production")

INSTALL_HINT = "install it with scripts/install-system-packages"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files of tests/compile from this run instead of comparing.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    # The option exists when tests/compile is on the command line (its conftest is then read
    # before the arguments are parsed); GMAC_UPDATE_GOLDEN=1 works from anywhere.
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:
        flag = False
    return flag or os.environ.get("GMAC_UPDATE_GOLDEN") == "1"


KEEP_VARIABLES = ("GMAC_UPDATE_GOLDEN", "GMAC_REQUIRE_REAL")


@pytest.fixture(scope="session", autouse=True)
def _compile_as_in_ci() -> Iterator[None]:
    """What the specs compile to must not depend on the machine: GMAC_* settings (API bases
    of test servers, a templates folder, a builder image) are cleared for these tests."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("GMAC_") and name not in KEEP_VARIABLES:
                patch.delenv(name)
        yield


@pytest.fixture(scope="session")
def example_specs() -> dict[str, Spec]:
    return validate_directory(EXAMPLE_SPECS, None)


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is not None:
        return path
    # A skip; in CI a failure (tests/conftest.py).
    pytest.skip(f"{name} is not installed (Debian package '{package}'): {INSTALL_HINT}")


# Projects built in code --------------------------------------------------------------------

ENV = "staging"
PROJECT: dict[str, Any] = {
    "kind": "Project",
    "name": "shop",
    "owner": "ops",
    "images": {"registry": "registry.example.org/shop"},
    "environments": {
        "local": {"kubernetes": {"render_to": ".render"}, "integrations": "offline"},
        "staging": {
            "kubernetes": {"context": "staging", "namespace": "shop-staging"},
            "integrations": "offline",
        },
    },
    "monitoring": {
        "alertmanager": {
            "email": {
                "to": "ops@example.org",
                "from": "alerts@example.org",
                "smarthost": "smtp.example.org:587",
            }
        },
        "loki": {"retention": "14d"},
    },
    "secrets": {"db-password": {}, "api-key": {}, "smtp-password": {}},
}


def make_spec(
    services: Iterable[Mapping[str, Any]],
    *,
    env: str = ENV,
    project: Mapping[str, Any] | None = None,
    integrations: Iterable[Integration] = (),
) -> Spec:
    """A Spec as validation makes it, from plain documents (per-environment values allowed)."""
    context = {"env": env, "environments": list(PROJECT["environments"])}
    project_model = Project.model_validate(dict(project or PROJECT), context=context)
    models = tuple(
        Service.model_validate({"kind": "Service", **doc}, context=context) for doc in services
    )
    return Spec(env=env, project=project_model, services=models, integrations=tuple(integrations))


def graph_of(
    spec: Spec, secret_values: Mapping[str, str] | None = None, **kwargs: Any
) -> ResourceGraph:
    return build_graph(CompileContext(spec, secret_values), **kwargs)


GraphOf = Callable[..., ResourceGraph]
