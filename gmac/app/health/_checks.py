"""The checks: one or more per integration, each a `CheckResult`.

    target         checks
    git (Gitea)    reachable (GET /api/v1/version), credentials (GET /api/v1/user), the
                   organization exists
    stripe         credentials and reachable (GET /v1/balance, through the Stripe SDK)
    turso          credentials (GET /v1/auth/validate, with the token's expiry), each
                   database exists (Platform API), each database answers (`SELECT 1` with
                   libsql-client, at its URL with its app token)
    webhook        reachable: the receiver answers HEAD at all (any status but a 5xx other
                   than 501)

A check never raises: what went wrong is its `detail`, in the same words an apply would use
(`stripe: secret key rejected (401); check secret 'stripe-secret-key'`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import libsql_client

from gmac.clients.gitea import GiteaClient, GiteaConnection
from gmac.clients.http import ATTEMPTS_VARIABLE, RetryPolicy, default_timeout, head
from gmac.clients.stripe import StripeApi, StripeConnection
from gmac.clients.turso import DEFAULT_TURSO_API_BASE, TursoClient, TursoConnection
from gmac.errors import GmacError, IntegrationError
from gmac.models import StripeIntegration, TursoIntegration, WebhookIntegration
from gmac.validate import Spec

STRIPE_API_BASE_VARIABLE = "GMAC_STRIPE_API_BASE"
TURSO_API_BASE_VARIABLE = "GMAC_TURSO_API_BASE"
TURSO_DATABASE_URL_VARIABLE = "GMAC_TURSO_DATABASE_URL"
HEALTH_TIMEOUT = 10.0
# A health check reports what it finds now: one retry for a blip, not a long backoff, unless
# GMAC_HTTP_ATTEMPTS says otherwise.
HEALTH_ATTEMPTS = 2


def health_retry() -> RetryPolicy:
    attempts = HEALTH_ATTEMPTS
    if os.environ.get(ATTEMPTS_VARIABLE, "").strip():
        attempts = RetryPolicy.from_environment().attempts
    return RetryPolicy(attempts=attempts, base_delay=0.2, max_delay=1.0)


@dataclass(frozen=True)
class CheckResult:
    target: str  # the integration's name (`git` for the project's Git server)
    kind: str  # gitea, stripe, turso, webhook
    check: str  # reachable, credentials, database:<name>, ...
    healthy: bool
    detail: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class HealthReport:
    environment: str
    checked_at: datetime
    results: tuple[CheckResult, ...] = ()
    offline: bool = False  # the environment's integrations are offline: nothing was checked

    @property
    def healthy(self) -> bool:
        return all(result.healthy for result in self.results)

    def targets(self) -> dict[str, list[CheckResult]]:
        grouped: dict[str, list[CheckResult]] = {}
        for result in self.results:
            grouped.setdefault(result.target, []).append(result)
        return grouped

    def to_dict(self) -> dict[str, object]:
        return {
            "environment": self.environment,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "healthy": self.healthy,
            "offline": self.offline,
            "integrations": [
                {
                    "name": target,
                    "type": results[0].kind,
                    "healthy": all(r.healthy for r in results),
                    "checks": [
                        {
                            "check": r.check,
                            "healthy": r.healthy,
                            "detail": r.detail,
                            "seconds": round(r.seconds, 3),
                        }
                        for r in results
                    ],
                }
                for target, results in self.targets().items()
            ],
        }


@dataclass
class _Checker:
    spec: Spec
    secrets: Mapping[str, str]
    results: list[CheckResult] = field(default_factory=list)

    def run(
        self, target: str, kind: str, check: str, probe: Callable[[], str | None]
    ) -> CheckResult:
        """`probe` returns a detail for a healthy result, or raises what is wrong."""
        start = time.monotonic()
        try:
            detail = probe() or ""
            healthy = True
        except GmacError as error:
            detail, healthy = str(error), False
        except Exception as error:  # a check reports; it never stops the others
            detail, healthy = f"{kind}: {type(error).__name__}: {error}", False
        result = CheckResult(target, kind, check, healthy, detail, time.monotonic() - start)
        self.results.append(result)
        return result

    def secret(self, name: str, kind: str) -> str:
        value = self.secrets.get(name, "")
        if not value:
            raise IntegrationError(kind, "no value for the credential", hint=f"set '{name}'")
        return value


def _gitea(base_url: str, token: str, credential: str) -> GiteaClient:
    timeout = min(default_timeout(), HEALTH_TIMEOUT)
    connection = GiteaConnection(
        base_url, token=token, token_secret=credential, timeout=timeout, retry=health_retry()
    )
    return GiteaClient(connection)


def _check_git(checker: _Checker) -> None:
    git = checker.spec.project.git
    if git is None:
        return
    kind = git.provider
    secret = git.credentials.secret if git.credentials is not None else ""

    def reachable() -> str:
        version = _gitea(git.url, "", secret).server_version()
        return f"version {version}" if version is not None else ""

    def credentials() -> str:
        client = _gitea(git.url, checker.secret(secret, kind), secret)
        user = client.user()
        client.organization(git.org)
        return f"as {user.get('login', '?')}, organization {git.org}"

    checker.run("git", kind, "reachable", reachable)
    checker.run("git", kind, "credentials", credentials)


def _check_stripe(checker: _Checker, integration: StripeIntegration) -> None:
    secret = integration.credentials.secret
    base = os.environ.get(STRIPE_API_BASE_VARIABLE) or ""

    def credentials() -> str:
        key = checker.secret(secret, "stripe")
        timeout = min(default_timeout(), HEALTH_TIMEOUT)
        connection = StripeConnection(key, secret, base, timeout=timeout, retry=health_retry())
        StripeApi(connection).check_key()
        return "test mode" if key.startswith(("sk_test_", "rk_test_")) else "live mode"

    checker.run(integration.name, "stripe", "credentials", credentials)


def _expiry(exp: object) -> str:
    if not isinstance(exp, int | float) or exp < 0:
        return "token does not expire"
    left = exp - time.time()
    if left <= 0:
        raise IntegrationError("turso", "the Platform API token has expired")
    return f"token expires in {left / 86400:.0f} days"


def _check_turso(checker: _Checker, integration: TursoIntegration) -> None:
    secret = integration.credentials.secret
    base = os.environ.get(TURSO_API_BASE_VARIABLE) or DEFAULT_TURSO_API_BASE
    org = integration.organization
    name = integration.name

    def client() -> TursoClient:
        token = checker.secret(secret, "turso")
        timeout = min(default_timeout(), HEALTH_TIMEOUT)
        connection = TursoConnection(base, token, secret, timeout=timeout, retry=health_retry())
        return TursoClient(connection)

    def valid() -> str:
        return _expiry(client().validate_token().get("exp"))

    credentials = checker.run(name, "turso", "credentials", valid)
    tokens = {token.database: token.secret for token in integration.tokens}
    for database in integration.databases:
        hostname: list[str] = []

        def exists(database: str = database.name, found: list[str] = hostname) -> str:
            described = client().organization(org).database(database)
            found.append(str(described.get("Hostname", "")))
            return f"group {described.get('group', '?')}"

        def answers(database: str = database.name, found: list[str] = hostname) -> str:
            template = os.environ.get(TURSO_DATABASE_URL_VARIABLE)
            if template:
                url = template.replace("{name}", database)
            elif found and found[0]:
                url = f"libsql://{found[0]}"
            else:
                raise IntegrationError("turso", f"database '{database}': no URL to connect to")
            token = checker.secrets.get(tokens.get(database, ""), "") or None
            if token is None and not url.startswith("file:"):
                hint = f"set '{tokens[database]}'" if database in tokens else "declare a token"
                raise IntegrationError("turso", f"database '{database}': no token", hint=hint)
            return _select_one(url, token, database)

        if credentials.healthy:
            checker.run(name, "turso", f"database:{database.name}", exists)
        checker.run(name, "turso", f"answers:{database.name}", answers)


def _select_one(url: str, token: str | None, database: str) -> str:
    try:
        client = libsql_client.create_client_sync(url, auth_token=token)
        try:
            rows = client.execute("SELECT 1").rows
        finally:
            client.close()
    except Exception as error:
        text = getattr(error, "explanation", None) or str(error) or type(error).__name__
        raise IntegrationError("turso", f"database '{database}': {text}") from None
    if not rows or rows[0][0] != 1:
        raise IntegrationError("turso", f"database '{database}': SELECT 1 answered {rows!r}")
    return "SELECT 1 answered"


def _check_webhook(checker: _Checker, integration: WebhookIntegration) -> None:
    def reachable() -> str:
        timeout = min(default_timeout(), HEALTH_TIMEOUT)
        response = head("webhook", integration.url, timeout=timeout, retry=health_retry())
        # Any answer shows the receiver is there; a 5xx other than "HEAD not implemented"
        # shows it is broken.
        if response.status_code >= 500 and response.status_code != 501:
            raise IntegrationError("webhook", f"{integration.url} answered {response.status_code}")
        return f"answered {response.status_code}"

    checker.run(integration.name, "webhook", "reachable", reachable)


def check_environment(spec: Spec, secret_values: Mapping[str, str]) -> HealthReport:
    """Every check of every integration of `spec`'s environment (none when offline)."""
    now = datetime.now(UTC)
    if spec.environment.integrations == "offline":
        return HealthReport(spec.env, now, (), offline=True)
    checker = _Checker(spec, secret_values)
    _check_git(checker)
    for integration in spec.integrations:
        if isinstance(integration, StripeIntegration):
            _check_stripe(checker, integration)
        elif isinstance(integration, TursoIntegration):
            _check_turso(checker, integration)
        elif isinstance(integration, WebhookIntegration):
            _check_webhook(checker, integration)
    return HealthReport(spec.env, now, tuple(checker.results))


def credential_names(spec: Spec) -> set[str]:
    """The secrets the checks read: integration credentials, the Git token, app tokens."""
    names: set[str] = set()
    git = spec.project.git
    if git is not None and git.credentials is not None:
        names.add(git.credentials.secret)
    for integration in spec.integrations:
        if isinstance(integration, StripeIntegration | TursoIntegration):
            names.add(integration.credentials.secret)
        if isinstance(integration, TursoIntegration):
            names.update(token.secret for token in integration.tokens)
    return names
