"""Every problem in one run: the references of a spec are checked even when part of it, or of
the project, is invalid; a name whose own declaration is invalid is not reported as unknown."""

from __future__ import annotations

from .conftest import SpecProject, run_gmac

API = "services/api.yaml"
STRIPE = "integrations/stripe.yaml"
PROJECT = "project.yaml"
DECLARE_SECRET = "declare it under 'secrets' in the project"
UNKNOWN_SECRET = (
    "unknown secret 'stripe-secret-ky' (did you mean 'stripe-secret-key'?): " + DECLARE_SECRET
)


def _at(project: SpecProject, relative: str, needle: str) -> str:
    line, column = project.position(relative, needle)
    return f"specs/{relative}:{line}:{column}"


def test_unknown_field_and_undeclared_secret_both_reported(project: SpecProject) -> None:
    project.replace(API, "\nhealth: {path: /healthz}", "\nhealht: {path: /healthz}")
    project.replace(API, "secrets: [stripe-secret-key,", "secrets: [stripe-secret-ky,")
    expected = [
        f"{_at(project, API, 'healht')}: healht: unknown field (did you mean 'health'?)",
        f"{_at(project, API, 'stripe-secret-ky')}: secrets.0: {UNKNOWN_SECRET}",
    ]
    assert project.problems() == expected
    result = run_gmac("validate", cwd=project.root)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [*expected, "2 problems in the specs"]


def test_a_bad_list_item_and_a_reference_after_it(project: SpecProject) -> None:
    """The bad item is left out to check the rest; the problems name the file's indexes."""
    project.replace(API, "secrets: [stripe-secret-key,", "secrets: [Stripe_Key, stripe-secret-ky,")
    assert project.problems() == [
        f"{_at(project, API, 'Stripe_Key')}: secrets.0: 'Stripe_Key' is not a valid name: "
        "lowercase letters, digits and '-', starting and ending with a letter or digit "
        "(DNS-1123)",
        f"{_at(project, API, 'stripe-secret-ky')}: secrets.1: {UNKNOWN_SECRET}",
    ]


def test_an_invalid_item_of_a_list_of_blocks(project: SpecProject) -> None:
    """A Stripe webhook with a bad URL, and the next one's undeclared signing secret."""
    project.replace(
        STRIPE,
        "    signing_secret: stripe-webhook-secret",
        "    signing_secret: stripe-webhook-secret\n"
        "  - url: https://api.{domain}/stripe/other\n"
        "    events: ['*']\n"
        "    signing_secret: stripe-webhook-secrt",
    )
    project.replace(STRIPE, '"https://api.{domain}/stripe/webhook"', "api/stripe/webhook")
    assert project.problems() == [
        f"{_at(project, STRIPE, 'api/stripe/webhook')}: webhooks.0.url: 'api/stripe/webhook' "
        "is not an http(s) URL such as https://example.com/path",
        f"{_at(project, STRIPE, 'stripe-webhook-secrt')}: webhooks.1.signing_secret: unknown "
        "secret 'stripe-webhook-secrt' (did you mean 'stripe-webhook-secret'?): " + DECLARE_SECRET,
    ]


def test_references_checked_against_an_invalid_project(project: SpecProject) -> None:
    """A project missing a required field still declares its secrets and environments."""
    project.replace(PROJECT, "\nowner: gmackie\n", "\nownr: gmackie\n")
    project.replace(API, "secrets: [stripe-secret-key,", "secrets: [stripe-secret-ky,")
    project.replace(API, "replicas: {staging: 1, production: 3}", "replicas: {staging: 1, prod: 3}")
    problems = project.problems()
    assert problems == [
        "specs/project.yaml:4:1: owner: required field is missing",
        f"{_at(project, PROJECT, 'ownr')}: ownr: unknown field (did you mean 'owner'?)",
        f"{_at(project, API, 'prod: 3')}: replicas.prod: unknown environment 'prod' "
        "(did you mean 'production'?)",
        f"{_at(project, API, 'stripe-secret-ky')}: secrets.0: {UNKNOWN_SECRET}",
    ]


def test_references_inside_a_partly_invalid_project(project: SpecProject) -> None:
    project.replace(PROJECT, "  users: [gmackie]", "  users: [gmackie]\n  groups: {}")
    project.replace(PROJECT, "admin: [gmackie]", "admin: [gmacky]")
    assert project.problems() == [
        f"{_at(project, PROJECT, 'groups')}: access.groups: unknown field",
        f"{_at(project, PROJECT, 'gmacky')}: access.roles.admin.0: unknown user 'gmacky' "
        "(did you mean 'gmackie'?): list it under 'access.users'",
    ]


def test_an_invalid_declaration_is_not_reported_again_as_unknown(project: SpecProject) -> None:
    """The secret's declaration is wrong, the services naming it are not; `git` is wrong,
    the services with a repository do not lack it."""
    project.replace(PROJECT, '{description: "Stripe secret API key (sk_...)"}', "{generate: yes}")
    project.replace(PROJECT, "  url: https://git.gmac.io\n", "  url: git.gmac.io\n")
    assert project.problems() == [
        f"{_at(project, PROJECT, 'git.gmac.io')}: git.url: 'git.gmac.io' is not an http(s) "
        "URL such as https://example.com/path",
        f"{_at(project, PROJECT, 'yes}')}: secrets.stripe-secret-key.generate: must be true, "
        "false or {length: N}, not 'yes' (did you mean true?)",
    ]


def test_a_rule_of_a_block_and_a_reference_beside_it(project: SpecProject) -> None:
    project.replace(API, "autoscale: {min: 3,", "autoscale: {min: 9,")
    project.replace(API, "uses: [stripe,", "uses: [strip,")
    assert project.problems() == [
        f"{_at(project, API, 'autoscale')}: autoscale: min (9) is more than max (8)",
        f"{_at(project, API, 'strip,')}: uses.0: unknown integration 'strip' (did you mean "
        "'stripe'?): add an Integration spec with that name",
    ]
