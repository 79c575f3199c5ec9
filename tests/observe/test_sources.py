"""The observe commands against sources that answer badly, and the Loki client.

No real Loki runs here (its licence is on the project's not-to-use list, and it cannot be
built): the Loki query client is tested against a local HTTP server answering exactly the
shapes Loki's API documentation gives (https://grafana.com/docs/loki/latest/reference/
loki-http-api/#query-logs-within-a-range-of-time): a `streams` result of
`[["<unix ns>", "<line>"], ...]` values, and a 400 with a plain-text parse error. Every other
test of the log commands runs against a real VictoriaLogs (tests/observe/test_live.py).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmac.dev.servers import free_port
from tests.gmac_process import run_gmac
from tests.gmac_result import Result
from tests.local_http import LocalServer

REPO = Path(__file__).resolve().parents[2]
NOW_NS = 1_700_000_000_000_000_000

LOKI_STREAMS = {
    "status": "success",
    "data": {
        "resultType": "streams",
        "result": [
            {
                "stream": {"namespace": "gmac-staging", "service": "api", "pod": "api-1"},
                "values": [
                    [str(NOW_NS - 2_000_000_000), 'level=error msg="payment failed"'],
                    [str(NOW_NS - 5_000_000_000), 'level=error msg="timeout"'],
                ],
            },
            {
                "stream": {"namespace": "gmac-staging", "service": "api", "pod": "api-2"},
                "values": [[str(NOW_NS - 3_000_000_000), 'level=ERROR msg="db down"']],
            },
        ],
        "stats": {"summary": {"bytesProcessedPerSecond": 1, "totalEntriesReturned": 3}},
    },
}


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    copied = tmp_path / "specs"
    shutil.copytree(REPO / "specs", copied)
    return copied


def _gmac(specs: Path, *args: str, **env: str) -> Result:
    import os

    variables = {k: v for k, v in os.environ.items() if not k.startswith("GMAC_")}
    return run_gmac(
        [*args, "--specs", str(specs)], cwd=specs.parent, env={**variables, **env}, timeout=60
    )


def _one_line_error(result: Result, *texts: str) -> None:
    assert result.code == 1, str(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, str(result)
    for text in texts:
        assert text in lines[0], str(result)
    assert "Traceback" not in result.stderr


def _use_loki(specs: Path) -> None:
    path = specs / "project.yaml"
    document = yaml.safe_load(path.read_text())
    document["monitoring"]["logs"]["store"] = "loki"
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_loki_query_range_answer_as_documented(specs: Path, server: LocalServer) -> None:
    _use_loki(specs)
    server.answer("GET", "/loki/api/v1/query_range", 200, LOKI_STREAMS)
    result = _gmac(
        specs,
        "logs",
        "api",
        "--env",
        "staging",
        "--grep",
        "error",
        "--json",
        GMAC_LOGS_URL=server.url,
    )
    assert result.code == 0, str(result)
    answer = json.loads(result.stdout)
    assert answer["store"] == "loki"
    assert [line["line"] for line in answer["lines"]] == [
        'level=error msg="payment failed"',
        'level=ERROR msg="db down"',
        'level=error msg="timeout"',
    ]  # newest first, across streams
    assert answer["lines"][1]["labels"]["pod"] == "api-2"
    sent = server.sent("GET", "/loki/api/v1/query_range")[0].query
    assert sent["query"] == '{namespace="gmac-staging",service="api"} |~ "(?i)error"'
    assert sent["direction"] == "backward"
    assert sent["limit"] == "100"
    assert int(sent["end"]) - int(sent["start"]) == pytest.approx(3600e9, rel=1e-6)


def test_loki_parse_error_is_one_line(specs: Path, server: LocalServer) -> None:
    _use_loki(specs)
    server.answer(
        "GET",
        "/loki/api/v1/query_range",
        400,
        "parse error at line 1, col 38: syntax error: unexpected IDENTIFIER\n",
    )
    result = _gmac(specs, "logs", "api", "--env", "staging", GMAC_LOGS_URL=server.url)
    _one_line_error(result, "loki: query failed: parse error at line 1, col 38")


@pytest.mark.parametrize(
    ("command", "variable", "service"),
    [
        (["metrics", "api"], "GMAC_PROMETHEUS_URL", "prometheus"),
        (["logs", "api"], "GMAC_LOGS_URL", "victorialogs"),
    ],
)
def test_a_source_that_is_down_is_one_line(
    specs: Path, command: list[str], variable: str, service: str
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = _gmac(specs, *command, "--env", "staging", **{variable: url})
    _one_line_error(result, f"{service}: cannot reach {url}")


@pytest.mark.parametrize(
    "source",
    [
        ("metrics", "GMAC_PROMETHEUS_URL", "/api/v1/query_range", "prometheus"),
        ("logs", "GMAC_LOGS_URL", "/select/logsql/query", "victorialogs"),
    ],
    ids=["prometheus", "victorialogs"],
)
@pytest.mark.parametrize(
    "answer",
    [
        (200, "<html><body>Sign in</body></html>"),
        (200, {"unexpected": True}),
        (502, "<html>bad gateway</html>"),
    ],
    ids=["html", "other-json", "bad-gateway"],
)
def test_a_source_answering_garbage_is_one_line(
    specs: Path,
    server: LocalServer,
    source: tuple[str, str, str, str],
    answer: tuple[int, Any],
) -> None:
    command, variable, path, service = source
    server.answer("GET", path, *answer)
    result = _gmac(specs, command, "api", "--env", "staging", **{variable: server.url})
    _one_line_error(result, f"{service}: ")


def test_unknown_service_and_bad_flags_are_one_line(specs: Path) -> None:
    url = "http://127.0.0.1:9"
    _one_line_error(
        _gmac(specs, "metrics", "apii", "--env", "staging", GMAC_PROMETHEUS_URL=url),
        "no service 'apii' in environment 'staging' (did you mean 'api'?)",
    )
    _one_line_error(
        _gmac(specs, "logs", "nope", "--env", "staging", GMAC_LOGS_URL=url),
        "no service 'nope'",
    )
    _one_line_error(
        _gmac(specs, "logs", "api", "--env", "staging", "--since", "an hour", GMAC_LOGS_URL=url),
        "--since: 'an hour' is not a duration",
    )
    _one_line_error(
        _gmac(specs, "metrics", "api", "--env", "prod", GMAC_PROMETHEUS_URL=url),
        "unknown environment 'prod' (did you mean 'production'?)",
    )
    _one_line_error(
        _gmac(specs, "health", "history", "--integration", "strip"),
        "no integration 'strip'",
    )


def test_status_never_fails_for_a_source(specs: Path) -> None:
    """Every source unreachable or absent: each line says unknown and why, exit 0."""
    result = _gmac(
        specs, "status", "--json", GMAC_ALERTMANAGER_URL=f"http://127.0.0.1:{free_port()}"
    )
    assert result.code == 0, str(result)
    services = json.loads(result.stdout)["services"]
    assert len(services) == 12  # 4 services in 3 environments
    api = next(s for s in services if (s["service"], s["environment"]) == ("api", "staging"))
    assert api["state"] == "unknown"
    assert any("alertmanager: cannot reach" in reason for reason in api["reasons"])
    assert any(reason.startswith("replicas: kubernetes:") for reason in api["reasons"])
    local = next(s for s in services if (s["service"], s["environment"]) == ("api", "local"))
    assert "manifests are rendered" in local["replicas"]["problem"]
