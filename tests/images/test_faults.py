"""What goes wrong in a build is one clear message and exit 1, and the state records nothing
of a build that did not finish: the registry going away mid-push, credentials refused, a
failing RUN step, no Dockerfile, a base image that cannot be pulled, no registry at all.
Also: htpasswd authentication with the right credentials, which never show anywhere."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest

from gmac.dev.servers import RegistryServer, find_registry, start_registry
from tests.gmac_process import start_gmac
from tests.gmac_result import Result
from tests.real import require

from ._project import (
    PACKAGES,
    BuildProject,
    built_resources,
    make_project,
    pending_operations,
    record,
)
from ._proxy import SlowProxy

PASSWORD = "registry-password-0d1e2f"
WRONG = "not-the-password-9a8b7c"


def _error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def _nothing_recorded(project: BuildProject) -> None:
    state = project.state()
    assert built_resources(state) == [], "a failed build left a resource in the state"
    assert pending_operations(state) == []


def _insert_after(path: Path, anchor: str, line: str) -> None:
    text = path.read_text()
    assert anchor in text
    path.write_text(text.replace(anchor, f"{anchor}\n{line}", 1))


def test_a_failing_run_step_is_one_message_with_its_last_lines(project: BuildProject) -> None:
    code = project.new("probe", "go-api")
    _insert_after(code / "Dockerfile", "WORKDIR /src", 'RUN echo "about to fail" && exit 3')
    result = project.build("probe")
    assert result.code == 1, result
    errors = _error_lines(result)
    assert len(errors) == 1, result
    assert errors[0].startswith(
        'error: image: probe: build step failed: RUN echo "about to fail" && exit 3 (exit status 3)'
    ), errors
    tail = result.stderr.split(errors[0], 1)[1]
    assert "last lines of the build output:" in tail
    assert "about to fail" in tail
    assert "Traceback" not in result.stderr
    _nothing_recorded(project)


def test_no_dockerfile_is_one_line(project: BuildProject) -> None:
    code = project.new("probe", "go-api")
    (code / "Dockerfile").unlink()
    result = project.build("probe")
    assert result.code == 1, result
    assert _error_lines(result) == [
        "error: image: probe: no Dockerfile at services/probe/Dockerfile; add one, or set "
        "image.dockerfile (relative to the build context)"
    ], result
    _nothing_recorded(project)


def test_a_base_image_that_cannot_be_pulled_is_named(project: BuildProject) -> None:
    code = project.new("probe", "go-api")
    dockerfile = code / "Dockerfile"
    dockerfile.write_text(
        dockerfile.read_text().replace(
            "gcr.io/distroless/static-debian12:nonroot", "gcr.io/distroless/no-such-base:1"
        )
    )
    result = project.build("probe")
    assert result.code == 1, result
    errors = _error_lines(result)
    assert len(errors) == 1, result
    assert errors[0].startswith(
        "error: image: probe: base image gcr.io/distroless/no-such-base:1 cannot be pulled: "
    ), errors
    _nothing_recorded(project)


def test_no_registry_is_one_line_before_anything_is_built(
    tmp_path: Path, registry: RegistryServer, bases: None
) -> None:
    project = make_project(tmp_path, registry.host)
    project.new("probe", "go-api")
    registry.stop()
    result = project.build("probe")
    assert result.code == 1, result
    errors = _error_lines(result)
    assert len(errors) == 1, result
    assert errors[0].startswith(
        f"error: image: probe: registry unreachable: cannot reach http://{registry.host}: "
        "ConnectError"
    ), errors
    assert "STEP" not in result.stderr  # it said so before building
    _nothing_recorded(project)


def test_the_registry_going_away_mid_push(
    tmp_path: Path, registry: RegistryServer, bases: None
) -> None:
    proxy = SlowProxy(registry.port, rate=192 * 1024)  # a 4 MB push takes some 20 seconds
    project = make_project(tmp_path, proxy.host)
    project.new("probe", "go-api")
    process = start_gmac(
        ["build", "probe", "--env", "staging"],
        cwd=project.root,
        env=project.env_vars,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None and process.stdout is not None
    stdout: list[str] = []
    reader = threading.Thread(target=lambda: stdout.append(process.stdout.read()), daemon=True)
    reader.start()
    seen: list[str] = []
    for line in process.stderr:
        seen.append(line)
        if "pushing" in line:
            break
    else:
        pytest.fail("the build never started pushing:\n" + "".join(seen))
    before = proxy.uploaded
    while proxy.uploaded < before + 512 * 1024 and process.poll() is None:
        threading.Event().wait(0.2)
    proxy.cut()
    registry.stop()
    seen.append(process.stderr.read())
    process.wait(timeout=300)
    reader.join(timeout=10)
    stderr = "".join(seen)
    assert process.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert errors[0].startswith(
        f"error: image: probe: registry {proxy.host} went away during the push ("
    ), errors
    assert "Traceback" not in stderr
    record("registry down mid-push", errors[0].removeprefix("error: ")[:160])
    _nothing_recorded(project)


@pytest.fixture
def guarded(tmp_path: Path) -> RegistryServer:
    require(find_registry(), "docker-registry", PACKAGES)
    server = start_registry(tmp_path / "guarded", users={"ci": PASSWORD})
    yield server  # type: ignore[misc]
    server.stop()


def test_htpasswd_registry_wrong_then_right_credentials(
    tmp_path: Path, guarded: RegistryServer, bases: None
) -> None:
    project = make_project(
        tmp_path,
        guarded.host,
        project={
            "images": {"credentials": {"username": "ci", "secret": "registry-password"}},
            "secrets": {"registry-password": {"description": "the registry's password for ci"}},
        },
    )
    project.new("probe", "go-api")

    refused = project.build("probe", GMAC_SECRET_REGISTRY_PASSWORD=WRONG)
    assert refused.code == 1, refused
    assert _error_lines(refused) == [
        f"error: image: probe: registry {guarded.host} refused the credentials of secret "
        "'registry-password' (401)"
    ], refused
    _nothing_recorded(project)

    accepted = project.build("probe", "--json", GMAC_SECRET_REGISTRY_PASSWORD=PASSWORD)
    assert accepted.code == 0, accepted
    assert accepted.json()["status"] == "built"
    assert accepted.json()["ref"].startswith(f"{guarded.host}/shop/probe@sha256:")
    log = project.root / ".gmac/builds/staging/probe.log"
    for where, text in (
        ("output", refused.stdout + refused.stderr + accepted.stdout + accepted.stderr),
        ("state", project.state_text()),
        ("build log", log.read_text() + Path(f"{log}.json").read_text()),
    ):
        assert PASSWORD not in text, f"the password is in the {where}"
        assert WRONG not in text, f"the wrong password is in the {where}"
