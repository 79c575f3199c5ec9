"""`gmac new service` and `gmac templates`, run as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from gmac.load.templates import BUILTIN_TEMPLATES

from .conftest import gmac


def _graph(project: Path, env: str) -> list[dict[str, object]]:
    result = gmac("graph", "--env", env, "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    resources: list[dict[str, object]] = json.loads(result.stdout)["resources"]
    return resources


def test_templates_list_and_show(project: Path) -> None:
    listed = gmac("templates", "list", cwd=project)
    assert listed.returncode == 0, listed.stderr
    for name in ("go-api", "nextjs-web", "worker", "database"):
        assert name in listed.stdout
    shown = gmac("templates", "show", "go-api", "--json", cwd=project)
    data = json.loads(shown.stdout)
    assert data["defaults"]["port"] == 8080
    assert "port" in [q["field"] for q in data["questions"]]
    assert "main.go" in data["files"]
    unknown = gmac("templates", "show", "go-apy", cwd=project)
    assert unknown.returncode == 1
    assert "unknown template 'go-apy' (did you mean 'go-api'?)" in unknown.stderr


def test_new_service_with_flags_validates_and_compiles(project: Path) -> None:
    result = gmac(
        "new", "service", "orders", "--template", "go-api", "--yes",
        "--port", "8081", "--env", "staging", "--env", "production",
        "--replicas", "staging=1", "--replicas", "production=3",
        "--cpu", "250m", "--memory", "256Mi", "--host", "orders.{domain}",
        "--uses", "stripe", "--secret", "stripe-secret-key",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "created service orders" in result.stdout
    spec = yaml.safe_load((project / "specs/services/orders.yaml").read_text())
    assert spec == {
        "apiVersion": "gmac.io/v1",
        "kind": "Service",
        "name": "orders",
        "template": "go-api",
        "repo": {"default_branch": "main", "initial_files": "services/orders"},
        "image": {"build": True, "context": "services/orders"},
        "port": 8081,
        "health": {"path": "/healthz"},
        "environments": ["staging", "production"],
        "replicas": {"staging": 1, "production": 3},
        "resources": {"cpu": "250m", "memory": "256Mi"},
        "ingress": {"host": "orders.{domain}"},
        "uses": ["stripe"],
        "secrets": ["stripe-secret-key"],
    }
    assert 'defaultPort        = "8081"' in (project / "services/orders/main.go").read_text()

    validated = gmac("validate", cwd=project)
    assert validated.returncode == 0, validated.stderr
    resources = _graph(project, "staging")
    kinds = {(r["type"], r["name"]) for r in resources}
    assert ("kubernetes:apps/v1:Deployment", "orders") in kinds
    assert ("kubernetes:networking.k8s.io/v1:Ingress", "orders") in kinds
    repo = next(r for r in resources if r["name"] == "orders-repo")
    files = repo["inputs"]["files"]  # type: ignore[index]
    assert {"main.go", "go.mod", "go.sum", "Dockerfile", ".gitea/workflows/build.yaml"} <= set(
        files
    )
    # Not in an environment it was not asked for.
    assert "orders" not in {r["name"] for r in _graph(project, "local")}


def test_new_service_asks_again_after_an_invalid_answer(project: Path) -> None:
    answers = [
        "go-apy",  # no such template: asked again
        "nextjs-web",
        "70000",  # port out of range: asked again
        "3001",
        "staging, prodution",  # unknown environment: asked again
        "staging",
        "",  # replicas: the default, 1
        "",  # cpu: the template's 200m
        "512m",  # thousandths of a byte: asked again
        "512Mi",
        "panel2.{domian}",  # unknown variable: asked again
        "panel2.{domain}",
        "strip",  # unknown integration: asked again
        "",
        "nextauth-secret",
    ]
    result = gmac("new", "service", "panel2", cwd=project, stdin="\n".join(answers) + "\n")
    assert result.returncode == 0, result.stdout + result.stderr
    errors = result.stderr
    assert "unknown template 'go-apy' (did you mean 'go-api'?)" in errors
    assert "port: Input should be less than or equal to 65535" in errors
    assert "unknown environment 'prodution' (did you mean 'production'?)" in errors
    assert "'512m' means thousandths of a byte (did you mean '512Mi'?)" in errors
    assert "unknown variable '{domian}' (did you mean '{domain}'?)" in errors
    assert "unknown integration 'strip' (did you mean 'stripe'?)" in errors
    assert result.stdout.count("Port the server listens on") == 2
    spec = yaml.safe_load((project / "specs/services/panel2.yaml").read_text())
    assert spec["port"] == 3001
    assert spec["environments"] == ["staging"]
    assert spec["replicas"] == 1
    assert spec["resources"] == {"cpu": "200m", "memory": "512Mi"}
    assert spec["metrics"] == {"path": "/api/metrics"}
    assert spec["secrets"] == ["nextauth-secret"]
    assert "uses" not in spec
    assert gmac("validate", cwd=project).returncode == 0


def test_end_of_input_is_an_error_not_a_hang(project: Path) -> None:
    result = gmac("new", "service", "half", "--template", "worker", cwd=project, stdin="staging\n")
    assert result.returncode == 1
    assert "end of input" in result.stderr
    assert not (project / "specs/services/half.yaml").exists()
    assert not (project / "services").exists()


def test_bad_flags_are_refused_before_anything_is_written(project: Path) -> None:
    cases = {
        ("--port", "0"): "port: Input should be greater than or equal to 1",
        ("--secret", "stripe-secret-ky"): "unknown secret 'stripe-secret-ky' (did you mean",
        ("--replicas", "prod=2"): "unknown environment 'prod' (did you mean 'production'?)",
        ("--cpu", "lots"): "'lots' is not a Kubernetes quantity",
    }
    for flags, message in cases.items():
        result = gmac("new", "service", "svc", "-t", "go-api", "--yes", *flags, cwd=project)
        assert result.returncode == 1, flags
        assert message in result.stderr, result.stderr
    name = gmac("new", "service", "Bad_Name", "-t", "go-api", "--yes", cwd=project)
    assert name.returncode == 1
    assert "is not a valid name" in name.stderr
    worker = gmac("new", "service", "svc", "-t", "worker", "--yes", "--port", "80", cwd=project)
    assert "template 'worker' does not ask for 'port'" in worker.stderr
    assert not (project / "services").exists()
    assert not (project / "specs/services/svc.yaml").exists()


def test_refuses_to_overwrite_without_force(project: Path) -> None:
    first = gmac("new", "service", "jobs", "-t", "worker", "--yes", cwd=project)
    assert first.returncode == 0, first.stderr
    (project / "services/jobs/main.go").write_text("// edited\n")
    again = gmac("new", "service", "jobs", "-t", "worker", "--yes", cwd=project)
    assert again.returncode == 1
    assert "service 'jobs' already exists" in again.stderr
    assert (project / "services/jobs/main.go").read_text() == "// edited\n"
    taken = gmac("new", "service", "api", "-t", "go-api", "--yes", cwd=project)
    assert "service 'api' already exists" in taken.stderr
    forced = gmac("new", "service", "jobs", "-t", "worker", "--yes", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert "// edited" not in (project / "services/jobs/main.go").read_text()


def test_an_invalid_result_leaves_nothing_behind(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole project is validated with the new files; when it fails they are removed."""
    templates = tmp_path / "templates"
    shutil.copytree(BUILTIN_TEMPLATES, templates)
    broken = templates / "broken"
    (broken / "files").mkdir(parents=True)
    (broken / "files" / "README.md").write_text("# {{ name }}\n")
    (broken / "template.yaml").write_text(
        "name: broken\ndescription: makes an invalid spec\n"
        "spec:\n  replicas: {prod: 2}\n"
        "questions:\n  - {field: environments, type: environments, optional: true}\n"
    )
    before = _files(project)
    monkeypatch.setenv("GMAC_TEMPLATES", str(templates))
    result = gmac("new", "service", "bad", "-t", "broken", "--yes", cwd=project)
    assert result.returncode == 1
    assert "specs/services/bad.yaml" in result.stderr
    assert "replicas.prod: unknown environment 'prod'" in result.stderr
    assert _files(project) == before


def _files(project: Path) -> list[Path]:
    """Every path in the project but the parse cache's (`.gmac/parsed/`, gmac.load.parse_cache:
    what validating parsed, which a next load puts right) and the `.gmac` folder it is in:
    they are no file of the service."""
    cache = project / ".gmac" / "parsed"
    skipped = {cache, cache.parent}
    return sorted(
        p.relative_to(project)
        for p in project.rglob("*")
        if p not in skipped and cache not in p.parents
    )


def test_code_dir_outside_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    result = gmac(
        "new", "service", "x", "-t", "worker", "--yes", "--code-dir", str(tmp_path.parent),
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 1
    assert "outside the project root" in result.stderr


def test_code_dir_option(project: Path) -> None:
    result = gmac(
        "new", "service", "hooks", "-t", "worker", "--yes", "--code-dir", "apps/hooks",
        cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    spec = yaml.safe_load((project / "specs/services/hooks.yaml").read_text())
    assert spec["repo"]["initial_files"] == "apps/hooks"
    assert (project / "apps/hooks/main.go").is_file()
