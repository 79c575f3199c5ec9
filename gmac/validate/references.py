"""Cross-reference checks: every name a spec uses must be declared somewhere.

The checks also run on what parsed of an invalid spec (gmac.validate.salvage), so what a
document declares is read from what it wrote as well as from its model: a name whose
declaration is itself invalid is not reported again as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gmac.errors import Problem
from gmac.load import Document, YamlPath
from gmac.models import (
    Integration,
    Project,
    Service,
    StripeIntegration,
    TursoIntegration,
    WebhookIntegration,
)
from gmac.suggest import did_you_mean


class _Checker:
    def __init__(self, declared_invalid: Iterable[str] = ()) -> None:
        self.problems: list[Problem] = []
        # Names that invalid specs declare: their own problems are reported, so a reference
        # to them is not reported again as unknown.
        self._declared_invalid = frozenset(declared_invalid)

    def require(
        self,
        document: Document,
        path: YamlPath,
        name: str,
        known: Iterable[str],
        what: str,
        *,
        where: str,
        spec_name: bool = False,
    ) -> None:
        """A problem unless `name` is in `known`; `spec_name` when it names a spec's own."""
        choices = sorted(set(known))
        if name in choices or (spec_name and name in self._declared_invalid):
            return
        line, column = document.source.locate(path)
        dotted = ".".join(str(part) for part in document.source.written(path))
        hint = did_you_mean(name, choices)
        self.problems.append(
            Problem(document.file, line, column, dotted, f"unknown {what} '{name}'{hint}: {where}")
        )

    def fail(self, document: Document, path: YamlPath, message: str) -> None:
        """A problem about a whole field: it points at the field's key."""
        line, column = document.source.locate(path, at_key=True)
        dotted = ".".join(str(part) for part in document.source.written(path))
        self.problems.append(Problem(document.file, line, column, dotted, message))


def _written(data: Any, *path: str) -> list[str]:
    """The names written at `path` in a document's data: a mapping's keys, a list's strings."""
    node = data
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        return [key for key in node if isinstance(key, str)]
    if isinstance(node, list):
        return [item for item in node if isinstance(item, str)]
    return []


def _declared(document: Document, model_names: Iterable[str], *path: str) -> list[str]:
    """Names the model declares at `path`, and those the document wrote there."""
    return sorted({*model_names, *_written(document.data, *path)})


def _absent(document: Document, field: str) -> bool:
    """The document did not write `field` (or wrote null): a model without it means that."""
    return document.data.get(field) is None


def _databases(services: Iterable[Service], integrations: Iterable[Integration]) -> set[str]:
    names = {
        db.name
        for item in integrations
        if isinstance(item, TursoIntegration)
        for db in item.databases
    }
    names.update(service.database.name for service in services if service.database)
    return names


def check_project(project: Project, document: Document) -> list[Problem]:
    """References inside the Project itself: access rules, and secrets it names."""
    check = _Checker()
    secrets = "declare it under 'secrets' in the project"
    declared_secrets = _declared(document, project.secrets, "secrets")
    environments = _declared(document, project.environments, "environments")
    for name, environment in project.environments.items():
        if environment.inherits is not None:
            check.require(
                document,
                ("environments", name, "inherits"),
                environment.inherits,
                [other for other in environments if other != name],
                "environment",
                where="name another environment under 'environments'",
            )
    if project.access is not None:
        users = _declared(document, project.access.users, "access", "users")
        for role, members in project.access.roles.items():
            for i, member in enumerate(members):
                check.require(
                    document,
                    ("access", "roles", role, i),
                    member,
                    users,
                    "user",
                    where="list it under 'access.users'",
                )
        principals = [*users, *_declared(document, project.access.roles, "access", "roles")]
        for r, rule in enumerate(project.access.rules):
            for i, env in enumerate(rule.environments):
                check.require(
                    document,
                    ("access", "rules", r, "environments", i),
                    env,
                    environments,
                    "environment",
                    where="declare it under 'environments'",
                )
            for action in ("apply", "destroy", "reveal_secrets"):
                for i, who in enumerate(getattr(rule, action) or []):
                    check.require(
                        document,
                        ("access", "rules", r, action, i),
                        who,
                        principals,
                        "user or role",
                        where="declare it under 'access'",
                    )
    if project.git is not None and project.git.credentials is not None:
        check.require(
            document,
            ("git", "credentials", "secret"),
            project.git.credentials.secret,
            declared_secrets,
            "secret",
            where=secrets,
        )
    if project.images is not None and project.images.credentials is not None:
        check.require(
            document,
            ("images", "credentials", "secret"),
            project.images.credentials.secret,
            declared_secrets,
            "secret",
            where=secrets,
        )
    alertmanager = project.monitoring.alertmanager if project.monitoring else None
    if alertmanager is not None and alertmanager.email.auth_secret is not None:
        check.require(
            document,
            ("monitoring", "alertmanager", "email", "auth_secret"),
            alertmanager.email.auth_secret,
            declared_secrets,
            "secret",
            where=secrets,
        )
    checks = project.monitoring.health_checks if project.monitoring else None
    if checks is not None and checks.registry is not None and checks.registry.token is not None:
        check.require(
            document,
            ("monitoring", "health_checks", "registry", "token"),
            checks.registry.token,
            declared_secrets,
            "secret",
            where=secrets,
        )
    return check.problems


def _names_declared_by(documents: Iterable[Document]) -> set[str]:
    """The names that specs which failed validation declare, read from their raw data."""
    names: set[str] = set()
    for document in documents:
        data = document.data
        names.update(name for name in [document.name] if name)
        database = data.get("database")
        if isinstance(database, dict) and isinstance(database.get("name"), str):
            names.add(database["name"])
        databases = data.get("databases") if data.get("type") == "turso" else None
        for item in databases if isinstance(databases, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.add(item["name"])
    return names


def check_references(
    project: Project,
    project_document: Document,
    services: Iterable[tuple[Service, Document]],
    integrations: Iterable[tuple[Integration, Document]],
    invalid: Iterable[Document] = (),
) -> list[Problem]:
    """Every secret, integration, database, webhook and environment named is declared.

    `invalid` are the specs that failed validation: what they declare counts as declared.
    """
    invalid = list(invalid)
    check = _Checker(_names_declared_by(invalid))
    invalid_turso = any(document.data.get("type") == "turso" for document in invalid)
    services = list(services)
    integrations = list(integrations)
    secrets = _declared(project_document, project.secrets, "secrets")
    environments = _declared(project_document, project.environments, "environments")
    declare_secret = "declare it under 'secrets' in the project"
    by_name = {item.name: item for item, _ in integrations}
    webhooks = [item.name for item, _ in integrations if isinstance(item, WebhookIntegration)]
    databases = _databases((s for s, _ in services), (i for i, _ in integrations))

    for name, declaration in project.secrets.items():
        if declaration.provided_by is not None:
            check.require(
                project_document,
                ("secrets", name, "provided_by"),
                declaration.provided_by,
                by_name,
                "integration",
                where="add an Integration spec with that name",
                spec_name=True,
            )

    service_names = {service.name for service, _ in services}
    for service, document in services:
        old = service.renamed_from
        if old is not None and (old == service.name or old in service_names):
            # The old name's resources would belong to two services at once.
            what = "its own name" if old == service.name else "another service's name"
            check.fail(document, ("renamed_from",), f"'{old}' is {what}: name the one it had")
        for i, env in enumerate(service.environments or []):
            check.require(
                document,
                ("environments", i),
                env,
                environments,
                "environment",
                where="declare it under 'environments' in the project",
            )
        for i, secret in enumerate(service.secrets):
            check.require(document, ("secrets", i), secret, secrets, "secret", where=declare_secret)
        for i, used in enumerate(service.uses):
            check.require(
                document,
                ("uses", i),
                used,
                by_name,
                "integration",
                where="add an Integration spec with that name",
                spec_name=True,
            )
        for i, database in enumerate(service.databases):
            check.require(
                document,
                ("databases", i),
                database,
                databases,
                "database",
                where="declare it in a Turso integration or a database service",
                spec_name=True,
            )
        if service.repo is not None:
            for i, hook in enumerate(service.repo.webhooks):
                check.require(
                    document,
                    ("repo", "webhooks", i),
                    hook,
                    webhooks,
                    "webhook integration",
                    where="add an Integration of type 'webhook'",
                    spec_name=True,
                )
            if project.git is None and _absent(project_document, "git"):
                check.fail(document, ("repo",), "a repository needs the project's 'git' section")
        if service.image is not None and service.image.build:
            if project.images is None and _absent(project_document, "images"):
                check.fail(
                    document, ("image",), "building an image needs the project's 'images.registry'"
                )
            default = project.images.builder if project.images is not None else "local"
            builder = service.image.builder or default
            if builder == "cluster" and service.repo is None and _absent(document, "repo"):
                check.fail(
                    document,
                    ("image", "builder"),
                    "the cluster builder builds from the service's repository: add 'repo', "
                    "or build with builder 'local'",
                )
        if service.database is not None:
            turso = [item for item, _ in integrations if isinstance(item, TursoIntegration)]
            if not turso and not invalid_turso:
                check.fail(
                    document,
                    ("database", "engine"),
                    "a turso database needs an Integration of type 'turso'",
                )

    for integration, document in integrations:
        if isinstance(integration, StripeIntegration | TursoIntegration):
            check.require(
                document,
                ("credentials", "secret"),
                integration.credentials.secret,
                secrets,
                "secret",
                where=declare_secret,
            )
        if isinstance(integration, StripeIntegration):
            for i, endpoint in enumerate(integration.webhooks):
                check.require(
                    document,
                    ("webhooks", i, "signing_secret"),
                    endpoint.signing_secret,
                    secrets,
                    "secret",
                    where=declare_secret,
                )
        if isinstance(integration, TursoIntegration):
            for i, token in enumerate(integration.tokens):
                check.require(
                    document,
                    ("tokens", i, "secret"),
                    token.secret,
                    secrets,
                    "secret",
                    where=declare_secret,
                )
        if isinstance(integration, WebhookIntegration):
            check.require(
                document, ("secret",), integration.secret, secrets, "secret", where=declare_secret
            )
    return check.problems
