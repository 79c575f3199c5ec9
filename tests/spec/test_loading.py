"""What a valid spec means: interpolation, per-environment values, templates, YAML 1.2."""

from __future__ import annotations

import math

from gmac.load import parse_documents

from .conftest import SpecProject

API = "services/api.yaml"


def parse_one(text: str) -> dict[str, object]:
    documents, problems = parse_documents(text, "x.yaml")
    assert problems == []
    assert len(documents) == 1
    return documents[0].data


def test_interpolation_per_environment(project: SpecProject) -> None:
    specs = project.validate()
    hosts = {env: spec.service("api").ingress for env, spec in specs.items()}
    assert {env: ingress.host for env, ingress in hosts.items() if ingress} == {
        "local": "api.localhost",
        "staging": "api.staging.gmac.io",
        "production": "api.gmac.io",
    }
    panel = specs["production"].service("control-panel")
    assert panel.env["NEXT_PUBLIC_API_URL"] == "https://api.gmac.io"
    stripe = specs["staging"].integration("stripe")
    assert stripe.webhooks[0].url == "https://api.staging.gmac.io/stripe/webhook"  # type: ignore[union-attr]


def test_interpolation_variables(project: SpecProject) -> None:
    project.replace(API, "LOG_LEVEL: info", 'LOG_LEVEL: "{env}/{project}/{namespace}/{name}"')
    specs = project.validate()
    assert specs["production"].service("api").env["LOG_LEVEL"] == "production/gmac-io/gmac/api"
    # No namespace in the local environment: the project name stands in.
    assert specs["local"].service("api").env["LOG_LEVEL"] == "local/gmac-io/gmac-io/api"


def test_braces_that_are_not_variables_pass_through(project: SpecProject) -> None:
    project.replace(API, "LOG_LEVEL: info", 'LOG_LEVEL: "{{ $labels.job }} {Upper} {a-b}"')
    spec = project.validate("production")["production"]
    assert spec.service("api").env["LOG_LEVEL"] == "{{ $labels.job }} {Upper} {a-b}"
    assert 'service="api"' in spec.service("api").alerts[0].expr


def test_per_environment_values_and_default(project: SpecProject) -> None:
    project.replace(API, "{staging: 1, production: 3}", "{production: 3, default: 2}")
    project.replace(API, "LOG_LEVEL: info", "LOG_LEVEL: {production: warn, default: debug}")
    specs = project.validate()
    api = {env: spec.service("api") for env, spec in specs.items()}
    assert {env: s.replicas for env, s in api.items()} == {
        "local": 2,
        "staging": 2,
        "production": 3,
    }
    assert {env: s.env["LOG_LEVEL"] for env, s in api.items()} == {
        "local": "debug",
        "staging": "debug",
        "production": "warn",
    }


def test_per_environment_missing_value_takes_the_field_default(project: SpecProject) -> None:
    """The example gives no replicas for 'local': the field's default (1) applies there."""
    specs = project.validate()
    assert [spec.service("api").replicas for spec in specs.values()] == [1, 1, 3]


def test_per_environment_block(project: SpecProject) -> None:
    project.replace(
        API,
        "resources: {cpu: 250m, memory: 256Mi}",
        "resources: {production: {cpu: 1, memory: 1Gi}, default: {cpu: 100m, memory: 128Mi}}",
    )
    specs = project.validate()
    production = specs["production"].service("api").resources
    staging = specs["staging"].service("api").resources
    assert production is not None and (production.cpu, production.memory) == ("1", "1Gi")
    assert staging is not None and (staging.cpu, staging.memory) == ("100m", "128Mi")


def test_template_defaults_fill_missing_fields(project: SpecProject) -> None:
    spec = project.validate("production")["production"]
    worker = spec.service("billing-worker")  # template: worker
    assert worker.metrics is not None and (worker.metrics.path, worker.metrics.port) == (
        "/metrics",
        9090,
    )
    assert worker.port is None
    api = spec.service("api")  # template: go-api, its own resources win
    assert api.resources is not None and api.resources.cpu == "250m"
    assert api.health is not None and api.health.path == "/healthz"
    database = spec.service("registry-db")
    assert database.database is not None and database.database.migrations == "migrations/"


def test_explicit_null_overrides_a_template_default(project: SpecProject) -> None:
    project.replace(API, "health: {path: /healthz}", "health: null")
    assert project.validate("production")["production"].service("api").health is None
    project.replace(API, "health: null", "")
    # Left out, the template's health check comes back.
    health = project.validate("production")["production"].service("api").health
    assert health is not None and health.path == "/healthz"


def test_yaml_1_2_scalars() -> None:
    data = parse_one(
        "a: on\nb: no\nc: yes\nd: off\ne: 2024-01-01\nf: 0o17\ng: 0x1F\nh: 017\n"
        "i: 1_000\nj: true\nk: False\nl: ~\nm: .inf\nn: -.Inf\no: 1e3\np: '1'\nq: 12:30\n"
        "r: .nan\ns: null\nt: NULL\nu: y\nv: !!str 123\nw: 1.5e3\nx: 0o8\n"
        "y: !!str 1e3\nz: !!int 80\n"
    )
    nan = data.pop("r")
    assert isinstance(nan, float) and math.isnan(nan)
    assert data == {
        "a": "on",
        "b": "no",
        "c": "yes",
        "d": "off",
        "e": "2024-01-01",
        "f": 15,
        "g": 31,
        "h": 17,  # YAML 1.2: a leading zero is not octal
        "i": "1_000",
        "j": True,
        "k": False,
        "l": None,
        "m": math.inf,
        "n": -math.inf,
        "o": 1000.0,
        "p": "1",
        "q": "12:30",  # YAML 1.1 read this as 750 (base 60)
        "s": None,
        "t": None,
        "u": "y",
        "v": "123",
        "w": 1500.0,  # YAML 1.1 wanted a sign in the exponent
        "x": "0o8",
        "y": "1e3",
        "z": 80,
    }


def test_keys_are_strings() -> None:
    assert parse_one("1: a\ntrue: b\nnull: c\n2024-01-01: d\n") == {
        "1": "a",
        "true": "b",
        "null": "c",
        "2024-01-01": "d",
    }


def test_env_values_keep_their_text(project: SpecProject) -> None:
    project.replace(
        API, "LOG_LEVEL: info", "DEBUG: no\n  COLOR: on\n  PORT: 8080\n  DAY: 2024-01-01\n  X: true"
    )
    env = project.validate("production")["production"].service("api").env
    assert dict(env) == {
        "DEBUG": "no",
        "COLOR": "on",
        "PORT": "8080",
        "DAY": "2024-01-01",
        "X": "true",
    }


def test_merge_keys() -> None:
    data = parse_one(
        "base: &base {cpu: 1, memory: 1Gi}\n"
        "extra: &extra {memory: 2Gi, limits: {}}\n"
        "one: {<<: *base, cpu: 2}\n"
        "two:\n  <<: [*extra, *base]\n"
    )
    assert data["one"] == {"cpu": 2, "memory": "1Gi"}
    # In a list of merges the first mapping wins, and the mapping's own keys win over all.
    assert data["two"] == {"cpu": 1, "memory": "2Gi", "limits": {}}


def test_merge_keys_in_a_spec(project: SpecProject) -> None:
    project.write(
        "services/merged.yaml",
        "kind: Service\nname: merged\nx-defaults: &defaults {cpu: 100m, memory: 64Mi}\n",
    )
    # Anchors need a home; an unknown top-level key is still an error...
    assert project.problems() == ["specs/services/merged.yaml:3:1: x-defaults: unknown field"]
    # ...so share between documents of one file through a key the model has.
    project.write(
        "services/merged.yaml",
        "kind: Service\nname: merged\nresources: &r {cpu: 100m, memory: 64Mi}\n"
        "---\nkind: Service\nname: merged-2\nresources: {<<: *r, memory: 128Mi}\n",
    )
    problems = project.problems()
    # An alias cannot reach into another document: YAML says so, and so does gmac.
    assert problems == ["specs/services/merged.yaml:7:17: invalid YAML: found undefined alias"]
    project.write(
        "services/merged.yaml",
        "kind: Service\nname: merged\nresources: &r {cpu: 100m, memory: 64Mi}\n"
        "env: {<<: {A: a, B: b}, B: c}\n",
    )
    merged = project.validate("production")["production"].service("merged")
    assert merged.resources is not None and merged.resources.memory == "64Mi"
    assert dict(merged.env) == {"A": "a", "B": "c"}


def test_positions_of_keys_and_values() -> None:
    documents, _ = parse_documents("a:\n  b: [1, {c: 2}]\n---\nd: x\n", "x.yaml")
    first, second = documents
    assert first.source.locate(("a", "b", 1, "c")) == (2, 14)
    assert first.source.locate(("a", "b", 1, "c"), at_key=True) == (2, 11)
    assert first.source.locate(("a", "b", 0)) == (2, 7)
    # A path that is not in the file: its nearest ancestor that is.
    assert first.source.locate(("a", "b", 1, "missing")) == (2, 10)
    assert second.source.locate(("d",)) == (4, 4)


def test_empty_documents_and_files_are_skipped(project: SpecProject) -> None:
    project.write("services/empty.yaml", "")
    project.write("services/comments.yaml", "# nothing yet\n---\n---\n")
    assert list(project.validate()) == ["local", "staging", "production"]


def test_bom_and_yml_suffix(project: SpecProject) -> None:
    project.write("services/worker.yml", "\ufeffkind: Service\nname: extra\n")
    names = [s.name for s in project.validate("production")["production"].services]
    assert "extra" in names


def test_secrets_directory_and_hidden_files_are_not_specs(project: SpecProject) -> None:
    project.write("secrets/production.yaml", "not: [a spec")
    project.write(".hidden/x.yaml", "not: [a spec")
    project.write("services/.draft.yaml", "not: [a spec")
    assert list(project.validate()) == ["local", "staging", "production"]


def test_unreadable_file_is_a_problem(project: SpecProject) -> None:
    project.path("services/binary.yaml").write_bytes(b"kind: \xff\xfe\n")
    (problem,) = project.problems()
    assert problem.startswith("specs/services/binary.yaml:1:1: cannot read the file: ")
    assert "utf-8" in problem


def test_services_outside_their_environments_are_left_out(project: SpecProject) -> None:
    project.replace(API, "kind: Service", "kind: Service\nenvironments: [production]")
    specs = project.validate()
    assert "api" in [s.name for s in specs["production"].services]
    assert "api" not in [s.name for s in specs["staging"].services]


def test_a_prebuilt_image_ref_alone_means_no_build() -> None:
    from pydantic import ValidationError

    from gmac.models.service import Image

    assert Image.model_validate({"ref": "registry.example/api:1"}).build is False
    try:
        Image.model_validate({"ref": "registry.example/api:1", "build": True})
    except ValidationError as error:
        assert "not both" in str(error)
    else:
        raise AssertionError("a ref with build: true must be refused")
