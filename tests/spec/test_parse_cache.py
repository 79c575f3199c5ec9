"""The cache of parsed spec files: a load that takes files from it gives exactly what a load
that parses every file gives (data, problems, and the position of every node), parses only
the files that changed, and trusts no cache file but one this user's key signed."""

from __future__ import annotations

import hashlib
import hmac
import marshal
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from gmac.errors import SpecError
from gmac.load import Document, files, load_specs, parse_cache, variable_paths
from gmac.validate import validate_directory

from .conftest import SpecProject

API = "services/api.yaml"


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """A home of the test's own, so the user's key is made here."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.delenv("GMAC_SPEC_CACHE", raising=False)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files each load parses (the rest it took from the cache)."""
    seen: list[str] = []
    real = files.read_documents

    def counting(text: str, file: str) -> Any:
        seen.append(file)
        return real(text, file)

    monkeypatch.setattr(files, "read_documents", counting)
    yield seen


def _cache_files(root: Path) -> list[Path]:
    return sorted((root / parse_cache.CACHE_DIR).glob("*.bin"))


def _every_position(document: Document) -> dict[tuple[Any, ...], tuple[int, int]]:
    """Where each value and each key stands, as `locate` answers for it."""
    source = document.source
    found = {("value", *path): source.locate(path) for path in source.values}
    found.update({("key", *path): source.locate(path, at_key=True) for path in source.keys})
    return found


def _same_load(specs: Path) -> list[Document]:
    """Load with the cache and without it; both must agree in every respect."""
    cached, cached_problems = load_specs(specs)
    fresh, fresh_problems = load_specs(specs, cache=False)
    assert cached_problems == fresh_problems
    assert [d.file for d in cached] == [d.file for d in fresh]
    # repr: `True == 1` and `nan != nan`, but their texts tell them apart.
    assert [repr(d.data) for d in cached] == [repr(d.data) for d in fresh]
    assert [_every_position(d) for d in cached] == [_every_position(d) for d in fresh]
    found = [variable_paths(d.data) if d.variables is None else d.variables for d in cached]
    assert found == [variable_paths(d.data) for d in fresh]
    return cached


def test_a_second_load_parses_no_unchanged_file(project: SpecProject, parsed: list[str]) -> None:
    documents, _ = load_specs(Path("specs"))
    every_file = sorted({document.file for document in documents})
    assert sorted(parsed) == every_file
    parsed.clear()
    _same_load(Path("specs"))
    # The second load's own parse is the one without the cache, `_same_load`'s check.
    assert sorted(parsed) == every_file
    parsed.clear()
    again, _ = load_specs(Path("specs"))
    assert parsed == []
    assert [d.data for d in again] == [d.data for d in documents]


def test_an_edited_file_is_parsed_again_and_only_it(
    project: SpecProject, parsed: list[str]
) -> None:
    load_specs(Path("specs"))
    project.replace(API, "LOG_LEVEL: info", "LOG_LEVEL: warn")
    parsed.clear()
    documents, _ = load_specs(Path("specs"))
    assert parsed == ["specs/services/api.yaml"]
    api = next(d for d in documents if d.name == "api")
    assert api.data["env"]["LOG_LEVEL"] == "warn"
    _same_load(Path("specs"))


def test_problems_in_cached_files_are_placed_as_without_the_cache(
    project: SpecProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation finds the problem in a file the load took from the cache: its position
    comes from parsing that file's text again, the same as a load without the cache."""
    project.replace(API, "port: 8080", "port: 80800")
    load_specs(Path("specs"))  # the file parses: it is cached, the problem is validation's
    with pytest.raises(SpecError) as cached:
        validate_directory(Path("specs"))
    monkeypatch.setenv("GMAC_SPEC_CACHE", "off")
    with pytest.raises(SpecError) as fresh:
        validate_directory(Path("specs"))
    assert [str(p) for p in cached.value.problems] == [str(p) for p in fresh.value.problems]
    assert any(str(p).startswith("specs/services/api.yaml:") for p in cached.value.problems)


def test_a_file_with_problems_is_parsed_every_time(project: SpecProject, parsed: list[str]) -> None:
    project.write("services/broken.yaml", "kind: Service\nname: x\nname: y\n")
    first = load_specs(Path("specs"))[1]
    parsed.clear()
    again = load_specs(Path("specs"))[1]
    assert "specs/services/broken.yaml" in parsed
    assert [str(p) for p in again] == [str(p) for p in first]
    assert any("duplicate key" in str(p) for p in again)


def _entries(root: Path) -> dict[str, Any]:
    key = (Path.home() / ".cache" / "gmac" / "spec-cache.key").read_bytes()
    [path] = _cache_files(root)
    return parse_cache._read(path, key)


def test_a_removed_file_leaves_the_cache(project: SpecProject) -> None:
    load_specs(Path("specs"))
    assert API in _entries(project.root)
    project.path(API).unlink()
    load_specs(Path("specs"))
    entries = _entries(project.root)
    assert API not in entries
    assert entries  # the other files are still there


def _forged(root: Path, key: bytes) -> None:
    """Every cached file's data replaced by another service's, signed with `key`."""
    [path] = _cache_files(root)
    body = path.read_bytes()[32:]
    found_format, entries = marshal.loads(body)
    other = [({"apiVersion": "gmac.io/v1", "kind": "Service", "name": "intruder"}, ())]
    forged = {name: (digest, marshal.dumps(other)) for name, (digest, _) in entries.items()}
    body = marshal.dumps((found_format, forged))
    path.write_bytes(hmac.new(key, body, hashlib.sha256).digest() + body)


def test_a_cache_signed_by_another_key_is_ignored(project: SpecProject) -> None:
    """A cache file brought by a checkout (or written by anyone without this user's key)
    cannot put other data behind a spec than its text says."""
    load_specs(Path("specs"))
    _forged(project.root, os.urandom(32))
    documents = _same_load(Path("specs"))
    assert "intruder" not in {d.name for d in documents}
    # The same forgery under the user's own key would be believed: the key is what guards.
    _forged(project.root, (Path.home() / ".cache/gmac/spec-cache.key").read_bytes())
    assert "intruder" in {d.name for d in load_specs(Path("specs"))[0]}


def test_a_damaged_cache_is_no_cache(project: SpecProject) -> None:
    load_specs(Path("specs"))
    [path] = _cache_files(project.root)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    _same_load(Path("specs"))
    path.write_bytes(b"")
    _same_load(Path("specs"))


def test_a_cache_of_another_parser_is_ignored(
    project: SpecProject, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_specs(Path("specs"))
    monkeypatch.setattr(parse_cache, "_format", lambda: b"another version of the parser")
    parsed.clear()
    load_specs(Path("specs"))
    assert len(parsed) > 1


def test_off_writes_nothing_and_no_home_still_loads(
    project: SpecProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GMAC_SPEC_CACHE", "off")
    load_specs(Path("specs"))
    assert _cache_files(project.root) == []
    monkeypatch.delenv("GMAC_SPEC_CACHE")
    home = tmp_path / "read-only-home"
    home.mkdir(mode=0o500)
    monkeypatch.setenv("HOME", str(home))
    if os.access(home, os.W_OK):  # root writes anywhere: a file where the folder would be
        home.chmod(0o700)
        (home / ".cache").write_text("not a folder")
    assert load_specs(Path("specs"))[0]
    assert _cache_files(project.root) == []


# YAML texts, some invalid, edited one after another: after every edit the cached load and
# the fresh load agree.
_SCALARS = st.one_of(
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.text("ab{}: #-\n'\"", max_size=6),
    st.sampled_from(["on", "0o17", "1e3", ".inf", ".nan", "~", "{domain}", "api.{env}"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text("abc", max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
_TEXTS = st.one_of(
    _VALUES.map(lambda value: yaml.safe_dump(value, sort_keys=False)),
    _VALUES.map(lambda value: yaml.safe_dump(value, default_flow_style=True)),
    st.sampled_from(
        [
            "a: 1\na: 2\n",
            "a: [1,\n",
            "- &x [*x]\n",
            "kind: Service\n---\nname: b\n",
            "a: !!binary aGk=\n",
            "x: 1\r\ny: 2\r\n",
            "# only a comment\n",
            "",
        ]
    ),
)


@given(
    edits=st.lists(
        st.tuples(st.sampled_from(["a.yaml", "b.yaml", "c/d.yaml"]), _TEXTS), min_size=1, max_size=6
    )
)
def test_any_sequence_of_edits_loads_as_without_the_cache(
    edits: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    specs = tmp_path_factory.mktemp("edits") / "specs"
    for name, text in edits:
        path = specs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        _same_load(specs)
