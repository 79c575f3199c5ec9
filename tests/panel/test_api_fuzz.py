"""The JSON API fuzzed from its own OpenAPI document (schemathesis): whatever is sent, no
500, no traceback, and every answer matches the document (status codes, shapes, headers).

The panel here serves a copy of the example project (its `local` environment, with a
deployment, drift and health results recorded), signed in with an API token made by
`gmac panel token add`, as a script would be."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from gmac.app.panel.credentials import PanelCredentials, create_token
from gmac.registry import Registry
from gmac.web import RateLimits, ServeOptions, create_app


@pytest.fixture
def api_app(specs: Path) -> Iterator[object]:
    token = create_token(specs, "local", "gmackie")
    with Registry.open(specs.parent) as registry:
        registry.add_deployment(
            environment="local",
            operation="apply",
            actor="gmackie",
            started_at="2026-01-01T00:00:00Z",
            summary={"create": 3},
            owners={"service api": 3},
            git_commit="",
            outcome="succeeded",
        )
        registry.add_health("local", "stripe", "failing", "stripe: secret key rejected (401)")
    options = ServeOptions(
        specs=specs,
        envs=("local",),
        credentials=PanelCredentials.load(specs, "local"),
        limits=RateLimits(api="100000/minute"),
    )
    app = create_app(options)
    app.state.token = token
    yield app


def test_the_api_answers_every_request_without_a_server_error(api_app) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api_app)
    headers = {"Authorization": f"Bearer {api_app.state.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            response = case.call_and_validate(headers=headers)
            assert response.status_code < 500, response.text
            assert "Traceback" not in response.text

        fuzz()


def test_the_openapi_document_names_every_route(api_app) -> None:
    from fastapi.testclient import TestClient

    with TestClient(api_app) as client:
        document = client.get("/api/openapi.json").json()
    paths = set(document["paths"])
    assert {
        "/api/status",
        "/api/services/{env}/{name}/metrics",
        "/api/audit/verify",
        "/api/secrets/{env}",
        "/api/pulls",
    } <= paths
    assert os.environ.get("GMAC_IDENTITY")
