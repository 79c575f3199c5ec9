"""No URL field carries a credential: a user name or password (`https://user:pw@host/`), or
a credential-named query parameter, is refused with a pointer at `secrets:`, and the password
is printed nowhere, not by `gmac validate` nor by `gmac show`."""

from __future__ import annotations

import json

from .conftest import SpecProject, run_gmac

PASSWORD = "hunter2-0d5f"
POINTER = "keep credentials out of URLs, in a secret declared under 'secrets:' in the project"
WEBHOOK = "integrations/ci-webhook.yaml"
STRIPE = "integrations/stripe.yaml"
PROJECT = "project.yaml"
API = "services/api.yaml"

# The URL fields of the example: (file, the field's text, its path)
URL_FIELDS = [
    (WEBHOOK, "url: https://ci.gmac.io/hooks/gitea", "url"),
    (STRIPE, 'url: "https://api.{domain}/stripe/webhook"', "webhooks.0.url"),
    (PROJECT, "  url: https://git.gmac.io\n", "git.url"),
]


def _with_user(text: str) -> str:
    return text.replace("https://", f"https://ci:{PASSWORD}@", 1)


def _shown(text: str) -> str:
    return text.replace("https://", "https://[secret]@", 1)


def test_every_url_field_refuses_a_user_and_password(project: SpecProject) -> None:
    expected = []
    for relative, text, path in URL_FIELDS:
        project.replace(relative, text, _with_user(text))
        value = text.split("url: ")[-1].strip()
        line, column = project.position(relative, _with_user(value))
        value = value.strip('"').replace("{domain}", "gmac.io")
        expected.append(
            f"specs/{relative}:{line}:{column}: {path}: '{_shown(value)}' carries a user name "
            f"or password: {POINTER}"
        )
    assert project.problems("production") == sorted(expected)


def test_the_state_backend_url(project: SpecProject) -> None:
    project.replace(
        PROJECT, "\nowner: gmackie\n", f"\nowner: gmackie\nbackend: s3://ops:{PASSWORD}@state\n"
    )
    line, column = project.position(PROJECT, "s3://")
    assert project.problems() == [
        f"specs/{PROJECT}:{line}:{column}: backend: 's3://[secret]@state' carries a user name "
        f"or password: {POINTER}"
    ]


def test_an_environment_monitoring_url(project: SpecProject) -> None:
    project.replace(
        PROJECT,
        "    kubernetes: {render_to: .gmac/render/local}\n",
        "    kubernetes: {render_to: .gmac/render/local}\n"
        f"    monitoring: {{prometheus: 'http://admin:{PASSWORD}@127.0.0.1:9090'}}\n",
    )
    line, column = project.position(PROJECT, "'http://admin")
    assert project.problems() == [
        f"specs/{PROJECT}:{line}:{column}: environments.local.monitoring.prometheus: "
        f"'http://[secret]@127.0.0.1:9090' carries a user name or password: {POINTER}"
    ]


def test_a_credential_in_the_query_is_refused(project: SpecProject) -> None:
    text = "url: https://ci.gmac.io/hooks/gitea"
    project.replace(WEBHOOK, text, f"{text}?token={PASSWORD}")
    line, column = project.position(WEBHOOK, "https://ci.gmac.io")
    assert project.problems() == [
        f"specs/{WEBHOOK}:{line}:{column}: url: the URL's 'token' parameter carries a "
        "credential: keep it out of URLs, in a secret declared under 'secrets:' in the project"
    ]


def test_a_password_in_an_environment_value_is_refused(project: SpecProject) -> None:
    project.replace(API, "  LOG_LEVEL: info", f"  DATABASE_URL: postgres://app:{PASSWORD}@db/app")
    line, column = project.position(API, "postgres://")
    assert project.problems("staging") == [
        f"specs/{API}:{line}:{column}: env.DATABASE_URL: 'postgres://[secret]@db/app' carries "
        "a password: read it from a secret (the service's 'secrets:', declared under "
        "'secrets:' in the project)"
    ]


def test_no_command_prints_the_password(project: SpecProject) -> None:
    relative, text, _ = URL_FIELDS[0]
    project.replace(relative, text, _with_user(text))
    for command in (
        ["show", "--env", "production"],
        ["show", "--env", "production", "--json"],
        ["validate"],
        ["validate", "--json"],
        ["graph", "--env", "staging"],
    ):
        result = run_gmac(*command, cwd=project.root)
        assert result.returncode == 1, command
        assert PASSWORD not in result.stdout + result.stderr, command
        assert "[secret]@ci.gmac.io" in result.stdout + result.stderr, command
    problems = json.loads(run_gmac("validate", "--json", cwd=project.root).stdout)["problems"]
    assert [problem["path"] for problem in problems] == ["url"]
