"""The scheduled `gmac health` of an environment: the integrations' `health.every` in effect.

Children of the Monitoring component, in the environment's namespace, when some integration
declares `health` and the environment's integrations are live:

    gmac-health  Secret   the credentials the checks read, as GMAC_SECRET_<NAME> variables,
                          and the registry's token
    gmac-health  CronJob  `gmac health --env ENV --specs /project/specs` on the shortest
                          `health.every` of the environment's integrations, pushing its
                          metrics to `environments.ENV.monitoring.pushgateway` when given and
                          recording into `monitoring.health_checks.registry` when given
                          (`--no-record` when not: a pod's own file would be lost with it)

Decisions worth knowing:
- One CronJob per environment, on the shortest interval: every integration is checked then.
- `concurrencyPolicy: Forbid` and a deadline of one interval: a slow run never piles up.
- The image holds gmac and the project's specs (docs/observe.md has a Dockerfile); by default
  `{images.registry}/gmac:latest`. It runs as the non-root user 65532, without a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pulumi

from components._kube import child, duration_seconds, metadata, secret_payload
from components.kube_object import KubeObject, Object
from gmac.models import StripeIntegration, TursoIntegration
from gmac.models.integration import cron_schedule

if TYPE_CHECKING:
    from components.context import CompileContext
    from gmac.models.project import HealthChecks

HEALTH_JOB = "gmac-health"
SPECS_IN_IMAGE = "/project/specs"
SECRET_PREFIX = "GMAC_SECRET_"  # gmac.app.run_secrets reads a secret's value from here
REGISTRY_URL = "GMAC_REGISTRY_URL"  # gmac.registry's own variables
REGISTRY_TOKEN = "GMAC_REGISTRY_AUTH_TOKEN"
RUN_AS = 65532


def shortest_every(ctx: CompileContext) -> str | None:
    """The shortest `health.every` of the environment's integrations (None: none has one)."""
    intervals = [item.health.every for item in ctx.spec.integrations if item.health is not None]
    return min(intervals, key=duration_seconds) if intervals else None


def credential_secrets(ctx: CompileContext) -> list[str]:
    """The secrets `gmac health` reads: the Git token, integration credentials, app tokens."""
    names: list[str] = []
    git = ctx.project.git
    if git is not None and git.credentials is not None:
        names.append(git.credentials.secret)
    for item in ctx.spec.integrations:
        if isinstance(item, StripeIntegration | TursoIntegration):
            names.append(item.credentials.secret)
        if isinstance(item, TursoIntegration):
            names.extend(token.secret for token in item.tokens)
    return sorted(set(names))


def default_health_image(ctx: CompileContext) -> str:
    registry = ctx.project.images.registry if ctx.project.images else None
    return f"{registry.rstrip('/')}/gmac:latest" if registry else "gmac:latest"


def _variable(name: str) -> str:
    return SECRET_PREFIX + name.upper().replace("-", "_").replace(".", "_")


def health_arguments(ctx: CompileContext, checks: HealthChecks | None) -> list[str]:
    """What the job runs: `gmac` and these arguments."""
    args = ["health", "--env", ctx.env, "--specs", SPECS_IN_IMAGE]
    monitoring = ctx.environment.monitoring
    if monitoring is not None and monitoring.pushgateway is not None:
        args += ["--pushgateway", monitoring.pushgateway]
    if checks is None or checks.registry is None:
        args.append("--no-record")
    return args


def cron_job_spec(
    ctx: CompileContext, checks: HealthChecks | None, every: str, secret: str | None
) -> Object:
    env: list[Object] = [{"name": "GMAC_ACTOR", "value": HEALTH_JOB}]
    keys = credential_secrets(ctx)
    registry = checks.registry if checks is not None else None
    if registry is not None:
        env.append({"name": REGISTRY_URL, "value": registry.url})
    if secret is not None:
        ref = [(key, _variable(key)) for key in keys]
        if registry is not None and registry.token is not None:
            ref.append((registry.token, REGISTRY_TOKEN))
        env += [
            {
                "name": variable,
                "valueFrom": {"secretKeyRef": {"name": secret, "key": key, "optional": True}},
            }
            for key, variable in ref
        ]
    container: Object = {
        "name": "gmac",
        "image": (checks.image if checks and checks.image else None) or default_health_image(ctx),
        "command": ["gmac"],
        "args": health_arguments(ctx, checks),
        "env": env,
        "resources": {
            "requests": {"cpu": "50m", "memory": "128Mi"},
            "limits": {"memory": "256Mi"},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    seconds = max(60, int(duration_seconds(every)))
    return {
        "schedule": cron_schedule(every) or "*/5 * * * *",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": seconds,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {
            "spec": {
                "backoffLimit": 0,
                "activeDeadlineSeconds": seconds,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "automountServiceAccountToken": False,
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": RUN_AS,
                            "runAsGroup": RUN_AS,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [container],
                    }
                },
            }
        },
    }


def add_health_job(
    parent: pulumi.Resource, ctx: CompileContext, checks: HealthChecks | None
) -> KubeObject | None:
    """The environment's health CronJob (and its Secret), or None when nothing is scheduled."""
    every = shortest_every(ctx)
    if every is None or ctx.offline:
        return None
    labels = ctx.labels(HEALTH_JOB, "health")
    keys = credential_secrets(ctx)
    if checks is not None and checks.registry is not None and checks.registry.token is not None:
        keys.append(checks.registry.token)
    secret: str | None = None
    if keys:
        data, sealed = secret_payload(ctx, keys)
        fields: Object = {
            "metadata": metadata(HEALTH_JOB, ctx, labels, sealed),
            "type": "Opaque",
            "stringData": data,
        }
        KubeObject(HEALTH_JOB, "v1", "Secret", fields, child(parent))
        secret = HEALTH_JOB
    spec = cron_job_spec(ctx, checks, every, secret)
    return KubeObject(
        HEALTH_JOB,
        "batch/v1",
        "CronJob",
        {"metadata": metadata(HEALTH_JOB, ctx, labels), "spec": spec},
        child(parent),
    )
