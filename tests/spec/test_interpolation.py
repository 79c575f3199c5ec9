"""`{variables}` filled in along the paths found once per document, as a full walk would."""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gmac.load import SourceMap, interpolate, variable_paths

VARIABLES = {"env": "staging", "domain": "staging.gmac.io", "name": "api"}

# Text around variables, known and unknown ones, and braces that are no variable.
pieces = st.sampled_from(
    ["api.", "{domain}", "{env}", "{name}", "{nope}", '{code="5.."}', "{{ $labels.job }}", "x"]
)
texts = st.lists(pieces, max_size=4).map("".join)
keys = st.sampled_from(["host", "env", "labels", "expr", "items"])
trees = st.recursive(
    texts | st.integers() | st.booleans() | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=12,
)


def filled_everywhere(node: Any) -> Any:
    """Every string of the tree filled in, each on its own: what the paths must amount to."""
    if isinstance(node, str):
        return re.sub(
            r"(?<!\{)\{([a-z_][a-z0-9_]*)\}(?!\})",
            lambda match: VARIABLES.get(match.group(1), match.group(0)),
            node,
        )
    if isinstance(node, dict):
        return {key: filled_everywhere(value) for key, value in node.items()}
    if isinstance(node, list):
        return [filled_everywhere(item) for item in node]
    return node


def unknown_count(node: Any) -> int:
    if isinstance(node, str):
        return len(re.findall(r"(?<!\{)\{nope\}(?!\})", node))
    if isinstance(node, dict):
        return sum(unknown_count(value) for value in node.values())
    if isinstance(node, list):
        return sum(unknown_count(item) for item in node)
    return 0


@given(st.dictionaries(keys, trees, max_size=4))
def test_the_paths_fill_in_what_a_full_walk_does_and_leave_the_document_alone(
    data: dict[str, Any],
) -> None:
    before = copy.deepcopy(data)
    paths = variable_paths(data)
    for given_paths in (paths, None):  # found here, or by interpolate itself
        filled, problems = interpolate(data, VARIABLES, SourceMap("x.yaml"), given_paths)
        assert filled == filled_everywhere(data)
        assert len(problems) == unknown_count(data)
        assert all("unknown variable '{nope}'" in problem.message for problem in problems)
    assert data == before, "the document itself was changed"


def test_what_holds_no_variable_is_shared_and_what_does_is_a_new_copy() -> None:
    data = {"image": {"ref": "nginx"}, "ingress": {"host": "api.{domain}"}, "ports": [1, 2]}
    filled, problems = interpolate(data, VARIABLES, SourceMap("x.yaml"))
    assert problems == []
    assert filled == {
        "image": {"ref": "nginx"},
        "ingress": {"host": "api.staging.gmac.io"},
        "ports": [1, 2],
    }
    assert filled["image"] is data["image"] and filled["ports"] is data["ports"]
    assert filled is not data and filled["ingress"] is not data["ingress"]
    assert data["ingress"] == {"host": "api.{domain}"}
    assert variable_paths(data) == (("ingress", "host"),)
