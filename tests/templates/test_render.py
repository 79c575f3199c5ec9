"""Every template: its metadata, and what it renders into a project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gmac.app.scaffold import NewService, create_service, default_answer, read_project
from gmac.load.templates import catalogue

APP_TEMPLATES = ("go-api", "nextjs-web", "worker")
TEMPLATES = (*APP_TEMPLATES, "database")
# What each app serves, as its template's code says.
HEALTH = {"go-api": "/healthz", "nextjs-web": "/api/health", "worker": "/healthz"}
METRICS = {"go-api": "/metrics", "nextjs-web": "/api/metrics", "worker": "/metrics"}


def test_catalogue_holds_the_four_templates() -> None:
    templates = catalogue()
    assert set(TEMPLATES) <= set(templates)
    for name in TEMPLATES:
        info = templates[name]
        assert info.description, name
        assert info.questions, f"{name}: no questions"
        assert info.files.is_dir(), f"{name}: no files/ folder"


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_question_has_a_usable_default(name: str) -> None:
    """`--yes` answers every question with its default: each must exist or be optional."""
    info = catalogue()[name]
    for question in info.questions:
        default = default_answer(question, info, "svc")
        assert default is not None or question.optional, f"{name}: {question.field}"


def _create(project: Path, template: str, name: str) -> Path:
    state = read_project(Path("specs"))
    info = catalogue()[template]
    answers = {q.field: default_answer(q, info, name) for q in info.questions}
    created = create_service(state, NewService(name, info, answers))
    assert created.spec_file.resolve() == project / "specs" / "services" / f"{name}.yaml"
    assert created.code_dir == project / "services" / name
    return created.code_dir


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_renders_into_a_valid_project(project: Path, template: str) -> None:
    code = _create(project, template, f"new-{template}")
    rendered = [p for p in code.rglob("*") if p.is_file()]
    assert rendered
    source = catalogue()[template].files
    assert len(rendered) == len([p for p in source.rglob("*") if p.is_file()])
    for path in rendered:
        text = path.read_text(encoding="utf-8")
        # Nothing left of jinja; `${{ ... }}` is the workflow's own expression syntax.
        leftovers = re.findall(r"(?<!\$)\{\{|\{%|\{#", text)
        assert not leftovers, f"{path}: unrendered template syntax"
    spec = yaml.safe_load((project / "specs" / "services" / f"new-{template}.yaml").read_text())
    assert spec["template"] == template
    assert spec["repo"]["initial_files"] == f"services/new-{template}"


@pytest.mark.parametrize("template", APP_TEMPLATES)
def test_app_template_files(project: Path, template: str) -> None:
    """A health endpoint, metrics, a multi-stage non-root Dockerfile, CI, a README."""
    name = f"app-{template}"
    code = _create(project, template, name)
    sources = "\n".join(
        p.read_text() for p in code.rglob("*") if p.suffix in {".go", ".ts", ".tsx"}
    )
    assert HEALTH[template] in sources or Path(code / "app/api/health/route.ts").is_file()
    assert METRICS[template] in sources or Path(code / "app/api/metrics/route.ts").is_file()
    assert "prometheus" in sources.lower() or "prom-client" in sources

    dockerfile = (code / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert len(stages) >= 2, "a multi-stage Dockerfile"
    final = dockerfile[dockerfile.rindex("\nFROM ") :]
    user = re.search(r"^USER\s+(\S+)", final, flags=re.MULTILINE)
    assert user is not None, "the final stage sets USER"
    assert re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user.group(1)), "a numeric non-root user"

    workflow = yaml.safe_load((code / ".gitea/workflows/build.yaml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    push = next(step for step in steps if str(step.get("uses", "")).startswith("docker/build-push"))
    assert push["with"]["tags"] == f"registry.gmac.io/gmac/{name}:${{{{ gitea.sha }}}}"
    readme = (code / "README.md").read_text()
    assert readme.startswith(f"# {name}\n")


def test_go_module_path_follows_the_git_server(project: Path) -> None:
    code = _create(project, "go-api", "orders")
    assert (code / "go.mod").read_text().startswith("module git.gmac.io/gmac/orders\n")
    assert 'serviceName        = "orders"' in (code / "main.go").read_text()


def test_database_template_has_its_first_migration(project: Path) -> None:
    code = _create(project, "database", "ledger-db")
    migration = (code / "migrations" / "0001_init.sql").read_text()
    assert "CREATE TABLE" in migration
    spec = yaml.safe_load((project / "specs/services/ledger-db.yaml").read_text())
    assert spec["database"] == {
        "engine": "turso",
        "name": "ledger-db",
        "group": "default",
        "migrations": "services/ledger-db/migrations/",
    }
    # The Turso component finds the rendered migrations where the spec says.
    from components.turso import migration_files
    from gmac.compile import CompileContext
    from gmac.validate import validate_directory

    staging = validate_directory(Path("specs"), "staging")["staging"]
    assert list(migration_files(CompileContext(staging), "ledger-db")) == ["0001_init.sql"]


def test_migration_runs_on_sqlite(project: Path) -> None:
    import sqlite3

    code = _create(project, "database", "ledger-db")
    with sqlite3.connect(":memory:") as db:
        for path in sorted((code / "migrations").glob("*.sql")):
            db.executescript(path.read_text())
        db.execute("INSERT INTO accounts (email) VALUES ('a@example.com')")
        assert db.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
