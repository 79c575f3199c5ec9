"""`gmac preview` with the real engine, and cleanup of previews whose pull request closed."""

from __future__ import annotations

import yaml

from tests.pr.conftest import ORG, REPO, Project, Pulls


def _rendered(project: Project, number: int) -> list[str]:
    folder = project.root / ".gmac" / "render" / f"local-pr-{number}" / "1-manifest"
    return sorted(path.name for path in folder.glob("*.yaml")) if folder.exists() else []


def test_preview_up_is_cheaper_and_named_for_the_pull_request(
    project: Project, pulls: Pulls
) -> None:
    number = pulls.open()
    result = project.gmac("preview", "up", "--pr", str(number), "--base", "local")
    assert result.returncode == 0, result.stderr
    files = _rendered(project, number)
    deployment = next(
        name
        for name in files
        if name.startswith("apps_v1-deployment") and name.endswith("-api.yaml")
    )
    assert f"gmac-io-pr-{number}" in deployment  # its own namespace
    manifest = yaml.safe_load(
        (
            project.root / ".gmac" / "render" / f"local-pr-{number}" / "1-manifest" / deployment
        ).read_text()
    )
    assert manifest["spec"]["replicas"] == 1
    assert not [name for name in files if "horizontalpodautoscaler" in name]
    ingress = next(name for name in files if "ingress" in name and name.endswith("-api.yaml"))
    text = (
        project.root / ".gmac" / "render" / f"local-pr-{number}" / "1-manifest" / ingress
    ).read_text()
    assert f"api.pr-{number}.localhost" in text
    listed = project.gmac("preview", "list", "--base", "local")
    assert f"pr-{number}" in listed.stdout.split()
    # The base environment is untouched: no stack of its own was created by the preview.
    assert "local" not in listed.stdout.split()


def test_cleanup_takes_down_only_closed_pull_requests(project: Project, pulls: Pulls) -> None:
    closed, still_open = pulls.open(), pulls.open()
    for number in (closed, still_open):
        assert project.gmac("preview", "up", "--pr", str(number), "--base", "local").returncode == 0
    pulls.close(closed)
    result = project.gmac("preview", "cleanup", "--base", "local", "--repo", f"{ORG}/{REPO}")
    assert result.returncode == 0, result.stderr
    assert f"pr-{closed}: closed, destroyed" in result.stdout
    listed = project.gmac("preview", "list", "--base", "local").stdout.split()
    assert listed == [f"pr-{still_open}"]
    assert _rendered(project, closed) == []
    assert _rendered(project, still_open)
    assert (
        project.gmac("preview", "down", "--pr", str(still_open), "--base", "local").returncode == 0
    )
    assert project.gmac("preview", "list", "--base", "local").stdout.split() == []
