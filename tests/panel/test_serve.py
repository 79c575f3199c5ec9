"""`gmac serve` as a process: the one-time link it prints, the address it refuses, the pages
of the example project, and no secret value anywhere in what it serves or logs."""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from gmac.dev.servers import free_port
from tests.gmac_process import start_gmac
from tests.gmac_result import Result

CANARY = "canary-9d2f6b1e-panel-4a7c-8e3b-0f5d2c6a1b94"
PAGES = ("/", "/services/local/api", "/integrations", "/history",
         "/secrets", "/new", "/new?template=worker")  # fmt: skip
APIS = ("/api/me", "/api/status", "/api/history", "/api/audit", "/api/audit/verify",
        "/api/health/history", "/api/secrets/local")  # fmt: skip


def test_a_non_loopback_address_without_sign_in_is_refused(gmac: Callable[..., Result]) -> None:
    refused = gmac("serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert refused.code == 1
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: refusing to listen on 0.0.0.0 without sign-in"), line
    assert "Traceback" not in refused.stderr
    bad = gmac("serve", "--env", "prod", "--port", str(free_port()))
    assert bad.code == 1 and "unknown environment 'prod'" in bad.stderr


def test_gmac_serve_prints_a_one_time_link_and_serves_the_example(
    project: Path, gmac: Callable[..., Result], tmp_path: Path
) -> None:
    assert gmac("secrets", "set", "stripe-secret-key", "--env", "local", stdin=CANARY).code == 0
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "GMAC_SECRET_TURSO_PLATFORM_TOKEN": CANARY + "-turso"}
    with log.open("w") as errors:
        process = start_gmac(
            ["serve", "--port", str(port), "--env", "local", "--specs", str(project / "specs")],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        try:
            assert process.stdout is not None
            link = process.stdout.readline().strip()
            assert re.fullmatch(
                rf"http://127\.0\.0\.1:{port}/signin/once\?token=[\w-]{{40,}}", link
            )
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", timeout=60, follow_redirects=True
            ) as client:
                _wait_for(client)
                assert client.get("/").status_code == 200  # the sign-in page, after a redirect
                signed = client.get(link, follow_redirects=False)
                assert signed.status_code == 303
                cookie = signed.headers["set-cookie"]
                assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
                seen = []
                for path in PAGES + APIS:
                    answer = client.get(path)
                    assert answer.status_code == 200, (path, answer.text[:500])
                    assert answer.headers["content-security-policy"].startswith(
                        "default-src 'self'"
                    )
                    seen.append(html.unescape(answer.text))
                overview = seen[0]
                assert 'data-service="api"' in overview and 'data-env="local"' in overview
                assert "stripe-secret-key" in seen[PAGES.index("/secrets")]
                assert "https://" not in overview.split("</head>")[0]  # nothing from a CDN
        finally:
            process.terminate()
            process.wait(timeout=15)
    logged = log.read_text()
    assert "GET /services/local/api 200" in logged
    assert "token=" not in logged  # the one-time link is not logged
    for text in [*seen, logged]:
        assert CANARY not in text


def _wait_for(client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get("/signin").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("gmac serve did not answer within 60s")
