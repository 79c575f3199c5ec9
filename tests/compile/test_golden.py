"""The graph of each environment of the example project, against its golden file.

A change in what the specs compile to shows here as a diff of the golden file: review it, then
refresh with `pytest tests/compile --update-golden`.
"""

from __future__ import annotations

import importlib
import json

import pytest

from gmac.compile import CompileContext, build_graph
from gmac.validate import Spec
from tests.compile.conftest import ENVIRONMENTS, GOLDEN

INTEGRATION_COMPONENTS = (
    "components.repository",
    "components.image",
    "components.stripe",
    "components.turso",
    "components.webhook",
)


def _needs_integrations(spec: Spec) -> None:
    """Online environments compile the integration components: guard on their real import."""
    if spec.environment.integrations == "offline":
        return
    for module in INTEGRATION_COMPONENTS:
        importlib.import_module(module)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_graph_matches_golden_file(
    env: str, example_specs: dict[str, Spec], update_golden: bool
) -> None:
    spec = example_specs[env]
    _needs_integrations(spec)
    text = build_graph(CompileContext(spec)).to_json()
    golden = GOLDEN / f"graph-{env}.json"
    if update_golden:
        golden.write_text(text, encoding="utf-8")
        # What was written is what the next run compares with: it must read back the same
        # and be the graph as JSON (a refreshed golden file is a test result too).
        assert golden.read_text(encoding="utf-8") == text
        assert json.loads(text)["stack"] == env
    assert golden.exists(), f"no {golden.name}: run pytest tests/compile --update-golden"
    assert text == golden.read_text(encoding="utf-8"), (
        f"the graph of '{env}' changed; if intended: pytest tests/compile --update-golden"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_graph_is_the_same_on_every_run(env: str, example_specs: dict[str, Spec]) -> None:
    spec = example_specs[env]
    _needs_integrations(spec)
    first = build_graph(CompileContext(spec)).to_json()
    assert build_graph(CompileContext(spec)).to_json() == first


def test_golden_files_hold_no_secret_value() -> None:
    """Secrets read [secret] in graphs: no golden file may hold a Secret's data."""
    for path in sorted(GOLDEN.glob("graph-*.json")):
        graph = json.loads(path.read_text(encoding="utf-8"))
        for resource in graph["resources"]:
            if resource["type"] == "kubernetes:core/v1:Secret":
                inputs = resource["inputs"]
                for field in ("data", "stringData"):
                    assert inputs.get(field, "[secret]") == "[secret]", (
                        path.name,
                        resource["name"],
                    )
