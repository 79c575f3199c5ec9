"""The quick parse (gmac.load.data_only) gives the full parse's data, or leaves the file to it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gmac.load import Document, parse_documents
from gmac.load.data_only import parse_data
from gmac.load.files import read_documents
from gmac.load.yaml_source import MAX_DEPTH

from .conftest import EXAMPLE_SPECS
from .test_fuzz import YAMLISH

EXAMPLE_TEXTS = {
    str(path.relative_to(EXAMPLE_SPECS)): path.read_text(encoding="utf-8")
    for path in sorted(EXAMPLE_SPECS.rglob("*.yaml"))
}

_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=8),
        st.sampled_from(["on", "no", "0o17", "0x1F", "1e3", ".inf", "-.Inf", ".nan", "~", ""]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)
_DATA = st.dictionaries(st.text(max_size=4), _VALUES, min_size=1)
_DUMPED = _DATA.flatmap(
    lambda data: st.sampled_from(
        [yaml.safe_dump(data, sort_keys=False), yaml.safe_dump(data, default_flow_style=True)]
    )
)
# Every scalar quoted and tagged (`!!int "1"`): the full parse's own work.
_QUOTED = _DATA.map(lambda data: yaml.safe_dump(data, default_style='"'))


def _positions(document: Document) -> dict[tuple[Any, ...], tuple[int, int]]:
    source = document.source
    found = {("value", *path): source.locate(path) for path in source.values}
    found.update({("key", *path): source.locate(path, at_key=True) for path in source.keys})
    return found


def _agrees_with_the_full_parse(text: str) -> list[dict[str, Any]] | None:
    """parse_data's answer, after checking it against parse_documents' when it gives one."""
    quick = parse_data(text)
    if quick is not None:
        documents, problems = parse_documents(text, "x.yaml")
        assert problems == []
        # repr: `True == 1` and `nan != nan`, but their texts tell them apart.
        assert repr(quick) == repr([document.data for document in documents])
    return quick


@given(text=st.one_of(YAMLISH, _DUMPED, _QUOTED))
def test_any_text_parses_to_the_full_parse_data_or_is_left_to_it(text: str) -> None:
    _agrees_with_the_full_parse(text)


@given(text=_DUMPED)
def test_plain_data_takes_the_quick_parse(text: str) -> None:
    assert _agrees_with_the_full_parse(text) is not None


@pytest.mark.parametrize("name", sorted(EXAMPLE_TEXTS))
def test_the_example_takes_the_quick_parse_and_is_placed_as_by_the_full_one(name: str) -> None:
    text = EXAMPLE_TEXTS[name]
    assert _agrees_with_the_full_parse(text) is not None
    quick, quick_problems = read_documents(text, name)
    full, _ = parse_documents(text, name)
    assert quick_problems == []
    assert [_positions(document) for document in quick] == [
        _positions(document) for document in full
    ]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # a duplicate key
        "a: [1,\n",  # invalid YAML
        "a: !!binary aGk=\n",  # a tag the full parse refuses
        "port: !!int 80\n",  # a tag it types
        "base: &b {x: 1}\nc:\n  <<: *b\n",  # a merge key
        "? [a, b]\n: c\n",  # a key that is a list
        "r: &r {self: *r}\n",  # a recursive alias
        "- a\n- b\n",  # a document that is not a mapping
        "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",  # too deep
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n"
            for previous, name in zip("abcde", "bcdef", strict=True)
        ),  # an alias bomb
    ],
)
def test_what_only_the_full_parse_handles_is_left_to_it(text: str) -> None:
    assert parse_data(text) is None
    assert read_documents(text, "x.yaml") == parse_documents(text, "x.yaml")
