"""Jobs in one namespace of a Kubernetes cluster, with the Secrets they read and the Pods they
run, through the kubernetes package (`kubernetes.KubeTarget(...).client()` gives the
`ApiClient`): the calls the in-cluster image builds make.

Answers come back as small values (`JobState`, `PodSummary`), not the package's untyped
models. Every failure is a one-line `kubernetes: ...` IntegrationError, never a traceback
nor a credential, in the words of the other HTTP clients (`http`):

    kubernetes: POST /apis/batch/v1/namespaces/shop/jobs: permission denied: ... (403)
    kubernetes: cannot reach https://10.0.0.1:6443: NewConnectionError

429 and 503 are tried again, other 5xx only for calls safe to repeat (reads, replaces,
deletes; see `http`); the kubernetes package itself repeats a connection that failed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from gmac.clients.http import CONNECT_TIMEOUT, RetryPolicy, redact_url, retry_after_seconds
from gmac.errors import IntegrationError

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

SERVICE = "kubernetes"
DEFAULT_TIMEOUT = 30.0
_ALWAYS_RETRIED = frozenset({429, 503})
_MESSAGE_LIMIT = 300
T = TypeVar("T")


@dataclass(frozen=True)
class JobState:
    succeeded: bool
    failed: bool


@dataclass(frozen=True)
class PodSummary:
    name: str
    messages: dict[str, str] = field(default_factory=dict)  # container -> termination message


def _server_message(body: Any) -> str:
    """The `message` of the API server's Status answer, if it sent one."""
    try:
        status = json.loads(body) if body else None
    except (TypeError, ValueError):
        return ""
    message = status.get("message") if isinstance(status, dict) else None
    return message[:_MESSAGE_LIMIT] if isinstance(message, str) else ""


def _answer_error(what: str, status: int, reason: str, body: Any) -> IntegrationError:
    message = _server_message(body)
    if status == 401:
        return IntegrationError(SERVICE, "token rejected", status=status)
    if status == 403:
        text = f"{what}: permission denied" + (f": {message}" if message else "")
        return IntegrationError(SERVICE, text, status=status)
    if status == 404:
        return IntegrationError(SERVICE, f"{what}: not found", status=status)
    return IntegrationError(SERVICE, f"{what}: {message or reason or 'failed'}", status=status)


def _job_state(job: Any) -> JobState:
    status = job.status
    return JobState(
        succeeded=bool(status and status.succeeded), failed=bool(status and status.failed)
    )


def _pod_summary(pod: Any) -> PodSummary:
    messages: dict[str, str] = {}
    for container in (pod.status.container_statuses if pod.status else None) or []:
        terminated = container.state.terminated if container.state else None
        messages[str(container.name)] = str((terminated.message if terminated else "") or "")
    return PodSummary(str(pod.metadata.name if pod.metadata else ""), messages)


class NamespaceJobs:
    """The Jobs, Secrets and Pods of `namespace`, as `api_client` may reach them."""

    def __init__(
        self,
        api_client: ApiClient,
        namespace: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        from kubernetes import client  # noqa: PLC0415 - slow to import (see `kubernetes`)

        self.namespace = namespace
        self.server = str(api_client.configuration.host)
        self.timeout = timeout
        self.retry = retry or RetryPolicy.from_environment()
        self._batch = client.BatchV1Api(api_client)
        self._core = client.CoreV1Api(api_client)
        where = quote(namespace, safe="")
        self._jobs = f"/apis/batch/v1/namespaces/{where}/jobs"
        self._namespace = f"/api/v1/namespaces/{where}"

    # Secrets ---------------------------------------------------------------------------------

    def put_secret(self, name: str, values: Mapping[str, str], labels: Mapping[str, str]) -> None:
        """An Opaque Secret holding `values`; one left under that name gets the new values."""
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "labels": dict(labels)},
            "type": "Opaque",
            "stringData": dict(values),
        }
        path = f"{self._namespace}/secrets"
        created = self._call(
            f"POST {path}",
            lambda: self._core.create_namespaced_secret(self.namespace, body, **self._options()),
            idempotent=False,
            tolerated=409,
        )
        if created is None:
            self._call(
                f"PUT {path}/{name}",
                lambda: self._core.replace_namespaced_secret(
                    name, self.namespace, body, **self._options()
                ),
                idempotent=True,
            )

    def delete_secret(self, name: str) -> None:
        """Deletes the Secret; one already gone is fine."""
        self._call(
            f"DELETE {self._namespace}/secrets/{name}",
            lambda: self._core.delete_namespaced_secret(name, self.namespace, **self._options()),
            idempotent=True,
            tolerated=404,
        )

    # Jobs ------------------------------------------------------------------------------------

    def job_state(self, name: str) -> JobState | None:
        """Whether the Job has succeeded or failed yet; None when there is no such Job."""
        job = self._read_job(name, tolerated=404)
        return None if job is None else _job_state(job)

    def existing_job_state(self, name: str) -> JobState:
        """As `job_state`, for a Job that must be there: a missing one is an error."""
        return _job_state(self._read_job(name, tolerated=None))

    def _read_job(self, name: str, tolerated: int | None) -> Any:
        return self._call(
            f"GET {self._jobs}/{name}",
            lambda: self._batch.read_namespaced_job(name, self.namespace, **self._options()),
            idempotent=True,
            tolerated=tolerated,
        )

    def create_job(self, manifest: Mapping[str, Any]) -> None:
        self._call(
            f"POST {self._jobs}",
            lambda: self._batch.create_namespaced_job(
                self.namespace, dict(manifest), **self._options()
            ),
            idempotent=False,
        )

    def delete_job(self, name: str, propagation: str = "Background") -> None:
        """Deletes the Job (and, by `propagation`, its Pods); one already gone is fine."""
        self._call(
            f"DELETE {self._jobs}/{name}",
            lambda: self._batch.delete_namespaced_job(
                name, self.namespace, propagation_policy=propagation, **self._options()
            ),
            idempotent=True,
            tolerated=404,
        )

    # Pods ------------------------------------------------------------------------------------

    def job_pods(self, job: str) -> list[PodSummary]:
        """The Pods the Job made, with the termination message of each container."""
        found = self._call(
            f"GET {self._namespace}/pods",
            lambda: self._core.list_namespaced_pod(
                self.namespace, label_selector=f"job-name={job}", **self._options()
            ),
            idempotent=True,
        )
        return [_pod_summary(pod) for pod in (found.items if found else None) or []]

    def pod_log(self, pod: str, container: str, lines: int) -> str:
        """The last `lines` lines of a container's log."""
        log = self._call(
            f"GET {self._namespace}/pods/{pod}/log",
            lambda: self._core.read_namespaced_pod_log(
                pod, self.namespace, container=container, tail_lines=lines, **self._options()
            ),
            idempotent=True,
        )
        return str(log or "")

    # One call, its retries and its errors ---------------------------------------------------

    def _options(self) -> dict[str, Any]:
        return {"_request_timeout": (min(self.timeout, CONNECT_TIMEOUT), self.timeout)}

    def _call(
        self, what: str, call: Callable[[], T], *, idempotent: bool, tolerated: int | None = None
    ) -> T | None:
        """`call()`, tried again as `http` would; None when the server answers `tolerated`."""
        from kubernetes.client.exceptions import ApiException  # noqa: PLC0415 - slow
        from urllib3.exceptions import HTTPError, MaxRetryError, ReadTimeoutError  # noqa: PLC0415

        attempt = 0
        while True:
            attempt += 1
            try:
                return call()
            except ApiException as error:
                status = int(error.status or 0)
                if status == tolerated:
                    return None
                repeat = status in _ALWAYS_RETRIED or (status >= 500 and idempotent)
                if not repeat or attempt >= self.retry.attempts:
                    raise _answer_error(what, status, str(error.reason or ""), error.body) from None
                headers = error.headers or {}
                pause = self.retry.delay(attempt, retry_after_seconds(headers.get("Retry-After")))
            except HTTPError as error:  # the package has tried the connection again already
                cause = error.reason if isinstance(error, MaxRetryError) else error
                if isinstance(cause, ReadTimeoutError):
                    message = f"{what}: no answer within {self.timeout:g}s"
                else:
                    message = f"cannot reach {redact_url(self.server)}: {type(cause).__name__}"
                raise IntegrationError(SERVICE, message) from None
            except ValueError as error:  # an answer the package's models refuse
                raise IntegrationError(SERVICE, f"{what}: unexpected answer: {error}") from None
            time.sleep(pause)
