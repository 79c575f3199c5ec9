"""The control panel in a real browser, against real servers (tests/cluster/_panel.py):
Debian's Chromium driven by Playwright, signing in through Gitea's own login page.

- the owner signs in with Gitea; the overview shows every service with the state
  `gmac status` gives it; the screenshots in docs/ are taken here;
- an alert firing in Prometheus shows on the service page and is acknowledged with its
  button, after which Alertmanager reports it suppressed;
- robin, a user of the project without the admin role, is refused the live environment's
  actions, with the reason on the page (and the refusal audited);
- New service opens a pull request on Gitea whose files validate, and the panel shows the
  plan CI commented on it;
- no page, API answer or line of the panel's log holds a secret value;
- signing out ends the session.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from gmac.dev.cluster import ControlPlane
from tests.browser import chromium
from tests.cluster._panel import (
    OTHER_USER,
    PASSWORD,
    REPO_NAME,
    REPO_OWNER,
    PanelWorld,
    panel_world,
    push_api_log,
    wait,
)
from tests.cluster._project import ACTOR, REPO
from tests.gmac_process import run_gmac

# The screenshots in docs/ are this test's; a run leaves the checkout as it was unless asked to
# take them again (GMAC_UPDATE_SCREENSHOTS=1).
DOCS = REPO / "docs"
ALERT = "ApiHighErrorRate"


@pytest.fixture(scope="module")
def world(
    control_plane: ControlPlane, kube: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PanelWorld]:
    with panel_world(control_plane, kube, tmp_path_factory.mktemp("panel")) as found:
        yield found


@pytest.fixture(scope="module")
def browser(world: PanelWorld) -> Iterator[Any]:
    with chromium() as found:
        yield found


def sign_in(browser: Any, world: PanelWorld, user: str) -> Any:
    """A new browser session, signed in as `user` through Gitea's login and consent pages."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.goto(world.url + "/")
    assert page.url.endswith("/signin"), page.url
    page.get_by_role("link", name="Sign in with Gitea").click()
    page.wait_for_url(re.compile(r".*/user/login.*"))
    page.fill("#user_name", user)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.wait_for_load_state()
    if "/login/oauth/authorize" in page.url:  # Gitea asks once per user to grant access
        page.get_by_role("button", name=re.compile("Authorize", re.I)).click()
    page.wait_for_url(world.url + "/")
    return page


def _firing(world: PanelWorld) -> bool:
    return any(
        a["labels"].get("alertname") == ALERT and a["status"]["state"] == "active"
        for a in world.alerts()
    )


def test_signing_in_with_gitea_shows_every_service_as_gmac_status_does(
    world: PanelWorld, browser: Any
) -> None:
    page = sign_in(browser, world, ACTOR)
    status = world.gmac("status", "--env", "staging", "--json")
    assert status.code == 0, str(status)
    expected = {s["service"]: s["state"] for s in json.loads(status.stdout)["services"]}
    rows = page.locator("tr[data-env=staging]")
    assert rows.count() == len(expected) >= 2
    for name, state in expected.items():
        row = page.locator(f"tr[data-env=staging][data-service='{name}']")
        assert row.locator(".state").inner_text() in {state, "degraded", "healthy"}
    api = page.locator("tr[data-env=staging][data-service=api]")
    assert "2/2" in api.inner_text() and "registry.gmac.io/gmac/api:observe" in api.inner_text()
    assert ACTOR in api.inner_text()  # the last apply's actor
    assert page.locator("header").get_by_text(f"{ACTOR} (admin)").is_visible()
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    page.context.close()


def _screenshot_path(name: str, tmp_path: Path) -> str:
    folder = DOCS if os.environ.get("GMAC_UPDATE_SCREENSHOTS") == "1" else tmp_path
    return str(folder / name)


def test_a_firing_alert_is_acknowledged_and_alertmanager_suppresses_it(
    world: PanelWorld, browser: Any, tmp_path: Path
) -> None:
    wait(f"{ALERT} firing in Alertmanager", lambda: _firing(world), 180)
    push_api_log(world.logs.url, world.api_log)
    page = sign_in(browser, world, ACTOR)
    page.goto(world.url + "/")
    api = page.locator("tr[data-env=staging][data-service=api]")
    assert api.locator(".state").inner_text() == "degraded"
    assert ALERT in api.inner_text()
    page.screenshot(path=_screenshot_path("panel-overview.png", tmp_path), full_page=True)

    page.goto(world.url + "/services/staging/api?since=1h&grep=error")
    row = page.locator(f"tr[data-alert={ALERT}]")
    assert row.locator(".alert-state").inner_text() == "firing"
    assert page.locator("figure").count() >= 5  # the golden signals, charted
    assert "request rate" in page.locator(".charts").inner_text()
    assert "request failed" in page.locator("pre.logs").inner_text()
    page.screenshot(path=_screenshot_path("panel-service.png", tmp_path), full_page=True)

    row.locator("select[name=duration]").select_option("30m")
    row.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert f"silenced {ALERT} for api" in page.locator(".flash").inner_text()

    def suppressed() -> bool:
        return any(
            a["labels"].get("alertname") == ALERT and a["status"]["state"] == "suppressed"
            for a in world.alerts()
        )

    wait("Alertmanager reporting the alert suppressed", suppressed, 30)
    page.reload()
    assert page.locator(f"tr[data-alert={ALERT}] .alert-state").inner_text() == "suppressed"
    audit = world.gmac("audit", "--action", "panel.acknowledge", "--json")
    (entry,) = json.loads(audit.stdout)
    assert (entry["actor"], entry["outcome"]) == (ACTOR, "succeeded")
    page.context.close()


def test_a_user_without_the_admin_role_is_refused_with_the_reason(
    world: PanelWorld, browser: Any
) -> None:
    page = sign_in(browser, world, OTHER_USER)
    page.goto(world.url + "/services/staging/api")
    reason = f"'{OTHER_USER}' (actor from the panel (Gitea)) may not apply to 'staging'"
    assert reason in page.locator("#refused").inner_text()
    page.locator("details.menu summary").click()
    drift = page.get_by_role("button", name="Check drift now")
    assert drift.is_disabled()
    # The form is refused by the server too, not only greyed out: post it anyway.
    page.evaluate("document.querySelectorAll('button[disabled]').forEach(b => b.disabled = false)")
    drift.click()
    page.wait_for_load_state()
    assert "refused:" in page.locator(".flash").inner_text()
    assert "only admin (gmackie) may" in page.locator(".flash").inner_text()
    audit = world.gmac("audit", "--action", "apply", "--json")
    assert any(
        e["actor"] == OTHER_USER and e["outcome"] == "denied" for e in json.loads(audit.stdout)
    )
    page.context.close()


def _pull_files(world: PanelWorld, number: int) -> dict[str, str]:
    api = f"{world.gitea.api_url}/repos/{REPO_OWNER}/{REPO_NAME}"
    headers = {"Authorization": f"token {world.gitea.token}"}
    pull = httpx.get(f"{api}/pulls/{number}", headers=headers, timeout=30).json()
    branch = pull["head"]["ref"]
    names = httpx.get(f"{api}/pulls/{number}/files", headers=headers, timeout=30).json()
    files = {}
    for item in names:
        raw = httpx.get(
            f"{api}/raw/{item['filename']}", params={"ref": branch}, headers=headers, timeout=30
        )
        raw.raise_for_status()
        files[item["filename"]] = raw.text
    return files


def test_new_service_opens_a_pull_request_whose_files_validate(
    world: PanelWorld, browser: Any, tmp_path: Path
) -> None:
    page = sign_in(browser, world, ACTOR)
    page.goto(world.url + "/new?template=go-api")
    page.fill("input[name=name]", "orders")
    page.fill("input[name='q.port']", "99999")
    page.get_by_role("button", name="Open a pull request").click()
    page.wait_for_load_state()
    error = page.locator(".field-error[data-field=port]")
    assert error.is_visible(), page.content()[:2000]
    page.fill("input[name='q.port']", "8081")
    page.get_by_role("button", name="Open a pull request").click()
    page.wait_for_url(re.compile(r".*/pulls/[0-9]+$"))
    number = int(page.url.rsplit("/", 1)[-1])
    assert "No plan comment yet" in page.content()

    files = _pull_files(world, number)
    assert "specs/services/orders.yaml" in files
    assert any(name.startswith("services/orders/") for name in files)
    copy = tmp_path / "project"
    shutil.copytree(world.project.specs, copy / "specs")
    for name, text in files.items():
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text(text)
    valid = run_gmac(["validate", "--specs", str(copy / "specs")], cwd=copy)
    assert valid.code == 0, str(valid)
    assert yaml.safe_load(files["specs/services/orders.yaml"])["port"] == 8081

    # CI comments the plan on the pull request; the panel then shows it.
    commented = world.gmac(
        "pr",
        "comment",
        "--pr",
        str(number),
        "--env",
        "staging",
        "--gitea-url",
        world.gitea.url,
        "--repo",
        f"{REPO_OWNER}/{REPO_NAME}",
        timeout=600,
    )
    assert commented.code == 0, str(commented)
    page.reload()
    assert "plan: staging" in page.content()
    page.goto(world.url + "/previews")
    assert f"#{number}" in page.content() and "plan: staging" in page.content()
    page.context.close()


def test_no_page_api_answer_or_log_line_holds_a_secret(world: PanelWorld, browser: Any) -> None:
    page = sign_in(browser, world, ACTOR)
    seen = []
    for path in (
        "/",
        "/services/staging/api",
        "/services/staging/billing-worker",
        "/integrations",
        "/history",
        "/previews",
        "/secrets",
        "/new",
        "/services/staging/api/resources",
    ):
        page.goto(world.url + path)
        seen.append((path, page.content()))
    request = page.context.request
    for path in (
        "/api/status",
        "/api/services/staging/api/metrics",
        "/api/services/staging/api/logs",
        "/api/history",
        "/api/audit",
        "/api/health/history",
        "/api/secrets/staging",
        "/api/pulls",
        "/api/me",
    ):
        answer = request.get(world.url + path)
        assert answer.status == 200, (path, answer.text()[:300])
        seen.append((path, answer.text()))
    seen.append(("the panel's log", world.server_log.read_text()))
    for value in world.secret_values:
        assert len(value) >= 8
        leaked = [where for where, text in seen if value in text]
        assert not leaked, f"a secret value appears in {leaked}"
    assert "smtp-password" in dict(seen)["/secrets"]  # the names are shown, the values not
    page.context.close()


def test_signing_out_ends_the_session(world: PanelWorld, browser: Any) -> None:
    page = sign_in(browser, world, ACTOR)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(world.url + "/signin")
    page.goto(world.url + "/services/staging/api")
    assert page.url.endswith("/signin")
    answer = page.context.request.get(world.url + "/api/status")
    assert answer.status == 401
    page.context.close()
