"""`repo.initial_files`: checked by validation, committed by the Repository component."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.compile import CompileContext, build_graph
from gmac.errors import SpecError
from gmac.validate import validate_directory

SPEC = """apiVersion: gmac.io/v1
kind: Service
name: hello
template: worker
repo: {initial_files: code/hello}
image: {build: true, builder: cluster}  # built from its repository, as the example's services
"""


def _write_service(project: Path) -> None:
    (project / "specs/services/hello.yaml").write_text(SPEC)


def test_a_missing_folder_is_a_problem_at_its_line(project: Path) -> None:
    _write_service(project)
    with pytest.raises(SpecError) as caught:
        validate_directory(Path("specs"))
    assert [str(p) for p in caught.value.problems] == [
        "specs/services/hello.yaml:5:23: repo.initial_files: no folder 'code/hello': render one "
        "with 'gmac new service hello' or give the folder of the service's code, relative to "
        "the project root"
    ]


def test_an_absolute_folder_is_refused(project: Path) -> None:
    (project / "specs/services/hello.yaml").write_text(SPEC.replace("code/hello", "/tmp"))
    with pytest.raises(SpecError) as caught:
        validate_directory(Path("specs"))
    assert "'/tmp' must be a folder relative to the project root" in str(caught.value)


def test_the_folder_is_relative_to_the_project_root_not_the_working_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_service(project)
    (project / "code/hello").mkdir(parents=True)
    (project / "code/hello/main.go").write_text("package main\n")
    monkeypatch.chdir(project / "code")
    spec = validate_directory(project / "specs", "staging")["staging"]
    assert spec.root == project


def test_the_first_commit_holds_the_folder_less_what_it_ignores(project: Path) -> None:
    _write_service(project)
    code = project / "code/hello"
    for relative, text in {
        "main.go": "package main\n",
        ".gitignore": "/hello\n*.log\nbuild/\n",
        ".gitea/workflows/build.yaml": "name: build\n",
        "hello": "a built binary, ignored by name\n",
        "debug.log": "ignored by pattern\n",
        "build/out.txt": "ignored folder\n",
        "node_modules/x/index.js": "never committed\n",
        "docs/hello": "not anchored: kept\n",
    }.items():
        (code / relative).parent.mkdir(parents=True, exist_ok=True)
        (code / relative).write_text(text)
    (code / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    spec = validate_directory(Path("specs"), "staging")["staging"]
    graph = build_graph(CompileContext(spec))
    repo = next(node for node in graph.nodes if node.name == "hello-repo")
    assert repo.inputs["files"] == {
        ".gitea/workflows/build.yaml": "name: build\n",
        ".gitignore": "/hello\n*.log\nbuild/\n",
        "docs/hello": "not anchored: kept\n",
        "main.go": "package main\n",
    }


def test_without_initial_files_a_repository_starts_empty(project: Path) -> None:
    spec = validate_directory(Path("specs"), "staging")["staging"]
    graph = build_graph(CompileContext(spec))
    repos = [node for node in graph.nodes if node.type == "pulumi-python:dynamic/gitea:Repository"]
    assert repos
    assert all(node.inputs["files"] == {} for node in repos)
