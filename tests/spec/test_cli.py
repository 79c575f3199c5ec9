"""The real `gmac` console script, run in a copy of the example project."""

from __future__ import annotations

import json

import jsonschema
import yaml

from gmac import __version__

from .conftest import SpecProject, run_gmac

API = "services/api.yaml"
ENVIRONMENTS = {"services": 4, "integrations": 3, "secrets": 7}


def test_validate_valid(project: SpecProject) -> None:
    result = run_gmac("validate", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "✓ specs valid: 4 services, 3 integrations, 7 secrets; "
        "environments: local, staging, production\n"
    )
    assert result.stderr == ""


def test_validate_invalid_prints_every_problem_and_exits_1(project: SpecProject) -> None:
    project.replace(API, "{staging: 1, production: 3}", "{staging: 1, prod: 3}")
    project.replace("integrations/stripe.yaml", "type: stripe", "type: strpe")
    result = run_gmac("validate", cwd=project.root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "specs/integrations/stripe.yaml:4:7: type: unknown type 'strpe' (did you mean "
        "'stripe'?); expected one of: stripe, turso, webhook",
        "specs/services/api.yaml:11:24: replicas.prod: unknown environment 'prod' "
        "(did you mean 'production'?)",
        "2 problems in the specs",
    ]


def test_validate_json(project: SpecProject) -> None:
    result = run_gmac("validate", "--json", cwd=project.root)
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "valid": True,
        "problems": [],
        "environments": {env: ENVIRONMENTS for env in ("local", "staging", "production")},
    }
    project.replace(API, "memory: 256Mi", "memory: 256m")
    result = run_gmac("validate", "--json", "--env", "staging", cwd=project.root)
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "valid": False,
        "problems": [
            {
                "file": "specs/services/api.yaml",
                "line": 13,
                "column": 32,
                "path": "resources.memory",
                "message": "'256m' means thousandths of a byte (did you mean '256Mi'?)",
            }
        ],
    }


def test_validate_one_environment(project: SpecProject) -> None:
    project.replace(API, "production: 3}", "production: -3}")
    assert run_gmac("validate", "--env", "staging", cwd=project.root).returncode == 0
    result = run_gmac("validate", "-e", "production", cwd=project.root)
    assert result.returncode == 1
    assert "replicas.production: input should be greater than or equal to 0" in result.stderr


def test_unknown_env_is_one_line_and_exit_1(project: SpecProject) -> None:
    for command in (["validate"], ["show"]):
        result = run_gmac(*command, "--env", "prod", cwd=project.root)
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr == (
            "error: unknown environment 'prod' (did you mean 'production'?); "
            "the project declares: local, staging, production\n"
        )


def test_missing_specs_directory(project: SpecProject) -> None:
    result = run_gmac("validate", "--specs", "nowhere", cwd=project.root)
    assert result.returncode == 1
    assert result.stderr == "error: no specs directory at 'nowhere': pass --specs DIR\n"
    result = run_gmac("validate", cwd=project.root / "specs" / "services")
    assert result.returncode == 1
    assert result.stderr == "error: no specs directory at 'specs': pass --specs DIR\n"


def test_specs_from_environment_variable(project: SpecProject) -> None:
    other = project.root / "elsewhere"
    (project.root / "specs").rename(other)
    result = run_gmac("validate", cwd=project.root, env={"GMAC_SPECS": str(other)})
    assert result.returncode == 0, result.stderr


def test_show_yaml(project: SpecProject) -> None:
    result = run_gmac("show", "--env", "production", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# effective spec for environment 'production'\n---\n")
    documents = list(yaml.safe_load_all(result.stdout))
    by_name = {(d["kind"], d["name"]): d for d in documents}
    api = by_name["Service", "api"]
    assert api["ingress"] == {"host": "api.gmac.io", "path": "/", "tls": True}
    assert api["replicas"] == 3
    assert {k: v for k, v in api["metrics"].items() if k != "custom"} == {
        "path": "/metrics",
        "port": 9090,
    }
    assert [metric["name"] for metric in api["metrics"]["custom"]] == ["http:success_ratio:rate5m"]
    # The go-api template's health check, filled in.
    assert api["health"]["path"] == "/healthz"
    panel = by_name["Service", "control-panel"]
    assert panel["env"] == {"NEXT_PUBLIC_API_URL": "https://api.gmac.io"}
    stripe = by_name["Integration", "stripe"]
    assert stripe["webhooks"][0]["url"] == "https://api.gmac.io/stripe/webhook"
    assert [d["kind"] for d in documents].count("Project") == 1


def test_show_json_per_environment(project: SpecProject) -> None:
    hosts, replicas = {}, {}
    for env in ("local", "staging", "production"):
        result = run_gmac("show", "--env", env, "--json", cwd=project.root)
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["environment"] == env
        api = next(s for s in data["services"] if s["name"] == "api")
        hosts[env], replicas[env] = api["ingress"]["host"], api["replicas"]
    assert hosts == {
        "local": "api.localhost",
        "staging": "api.staging.gmac.io",
        "production": "api.gmac.io",
    }
    assert replicas == {"local": 1, "staging": 1, "production": 3}


def test_show_invalid_specs(project: SpecProject) -> None:
    project.replace(API, "cpu: 250m", "cpu: lots")
    result = run_gmac("show", "--env", "production", cwd=project.root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "resources.cpu: 'lots' is not a Kubernetes quantity" in result.stderr
    result = run_gmac("show", "--env", "production", "--json", cwd=project.root)
    assert result.returncode == 1
    assert json.loads(result.stdout)["valid"] is False


def test_show_needs_env(project: SpecProject) -> None:
    result = run_gmac("show", cwd=project.root)
    assert result.returncode == 1  # a usage error, never 2 ("changes")
    assert "--env" in result.stderr


def test_schema_validates_the_examples(project: SpecProject) -> None:
    result = run_gmac("schema", cwd=project.root)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(project.specs.rglob("*.yaml"))
    assert len(files) == 8
    for path in files:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            errors = [error.message for error in validator.iter_errors(document)]
            assert errors == [], path


def test_schema_rejects_what_gmac_rejects(project: SpecProject) -> None:
    schema = json.loads(run_gmac("schema", cwd=project.root).stdout)
    validator = jsonschema.Draft202012Validator(schema)

    def messages(document: dict[str, object]) -> list[str]:
        return [error.message for error in validator.iter_errors(document)]

    assert messages({"kind": "Service", "name": "x", "prot": 80}) == [
        "Additional properties are not allowed ('prot' was unexpected)"
    ]
    assert messages({"kind": "Servce", "name": "x"}) == [
        "'Servce' is not one of ['Integration', 'Project', 'Service']"
    ]
    assert messages({"kind": "Integration", "name": "x", "type": "strpe"}) == [
        "'strpe' is not one of ['stripe', 'turso', 'webhook']"
    ]
    assert messages({"kind": "Service", "name": "x", "replicas": "3"}) != []
    # What YAML gives for numbers is accepted where gmac accepts it.
    assert (
        messages(
            {
                "kind": "Service",
                "name": "x",
                "replicas": {"staging": 1, "default": 2},
                "resources": {"cpu": 1, "memory": "1Gi"},
                "env": {"PORT": 8080, "DEBUG": True, "RATIO": 0.5},
            }
        )
        == []
    )


def test_schema_out_file_for_editors(project: SpecProject) -> None:
    result = run_gmac("schema", "--out", "gmac.models.schema.json", cwd=project.root)
    assert result.returncode == 0
    assert result.stderr == "wrote gmac.models.schema.json\n"
    schema = json.loads((project.root / "gmac.models.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # The modeline an editor reads is a YAML comment: gmac ignores it.
    text = project.read(API)
    project.write(API, "# yaml-language-server: $schema=../../gmac.models.schema.json\n" + text)
    assert run_gmac("validate", cwd=project.root).returncode == 0
    result = run_gmac("schema", "--out", "missing/dir/schema.json", cwd=project.root)
    assert result.returncode == 1
    assert result.stderr == (
        "error: cannot write 'missing/dir/schema.json': No such file or directory\n"
    )


def test_version(project: SpecProject) -> None:
    result = run_gmac("--version", cwd=project.root)
    assert result.returncode == 0
    assert result.stdout == f"gmac {__version__}\n"


def test_shell_completion(project: SpecProject) -> None:
    result = run_gmac("--show-completion", "bash", cwd=project.root)
    assert result.returncode == 0, result.stderr
    assert "complete" in result.stdout and "gmac" in result.stdout
    # The script calls gmac back like this to complete a word.
    completion = {"_GMAC_COMPLETE": "complete_bash", "COMP_WORDS": "gmac val", "COMP_CWORD": "1"}
    result = run_gmac(cwd=project.root, env=completion)
    assert result.stdout.split() == ["validate"]
    completion.update(COMP_WORDS="gmac show --e", COMP_CWORD="2")
    assert "--env" in run_gmac(cwd=project.root, env=completion).stdout.split()


def test_help_lists_the_spec_commands(project: SpecProject) -> None:
    result = run_gmac("--help", cwd=project.root)
    assert result.returncode == 0
    for command in ("validate", "show", "schema"):
        assert command in result.stdout


def test_validate_imports_no_engine(project: SpecProject) -> None:
    """`gmac validate` stays fast: Pulumi, the providers' SDKs and templating are not loaded."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from gmac.cli import app\n"
        "try:\n    app(['validate'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'pulumi', 'pulumi_kubernetes', 'stripe', 'libsql_client', 'jinja2', 'grpc'}\n"
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.splitlines()[-1] == "[]", result.stdout


def test_json_output_names_a_usage_error_too(project: SpecProject) -> None:
    result = run_gmac("validate", "--env", "prod", "--json", cwd=project.root)
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "UsageError"
    assert error["message"].startswith("unknown environment 'prod' (did you mean 'production'?)")
    assert "unknown environment 'prod'" in result.stderr
