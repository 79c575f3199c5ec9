"""Signing in: the one-time link on loopback, the local admin password (argon2, in the
secret store), API tokens, the users the project admits, sign-out, CSRF and rate limits."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from gmac.web import RateLimits
from tests.gmac_result import Result
from tests.panel.conftest import ONCE, make_client, signed_in

PASSWORD = "correct horse battery staple"


def test_the_one_time_link_admits_one_browser_session(client: TestClient, specs: Path) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
    wrong = client.get("/signin/once?token=not-the-token")
    assert wrong.status_code == 403 and "not valid" in wrong.text
    signed_in(client)
    page = client.get("/")
    assert page.status_code == 200 and "gmackie (admin)" in page.text
    with TestClient(client.app, base_url="http://127.0.0.1:8300") as other:
        again = other.get(f"/signin/once?token={ONCE}")
        assert again.status_code == 403 and "used already" in again.text
        assert other.get("/", follow_redirects=False).status_code == 303


def test_only_the_projects_users_get_in(client: TestClient, monkeypatch) -> None:
    monkeypatch.setenv("GMAC_ACTOR", "mallory")
    refused = client.get(f"/signin/once?token={ONCE}")
    assert refused.status_code == 403
    assert "'mallory' is not a user of project 'gmac-io'" in html.unescape(refused.text)
    assert "only gmackie, alice may sign in" in html.unescape(refused.text)


def test_signing_out_needs_the_csrf_token_and_ends_the_session(client: TestClient) -> None:
    signed_in(client)
    assert client.post("/signout", data={"csrf": "wrong"}).status_code == 403
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    out = client.post("/signout", data={"csrf": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/status").status_code == 401


def test_every_action_needs_the_forms_csrf_token(client: TestClient) -> None:
    signed_in(client)
    for path in (
        "/actions/local/health",
        "/actions/local/drift",
        "/actions/local/rotate",
        "/actions/local/api/ack",
    ):
        answer = client.post(path, data={})
        assert answer.status_code == 403, path
        assert "CSRF" in answer.text


def test_the_admin_password_is_stored_as_an_argon2_hash(
    gmac: Callable[..., Result], specs: Path
) -> None:
    short = gmac("panel", "password", stdin="short\n")
    assert short.code == 1 and "at least 12 characters" in short.stderr
    done = gmac("panel", "password", stdin=PASSWORD + "\n")
    assert done.code == 0, str(done)
    text = (specs / "secrets" / "local.yaml").read_text()
    assert PASSWORD not in text and "$argon2" not in text  # encrypted, like every secret
    assert "gmac-panel-password" in yaml.safe_load(text)
    with make_client(specs, once_token="") as client:
        page = client.get("/signin")
        assert "Admin password" in page.text and "one-time" not in page.text
        wrong = client.post("/signin/password", data={"password": "not it"})
        assert wrong.status_code == 403 and "wrong password" in wrong.text
        right = client.post("/signin/password", data={"password": PASSWORD}, follow_redirects=False)
        assert right.status_code == 303
        assert client.get("/api/me").json() == {
            "name": "gmackie",
            "roles": ["admin"],
            "via": "password",
        }
    audit = gmac("audit", "--action", "secret.write", "--json")
    assert '"gmac-panel-password"' in audit.stdout


def test_api_tokens_for_scripts(gmac: Callable[..., Result], specs: Path) -> None:
    refused = gmac("panel", "token", "add", "--user", "mallory")
    assert refused.code == 1 and "'mallory' is not a user" in refused.stderr
    made = gmac("panel", "token", "add", "--user", "alice")
    assert made.code == 0, str(made)
    token = made.stdout.strip()
    assert re.fullmatch(r"gmacp_[0-9a-f]{8}_[A-Za-z0-9_-]+", token)
    assert token not in (specs / "secrets" / "local.yaml").read_text()
    with make_client(specs) as client:
        me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json() == {"name": "alice", "roles": [], "via": "API token"}
        forged = token[:-4] + "abcd"
        assert (
            client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        )
    token_id = token.split("_")[1]
    assert gmac("panel", "token", "revoke", token_id).code == 0
    with make_client(specs) as client:
        gone = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 401


def test_sign_in_attempts_are_rate_limited_with_retry_after(specs: Path) -> None:
    with make_client(specs, limits=RateLimits(signin="3/minute")) as client:
        codes = [client.get("/signin/once?token=guess").status_code for _ in range(4)]
        assert codes == [403, 403, 403, 429]
        limited = client.post("/signin/password", data={"password": "guess"})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert client.get("/signin").status_code == 200  # pages are not limited
        assert client.get("/static/panel.css").status_code == 200


def test_the_api_is_rate_limited_per_client(specs: Path) -> None:
    with make_client(specs, limits=RateLimits(api="5/minute")) as client:
        codes = [client.get("/api/me").status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]
        assert "try again in" in client.get("/api/me").json()["error"]
