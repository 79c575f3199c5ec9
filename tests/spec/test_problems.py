"""Every class of spec error: one edit to the example specs, the exact problem it gives.

Each case copies specs/, changes one thing and checks every problem string in full:
`file:line:col: path: message`, as `gmac validate` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from gmac.errors import UsageError

from .conftest import SpecProject

API = "services/api.yaml"
STRIPE = "integrations/stripe.yaml"
TURSO = "integrations/turso.yaml"
WEBHOOK = "integrations/ci-webhook.yaml"
PROJECT = "project.yaml"
DNS_1123 = (
    "is not a valid name: lowercase letters, digits and '-', starting and ending with a letter "
    "or digit (DNS-1123)"
)
KINDS = "expected one of: Project, Service, Integration"
DECLARE_SECRET = "declare it under 'secrets' in the project"


@dataclass
class Case:
    id: str
    expected: list[str]
    # (file, old, new): replace the one occurrence of `old` in `file`
    edits: list[tuple[str, str, str]] = field(default_factory=list)
    # (file, text): write a new file
    files: list[tuple[str, str]] = field(default_factory=list)
    env: str | None = None


CASES = [
    # --- YAML itself
    Case(
        "yaml syntax error",
        [
            "specs/services/api.yaml:11:9: invalid YAML: did not find expected ',' or ']' "
            "(while parsing a flow sequence at line 10)"
        ],
        edits=[(API, "port: 8080", "port: [8080")],
    ),
    Case(
        "duplicate key",
        ["specs/services/api.yaml:11:1: port: duplicate key (first given at line 10)"],
        edits=[(API, "port: 8080", "port: 8080\nport: 8081")],
    ),
    Case(
        "recursive alias",
        [
            "specs/services/loop.yaml:3:7: repo.webhooks: recursive alias: it refers to a node "
            "that contains it"
        ],
        files=[("services/loop.yaml", "kind: Service\nname: loop\nrepo: &r {webhooks: *r}\n")],
    ),
    Case(
        "unsupported tag",
        ["specs/services/api.yaml:10:7: port: unsupported tag '!!python/int'"],
        edits=[(API, "port: 8080", "port: !!python/int 8080")],
    ),
    Case(
        "local tag",
        ["specs/services/api.yaml:10:7: port: unsupported tag '!port'"],
        edits=[(API, "port: 8080", "port: !port 8080")],
    ),
    Case(
        "document that is a list",
        ["specs/services/list.yaml:1:1: a spec must be a mapping of fields, not a list"],
        files=[("services/list.yaml", "- kind: Service\n- name: x\n")],
    ),
    Case(
        "document that is a string",
        ["specs/services/text.yaml:2:1: a spec must be a mapping of fields, not a string"],
        files=[("services/text.yaml", "# a comment\njust some text\n")],
    ),
    Case(
        "control character",
        [
            "specs/services/api.yaml:18:16: invalid YAML: control characters are not allowed "
            "(character U+0007)"
        ],
        edits=[(API, "LOG_LEVEL: info", "LOG_LEVEL: in\x07fo")],
    ),
    Case(
        "nesting too deep",
        ["specs/services/deep.yaml:1:68: a: nesting deeper than 64 levels"],
        files=[("services/deep.yaml", "a: " + "[" * 100 + "]" * 100 + "\n")],
    ),
    Case(
        "alias bomb",
        ["specs/services/bomb.yaml:6:4: f: document expands to more than 200000 values"],
        files=[
            (
                "services/bomb.yaml",
                "a: &a [x, x, x, x, x, x, x, x, x]\n"
                + "".join(
                    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n"
                    for p, n in zip("abcdef", "bcdefg", strict=True)
                ),
            )
        ],
    ),
    # --- kinds and types
    Case(
        "missing kind",
        [f"specs/services/api.yaml:1:1: kind: required field is missing; {KINDS}"],
        edits=[(API, "kind: Service\n", "")],
    ),
    Case(
        "unknown kind with hint",
        [
            "specs/services/api.yaml:2:7: kind: unknown kind 'Servce' (did you mean "
            f"'Service'?); {KINDS}"
        ],
        edits=[(API, "kind: Service", "kind: Servce")],
    ),
    Case(
        "kind that is not a string",
        [f"specs/services/api.yaml:2:7: kind: unknown kind ['Service']; {KINDS}"],
        edits=[(API, "kind: Service", "kind: [Service]")],
    ),
    Case(
        "unknown integration type with hint",
        [
            "specs/integrations/stripe.yaml:4:7: type: unknown type 'strpe' (did you mean "
            "'stripe'?); expected one of: stripe, turso, webhook"
        ],
        edits=[(STRIPE, "type: stripe", "type: strpe")],
    ),
    Case(
        "missing integration type",
        [
            "specs/integrations/stripe.yaml:1:1: type: required field is missing; "
            "expected one of: stripe, turso, webhook"
        ],
        edits=[(STRIPE, "type: stripe\n", "")],
    ),
    # --- fields
    Case(
        "missing required field",
        ["specs/integrations/ci-webhook.yaml:1:1: url: required field is missing"],
        edits=[(WEBHOOK, "url: https://ci.gmac.io/hooks/gitea\n", "")],
    ),
    Case(
        "unknown field with did-you-mean",
        ["specs/services/api.yaml:10:1: prot: unknown field (did you mean 'port'?)"],
        edits=[(API, "port: 8080", "prot: 8080")],
    ),
    Case(
        "unknown nested field with did-you-mean",
        ["specs/services/api.yaml:14:10: health.pth: unknown field (did you mean 'path'?)"],
        edits=[(API, "health: {path: /healthz}", "health: {pth: /healthz, path: /}")],
    ),
    Case(
        "invalid name (DNS-1123)",
        [f"specs/services/api.yaml:3:7: name: 'Api_1' {DNS_1123}"],
        edits=[(API, "name: api", "name: Api_1")],
    ),
    Case(
        "a line break in a value stays on one line",
        [f"specs/services/api.yaml:3:7: name: 'a\\nb' {DNS_1123}"],
        edits=[(API, "name: api", 'name: "a\\nb"')],
    ),
    Case(
        "invalid environment name, at its key",
        [f"specs/project.yaml:28:3: environments.Local: 'Local' {DNS_1123}"],
        edits=[(PROJECT, "  local:  ", "  Local:  ")],
    ),
    Case(
        "invalid environment variable name, at its key",
        [
            "specs/services/api.yaml:18:3: env.9LIVES: '9LIVES' is not a valid environment "
            "variable name (letters, digits and '_')"
        ],
        edits=[(API, "LOG_LEVEL: info", "9LIVES: info")],
    ),
    Case(
        "wrong type",
        [
            "specs/services/api.yaml:10:7: port: input should be a valid integer, unable to parse "
            "string as an integer (got 'http')"
        ],
        edits=[(API, "port: 8080", "port: http")],
    ),
    Case(
        "number out of range",
        [
            "specs/services/api.yaml:10:7: port: input should be less than or equal to 65535 "
            "(got 80800)"
        ],
        edits=[(API, "port: 8080", "port: 80800")],
    ),
    Case(
        "integer too long to parse",
        [
            "specs/services/api.yaml:10:7: port: unable to parse input string as an integer, "
            "exceeded maximum size (got '" + "9" * 56 + "...)"
        ],
        edits=[(API, "port: 8080", "port: " + "9" * 5000)],
    ),
    Case(
        "value outside a literal, with hint",
        [
            "specs/services/api.yaml:26:15: alerts.0.severity: must be 'critical', 'warning' or "
            "'info', not 'critcal' (did you mean 'critical'?)"
        ],
        edits=[(API, "severity: critical", "severity: critcal")],
    ),
    Case(
        "invalid quantity",
        [
            "specs/services/api.yaml:13:18: resources.cpu: 'lots' is not a Kubernetes quantity "
            "such as 250m, 0.5, 256Mi or 1Gi"
        ],
        edits=[(API, "cpu: 250m", "cpu: lots")],
    ),
    Case(
        "memory in millibytes",
        [
            "specs/services/api.yaml:13:32: resources.memory: '256m' means thousandths of a byte "
            "(did you mean '256Mi'?)"
        ],
        edits=[(API, "memory: 256Mi", "memory: 256m")],
    ),
    Case(
        "invalid duration",
        [
            "specs/services/api.yaml:25:10: alerts.0.for: '10 minutes' is not a duration such as "
            "30s, 10m, 2h, 30d or 1h30m"
        ],
        edits=[(API, "for: 10m", "for: 10 minutes")],
    ),
    Case(
        "invalid URL",
        [
            "specs/project.yaml:20:8: git.url: 'git.gmac.io' is not an http(s) URL such as "
            "https://example.com/path"
        ],
        edits=[(PROJECT, "url: https://git.gmac.io", "url: git.gmac.io")],
    ),
    Case(
        "invalid email",
        [
            "specs/project.yaml:51:17: monitoring.alertmanager.email.to: value is not a valid "
            "email address: An email address must have an @-sign."
        ],
        edits=[(PROJECT, "to: ops@gmac.io", "to: ops-at-gmac.io")],
    ),
    Case(
        "invalid host:port",
        [
            "specs/project.yaml:51:63: monitoring.alertmanager.email.smarthost: 'smtp.gmac.io' "
            "is not host:port, such as smtp.example.com:587"
        ],
        edits=[(PROJECT, '"smtp.gmac.io:587"', '"smtp.gmac.io"')],
    ),
    Case(
        "empty PromQL",
        [
            "specs/services/api.yaml:29:11: alerts.1.expr: a PromQL expression must not be "
            "empty (got '')"
        ],
        edits=[(API, "expr: histogram_quantile", 'expr: "" # histogram_quantile')],
    ),
    Case(
        "unbalanced PromQL",
        ["specs/services/api.yaml:24:11: alerts.0.expr: unclosed '(' in the expression"],
        edits=[(API, "expr: sum(rate", "expr: sum((rate")],
    ),
    Case(
        "PromQL closing the wrong bracket",
        ["specs/services/api.yaml:24:11: alerts.0.expr: unbalanced ']' in the expression"],
        edits=[(API, "expr: sum(rate", "expr: sum(]rate")],
    ),
    # --- per-environment values
    Case(
        "per-env unknown environment",
        [
            "specs/services/api.yaml:11:24: replicas.prod: unknown environment 'prod' "
            "(did you mean 'production'?)"
        ],
        edits=[(API, "{staging: 1, production: 3}", "{staging: 1, prod: 3}")],
    ),
    Case(
        "per-env unknown environment in a block",
        [
            "specs/services/api.yaml:13:13: resources.prod: unknown environment 'prod' "
            "(did you mean 'production'?)"
        ],
        edits=[
            (
                API,
                "resources: {cpu: 250m, memory: 256Mi}",
                "resources: {prod: {cpu: 1, memory: 1Gi}, default: {cpu: 1, memory: 1Gi}}",
            )
        ],
    ),
    Case(
        "per-env value wrong only in production",
        [
            "specs/services/api.yaml:11:36: replicas.production: input should be greater than "
            "or equal to 0 (got -3)"
        ],
        edits=[(API, "production: 3}", "production: -3}")],
    ),
    Case(
        "per-env block wrong only in production",
        [
            "specs/services/api.yaml:13:45: resources.production.memory: '256m' means "
            "thousandths of a byte (did you mean '256Mi'?)"
        ],
        edits=[
            (
                API,
                "resources: {cpu: 250m, memory: 256Mi}",
                "resources: {production: {cpu: 250m, memory: 256m}, "
                "default: {cpu: 1, memory: 1Gi}}",
            )
        ],
    ),
    Case(
        "per-env default wrong",
        ["specs/services/api.yaml:16:63: ingress.default.host: 'API' is not a valid host name"],
        edits=[
            (
                API,
                'ingress: {host: "api.{domain}"}',
                'ingress: {production: {host: "api.{domain}"}, default: {host: "API"}}',
            )
        ],
    ),
    # --- variables and templates
    Case(
        "unknown variable with hint",
        [
            "specs/services/api.yaml:16:17: ingress.host: unknown variable '{domian}' "
            "(did you mean '{domain}'?); known: {domain}, {env}, {name}, {namespace}, {project}"
        ],
        edits=[(API, "api.{domain}", "api.{domian}")],
    ),
    Case(
        "unknown template with hint",
        [
            "specs/services/api.yaml:4:11: template: unknown template 'go-apy' (did you mean "
            "'go-api'?); known: database, go-api, nextjs-web, worker"
        ],
        edits=[(API, "template: go-api", "template: go-apy")],
    ),
    # --- references
    Case(
        "unknown secret",
        [
            "specs/services/api.yaml:19:11: secrets.0: unknown secret 'stripe-secret-ky' "
            f"(did you mean 'stripe-secret-key'?): {DECLARE_SECRET}"
        ],
        edits=[(API, "secrets: [stripe-secret-key,", "secrets: [stripe-secret-ky,")],
    ),
    Case(
        "unknown secret in an integration",
        [
            "specs/integrations/turso.yaml:6:23: credentials.secret: unknown secret "
            f"'turso-token' (did you mean 'turso-app-token'?): {DECLARE_SECRET}"
        ],
        edits=[(TURSO, "{secret: turso-platform-token}", "{secret: turso-token}")],
    ),
    Case(
        "unknown integration in uses",
        [
            "specs/services/api.yaml:20:8: uses.0: unknown integration 'strip' (did you mean "
            "'stripe'?): add an Integration spec with that name"
        ],
        edits=[(API, "uses: [stripe,", "uses: [strip,")],
    ),
    Case(
        "unknown integration providing a secret",
        [
            "specs/project.yaml:65:34: secrets.turso-app-token.provided_by: unknown integration "
            "'turso-db' (did you mean 'turso'?): add an Integration spec with that name"
        ],
        edits=[(PROJECT, "{provided_by: turso,", "{provided_by: turso-db,")],
    ),
    Case(
        "unknown database",
        [
            "specs/services/api.yaml:21:13: databases.0: unknown database 'registy' (did you "
            "mean 'registry'?): declare it in a Turso integration or a database service"
        ],
        edits=[(API, "databases: [registry]", "databases: [registy]")],
    ),
    Case(
        "unknown webhook",
        [
            "specs/services/api.yaml:8:14: repo.webhooks.0: unknown webhook integration 'cii' "
            "(did you mean 'ci'?): add an Integration of type 'webhook'"
        ],
        edits=[(API, "  webhooks: [ci]\nimage", "  webhooks: [cii]\nimage")],
    ),
    Case(
        "unknown environment in a service",
        [
            "specs/services/api.yaml:2:25: environments.1: unknown environment 'prodution' "
            "(did you mean 'production'?): declare it under 'environments' in the project"
        ],
        edits=[(API, "kind: Service", "environments: [staging, prodution]\nkind: Service")],
    ),
    Case(
        "unknown environment in an access rule",
        [
            "specs/project.yaml:14:22: access.rules.0.environments.0: unknown environment "
            "'prod' (did you mean 'production'?): declare it under 'environments'"
        ],
        edits=[(PROJECT, "environments: [production]", "environments: [prod]")],
    ),
    Case(
        "unknown user",
        [
            "specs/project.yaml:12:13: access.roles.admin.0: unknown user 'gmacky' (did you "
            "mean 'gmackie'?): list it under 'access.users'"
        ],
        edits=[(PROJECT, "admin: [gmackie]", "admin: [gmacky]")],
    ),
    Case(
        "unknown role",
        [
            "specs/project.yaml:15:15: access.rules.0.apply.0: unknown user or role 'admn' "
            "(did you mean 'admin'?): declare it under 'access'"
        ],
        edits=[(PROJECT, "apply: [admin]", "apply: [admn]")],
    ),
    Case(
        "repo without project git",
        [
            f"specs/services/{name}.yaml:5:1: repo: a repository needs the project's 'git' section"
            for name in ("api", "billing-worker", "control-panel")
        ],
        edits=[
            (
                PROJECT,
                "git:                            # where service repositories live\n"
                "  provider: gitea\n  url: https://git.gmac.io\n  org: gmac\n"
                "  credentials: {secret: gitea-token}\n",
                "",
            )
        ],
    ),
    Case(
        "image build without images.registry",
        [
            f"specs/services/{name}:{line}:1: image: building an image needs the project's "
            "'images.registry'"
            for name, line in (
                ("api.yaml", 9),
                ("billing-worker.yaml", 6),
                ("control-panel.yaml", 9),
            )
        ],
        edits=[(PROJECT, "images:\n  registry: registry.gmac.io/gmac\n", "")],
    ),
    Case(
        "cluster image build without repo",
        [
            "specs/services/api.yaml:5:22: image.builder: the cluster builder builds from the "
            "service's repository: add 'repo', or build with builder 'local'"
        ],
        edits=[
            (
                API,
                "repo:\n  default_branch: main\n  protected_branches: [main]\n  webhooks: [ci]\n",
                "",
            )
        ],
    ),
    # --- names declared twice, and the Project
    Case(
        "duplicate service across files",
        [
            "specs/services/zz-api-copy.yaml:3:7: name: service 'api' is already defined at "
            "specs/services/api.yaml:3:7"
        ],
        files=[("services/zz-api-copy.yaml", "apiVersion: gmac.io/v1\nkind: Service\nname: api\n")],
    ),
    Case(
        "two Projects",
        [
            "specs/zz-project.yaml:2:7: kind: only one Project is allowed; the first is at "
            "specs/project.yaml:4:1"
        ],
        files=[("zz-project.yaml", "# another\nkind: Project\nname: other\nowner: me\n")],
    ),
    Case(
        "autoscale min over max",
        ["specs/services/api.yaml:12:1: autoscale: min (9) is more than max (8)"],
        edits=[(API, "autoscale: {min: 3,", "autoscale: {min: 9,")],
    ),
    Case(
        "duplicate alert",
        ["specs/services/api.yaml:28:5: alerts.1.name: alert 'ApiHighErrorRate' is declared twice"],
        edits=[(API, "name: ApiSlow", "name: ApiHighErrorRate")],
    ),
    Case(
        "duplicate product",
        ["specs/integrations/stripe.yaml:10:5: products.1.id: product 'pro' is declared twice"],
        edits=[
            (STRIPE, "    name: gmac Pro\n", "    name: gmac Pro\n  - id: pro\n    name: again\n")
        ],
    ),
    Case(
        "duplicate price",
        [
            "specs/integrations/stripe.yaml:12:10: products.0.prices.1.id: price 'pro-monthly' "
            "is declared twice"
        ],
        edits=[(STRIPE, "id: pro-yearly", "id: pro-monthly")],
    ),
    Case(
        "turso token for unknown database",
        [
            "specs/integrations/turso.yaml:11:6: tokens.0.database: token for unknown database "
            "'registri' (did you mean 'registry'?)"
        ],
        edits=[(TURSO, "{database: registry,", "{database: registri,")],
    ),
    Case(
        "rule about a block points at its key",
        [
            "specs/project.yaml:32:5: environments.staging.kubernetes: give 'context' or "
            "'render_to', not both"
        ],
        edits=[(PROJECT, "{context: k3s-staging,", "{render_to: out, context: k3s-staging,")],
    ),
    Case(
        "only one environment checked with --env",
        [
            "specs/services/api.yaml:11:36: replicas.production: input should be greater than "
            "or equal to 0 (got -3)"
        ],
        edits=[(API, "production: 3}", "production: -3}")],
        env="production",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_problem(project: SpecProject, case: Case) -> None:
    for relative, old, new in case.edits:
        project.replace(relative, old, new)
    for relative, text in case.files:
        project.write(relative, text)
    assert project.problems(case.env) == case.expected


def test_example_specs_are_valid(project: SpecProject) -> None:
    assert list(project.validate()) == ["local", "staging", "production"]


def test_value_wrong_only_in_production_passes_for_staging(project: SpecProject) -> None:
    project.replace(API, "production: 3}", "production: -3}")
    assert list(project.validate("staging")) == ["staging"]


def test_no_project(project: SpecProject) -> None:
    project.path(PROJECT).unlink()
    assert project.problems() == [
        "specs:1:1: no Project spec found: add a file with 'kind: Project'"
    ]


def test_unknown_env_is_a_usage_error_with_hint(project: SpecProject) -> None:
    with pytest.raises(UsageError) as caught:
        project.validate("prod")
    assert str(caught.value) == (
        "unknown environment 'prod' (did you mean 'production'?); "
        "the project declares: local, staging, production"
    )
    with pytest.raises(UsageError) as caught:
        project.validate("nope")
    assert str(caught.value) == (
        "unknown environment 'nope'; the project declares: local, staging, production"
    )


def test_missing_specs_directory(project: SpecProject) -> None:
    import shutil

    shutil.rmtree(project.specs)
    with pytest.raises(UsageError, match="no specs directory at 'specs': pass --specs DIR"):
        project.validate()


def test_every_problem_in_one_run(project: SpecProject) -> None:
    """Problems in four files, of four kinds, all reported together, each once."""
    project.replace(API, "{staging: 1, production: 3}", "{staging: 1, prod: 3}")
    project.replace(API, "memory: 256Mi", "memory: 256m")
    project.replace(STRIPE, "type: stripe", "type: strpe")
    project.replace(PROJECT, "to: ops@gmac.io", "to: nobody")
    project.replace("services/control-panel.yaml", "port: 3000\nreplicas", "port: [3000\nreplicas")
    project.write("services/extra.yaml", "kind: Service\nname: billing-worker\n")
    problems = project.problems()
    assert len(problems) == 6, problems
    files = {problem.split(":")[0] for problem in problems}
    assert files == {
        "specs/services/api.yaml",
        "specs/integrations/stripe.yaml",
        "specs/project.yaml",
        "specs/services/control-panel.yaml",
        "specs/services/extra.yaml",
    }
    # Sorted by file, then position: the order a person fixes them in.
    assert problems == sorted(
        problems, key=lambda p: (p.split(":")[0], *map(int, p.split(":")[1:3]))
    )


def test_positions_match_the_file(project: SpecProject) -> None:
    """Line and column of each problem are where the offending text stands."""
    project.replace(API, "{staging: 1, production: 3}", "{staging: 1, prod: 3}")
    project.replace(API, "memory: 256Mi", "memory: 256m")
    project.replace(API, "  - name: ApiSlow", "  - name: ApiSlow\n    sevrity: info")
    project.replace("services/billing-worker.yaml", "uses: [stripe]", "uses: [stripe, gitea]")
    problems = project.problems()
    expected = {
        ("specs/services/api.yaml", *project.position(API, "prod: 3")),
        ("specs/services/api.yaml", *project.position(API, "256m")),
        ("specs/services/api.yaml", *project.position(API, "sevrity")),
        (
            "specs/services/billing-worker.yaml",
            *project.position("services/billing-worker.yaml", "gitea"),
        ),
    }
    found = {(f, int(line), int(col)) for f, line, col, *_ in (p.split(":") for p in problems)}
    assert found == expected, problems


def test_broken_template_directory(project: SpecProject, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = project.root / "templates"
    for name, text in {
        "go-api": "name: go-api\ndefaults: [1\n",
        "worker": "- a list\n",
        "nextjs-web": "defaults: 3\n",
        "database": "defaults: {database: {engine: turso}}\n",
    }.items():
        (templates / name).mkdir(parents=True)
        (templates / name / "template.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("GMAC_TEMPLATES", str(templates))
    assert project.problems() == [
        "templates/go-api/template.yaml:3:1: invalid YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 2)",
        "templates/nextjs-web/template.yaml:1:11: defaults: must be a mapping of fields",
        "templates/worker/template.yaml:1:1: a spec must be a mapping of fields, not a list",
    ]


def test_inherited_value_reported_where_it_is_written(project: SpecProject) -> None:
    """Production inherits staging: a bad staging value is one problem, at its own line."""
    project.replace(
        PROJECT, "    domain: gmac.io\n", "    domain: gmac.io\n    inherits: staging\n"
    )
    project.replace(API, "{staging: 1, production: 3}", "{staging: -1}")
    project.replace(
        API,
        "resources: {cpu: 250m, memory: 256Mi}",
        "resources: {staging: {cpu: 1, memory: 1m}, local: {cpu: 1, memory: 1Gi}}",
    )
    assert project.problems() == [
        "specs/services/api.yaml:11:21: replicas.staging: input should be greater than or "
        "equal to 0 (got -1)",
        "specs/services/api.yaml:13:39: resources.staging.memory: '1m' means thousandths of a "
        "byte (did you mean '1Mi'?)",
    ]


def test_default_value_reported_where_it_is_written(project: SpecProject) -> None:
    project.replace(API, "{staging: 1, production: 3}", "{staging: 1, default: -1}")
    assert project.problems() == [
        "specs/services/api.yaml:11:33: replicas.default: input should be greater than or "
        "equal to 0 (got -1)"
    ]


def test_renamed_from_must_name_an_old_name(project: SpecProject) -> None:
    api, panel = "services/api.yaml", "services/control-panel.yaml"
    project.replace(api, "template: go-api", "template: go-api\nrenamed_from: api")
    project.replace(
        panel, "template: nextjs-web", "template: nextjs-web\nrenamed_from: billing-worker"
    )
    line, column = project.position(api, "renamed_from")
    line2, column2 = project.position(panel, "renamed_from")
    assert project.problems() == [
        f"specs/{api}:{line}:{column}: renamed_from: 'api' is its own name: name the one it had",
        f"specs/{panel}:{line2}:{column2}: renamed_from: 'billing-worker' is another "
        "service's name: name the one it had",
    ]
