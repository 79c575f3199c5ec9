"""Wildcard Ingress hosts, as Kubernetes takes them (tests/cluster/test_ingress_hosts.py asks
the real API server): `*` alone as the first label."""

from __future__ import annotations

import json

from .conftest import SpecProject, run_gmac

API = "services/api.yaml"


def test_a_wildcard_host_is_a_valid_ingress_host(project: SpecProject) -> None:
    project.replace(API, 'ingress: {host: "api.{domain}"}', 'ingress: {host: "*.{domain}"}')
    hosts = {}
    for env, spec in project.validate().items():
        ingress = spec.service("api").ingress
        assert ingress is not None
        hosts[env] = ingress.host
    assert hosts == {
        "local": "*.localhost",
        "staging": "*.staging.gmac.io",
        "production": "*.gmac.io",
    }


def test_the_wildcard_reaches_the_compiled_ingress(project: SpecProject) -> None:
    project.replace(API, 'ingress: {host: "api.{domain}"}', 'ingress: {host: "*.{domain}"}')
    result = run_gmac("graph", "--env", "production", "--json", cwd=project.root)
    assert result.returncode == 0, result.stderr
    (ingress,) = [
        resource
        for resource in json.loads(result.stdout)["resources"]
        if resource["type"].endswith(":Ingress") and resource["name"] == "api"
    ]
    spec = ingress["inputs"]["spec"]
    assert [rule["host"] for rule in spec["rules"]] == ["*.gmac.io"]
    assert spec["tls"] == [{"hosts": ["*.gmac.io"], "secretName": "api-tls"}]


def test_hosts_kubernetes_refuses_are_refused(project: SpecProject) -> None:
    for host, message in (
        ("api.*.{domain}", "'api.*.gmac.io' is not a valid host name"),
        ("*api.{domain}", "'*api.gmac.io' is not a valid host name"),
        ("10.0.0.1", "'10.0.0.1' is an IP address: an Ingress host is a DNS name"),
    ):
        text = project.read(API)
        project.replace(API, 'ingress: {host: "api.{domain}"}', f'ingress: {{host: "{host}"}}')
        line, column = project.position(API, f'"{host}"')
        assert project.problems("production") == [
            f"specs/{API}:{line}:{column}: ingress.host: {message}"
        ]
        project.write(API, text)
