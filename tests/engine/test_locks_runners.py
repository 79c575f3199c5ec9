"""Two CI runners on one shared backend: each its own checkout of the project, each presenting
its own host name (a UTS namespace), both applying the same stack. The second is refused at
once, naming the first, while the first goes on to the end and then releases the lock; on a
file backend's shared folder and on S3 (a real SeaweedFS). And the S3 backend end to end:
plan, apply, a second plan with nothing to do, the state and no lock left in the bucket."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.engine.conftest import (
    ENV,
    S3_BUCKET,
    Project,
    copy_project,
    gmac_on_host,
    kill_tree,
    wait_for,
)
from tests.engine.test_interruptions import progress_lines, with_services

PASSPHRASE = "shared-by-both-runners"


def runner(root: Path, backend: str, credentials: dict[str, str]) -> Project:
    project = Project(copy_project(root))
    project.env.update(credentials)
    project.env["GMAC_BACKEND"] = backend
    project.env["GMAC_PASSPHRASE"] = PASSPHRASE
    return project


@pytest.fixture(params=["file", "s3"])
def shared(request: pytest.FixtureRequest, tmp_path: Path, toolchain: Any) -> tuple[str, dict]:
    """The backend both runners use, and the credentials it needs."""
    if request.param == "file":
        state = tmp_path / "shared-state"
        state.mkdir()
        return f"file://{state}", {}
    credentials = request.getfixturevalue("seaweedfs").credentials()
    return request.getfixturevalue("s3_backend"), credentials


def lock_host(backend: str, credentials: dict[str, str]) -> str:
    """The host named in gmac's lock on the stack, read where the state is (the file, or the
    object in the bucket) with nothing of gmac's; "" when there is none."""
    name = f".gmac-locks/gmac/{ENV}.json"
    if backend.startswith("file://"):
        path = Path(backend.removeprefix("file://")) / name
        data = path.read_bytes() if path.exists() else b""
    else:
        import boto3
        from botocore.exceptions import ClientError

        query = dict(part.split("=", 1) for part in backend.split("?", 1)[1].split("&"))
        bucket, _, prefix = backend.removeprefix("s3://").split("?", 1)[0].partition("/")
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{query['endpoint']}",
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            region_name=query["region"],
        )
        try:
            data = client.get_object(Bucket=bucket, Key=f"{prefix}/{name}")["Body"].read()
        except ClientError:
            data = b""
    return str(json.loads(data).get("hostname", "")) if data else ""


@pytest.mark.slow
def test_a_runner_on_another_host_is_refused_while_the_first_applies(
    tmp_path: Path, shared: tuple[str, dict[str, str]]
) -> None:
    backend, credentials = shared
    first = runner(tmp_path / "runner-a", backend, credentials)
    second = runner(tmp_path / "runner-b", backend, credentials)
    for project in (first, second):
        with_services(project)
    log = tmp_path / "runner-a.log"
    with log.open("w", encoding="utf-8") as handle:
        proc = subprocess.Popen(
            gmac_on_host("runner-a", "apply", "--env", ENV, "--yes"),
            cwd=first.root,
            env=first.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=handle,
            text=True,
        )
    try:
        wait_for(lambda: progress_lines(log) > 0, 180, "the first runner's update", proc)
        refused = subprocess.run(
            gmac_on_host("runner-b", "apply", "--env", ENV, "--yes"),
            cwd=second.root,
            env=second.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        # Refused while the first still holds the lock: it did not wait for it (a wall-clock
        # bound would only measure how busy the machine is).
        assert proc.poll() is None, "the first runner ended before the second was refused"
        holder = lock_host(backend, credentials)  # where the state is
        out, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            kill_tree(proc.pid)
            proc.wait()
    first.record(out or "", log.read_text(encoding="utf-8"))
    second.record(refused.stdout, refused.stderr)
    assert proc.returncode == 0, log.read_text(encoding="utf-8")
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    assert f"stack '{ENV}' is locked by" in refused.stderr
    assert "@runner-a (pid " in refused.stderr
    assert "`gmac apply` is running on it (it runs on another host" in refused.stderr
    assert "Wait for it to finish" in refused.stderr
    assert holder == "runner-a"
    assert lock_host(backend, credentials) == ""  # released at the end

    for text in first.outputs + second.outputs:
        assert "Traceback" not in text, text


def test_an_s3_backend_end_to_end(tmp_path: Path, toolchain: Any, seaweedfs: Any) -> None:
    backend = seaweedfs.backend_url(S3_BUCKET, "end-to-end")
    project = runner(tmp_path / "project", backend, seaweedfs.credentials())
    assert project.plan(code=2).code == 2
    project.apply()
    assert project.plan(code=0).code == 0
    assert not project.path(".gmac/state").exists()  # the state is in the bucket

    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=seaweedfs.endpoint,
        aws_access_key_id=seaweedfs.access_key,
        aws_secret_access_key=seaweedfs.secret_key,
        region_name=seaweedfs.region,
    )
    keys = [
        item["Key"]
        for item in client.list_objects_v2(Bucket=S3_BUCKET, Prefix="end-to-end/")["Contents"]
    ]
    assert f"end-to-end/.pulumi/stacks/gmac/{ENV}.json" in keys, keys
    assert not [key for key in keys if "/.gmac-locks/" in key or "/.pulumi/locks/" in key], keys
    for text in project.outputs:
        assert "Traceback" not in text, text
