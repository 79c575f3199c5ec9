"""The pieces of the observe tests (tests/cluster/test_observe.py), each real:

- `build_templates`: the go-api and worker templates rendered and built with `go build`; the
  API gets one route more, `GET /fail`, answering 500 and logging an error line, so that a
  test can send a known share of failures through the template's own instrumentation;
- `SmtpSink`: an SMTP server (aiosmtpd) on 127.0.0.1 with STARTTLS (a certificate made here,
  trusted by Alertmanager through SSL_CERT_FILE) and a login, recording every message;
- `Traffic`: requests to the running API, a known share of them to `/fail`, bounded in time;
- `observe_project`: the example project cut to what runs here (no Gitea repository, Stripe
  or Turso), its staging environment on the test cluster with live integrations.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gmac.app.scaffold import render_tree
from gmac.dev.cluster import ControlPlane
from gmac.dev.servers import free_port
from gmac.load.templates import catalogue
from tests.cluster._project import ACTOR, REPO, Project

GO_FALLBACK = "/usr/local/go/bin/go"
FAIL_ROUTE = """	api.HandleFunc("GET /{$}", hello)
	api.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		logger.Error("request failed", "path", r.URL.Path, "error", "injected by the test")
		http.Error(w, "error: injected by the test", http.StatusInternalServerError)
	})
"""
SMTP_USER = "alerts@gmac.io"
SMTP_PASSWORD = "smtp-password-for-the-observe-test"


# The templates' binaries ------------------------------------------------------------------


def _context(name: str, port: int | None, metrics_port: int) -> dict[str, Any]:
    return {
        "name": name,
        "project": "gmac-io",
        "template": name,
        "spec": {},
        "port": port,
        "health_path": "/healthz",
        "metrics_path": "/metrics",
        "metrics_port": metrics_port,
        "registry": "registry.gmac.io/gmac",
        "registry_host": "registry.gmac.io",
        "image": f"registry.gmac.io/gmac/{name}",
        "go_module": f"gmac.local/{name}",
        "default_branch": "main",
        "database_name": name,
        "database_group": "default",
    }


def build_templates(folder: Path) -> dict[str, Path]:
    """`api` (go-api, with `/fail`) and `billing-worker` (worker), built; their binaries."""
    go = shutil.which("go") or (GO_FALLBACK if Path(GO_FALLBACK).is_file() else None)
    if go is None:
        pytest.skip("go is not installed: the templates' binaries are built with it")
    templates = catalogue()
    built = {}
    for name, template, port in (("api", "go-api", 8080), ("billing-worker", "worker", None)):
        code = folder / name
        render_tree(templates[template].files, code, _context(name, port, 9090))
        if name == "api":
            main = code / "main.go"
            text = main.read_text()
            assert '\tapi.HandleFunc("GET /{$}", hello)\n' in text
            text = text.replace('\tapi.HandleFunc("GET /{$}", hello)\n', FAIL_ROUTE)
            main.write_text(text)
        env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly -buildvcs=false"}
        result = subprocess.run(
            [go, "build", "-o", name, "."],
            cwd=code,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, f"go build {name}: {result.stdout}{result.stderr}"
        built[name] = code / name
    return built


# An SMTP server with STARTTLS and a login -----------------------------------------------------


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own authority) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gmac observe test SMTP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class SmtpSink:
    """Every message delivered, as text; `wait_for` blocks until one matches."""

    port: int = 0
    messages: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.content
        text = content.decode(errors="replace") if isinstance(content, bytes) else str(content)
        with self.arrived:
            self.messages.append(text)
            self.arrived.notify_all()
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.logins.append(data.login.decode())
            if data.login == SMTP_USER.encode() and data.password == SMTP_PASSWORD.encode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def matching(self, text: str) -> list[str]:
        with self.arrived:
            return [message for message in self.messages if text in message]

    def wait_for(self, text: str, timeout: float) -> str:
        with self.arrived:
            ready = self.arrived.wait_for(
                lambda: any(text in m for m in self.messages), timeout=timeout
            )
            assert ready, f"no message with {text!r} within {timeout:g}s: {len(self.messages)}"
            return next(m for m in self.messages if text in m)


def start_smtp(folder: Path) -> tuple[SmtpSink, Controller, Path]:
    import ssl

    cert, key = certificate(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = SmtpSink(port=free_port())
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=sink.port,
        tls_context=context,
        require_starttls=True,
        authenticator=sink.authenticate,
        auth_required=True,
        # Alertmanager's LOGIN expects the challenge "Username:", aiosmtpd sends "User Name":
        # PLAIN only, which both speak alike.
        auth_exclude_mechanism=["LOGIN"],
    )
    controller.start()
    return sink, controller, cert


# Traffic with a known share of failures -----------------------------------------------------


@dataclass
class Traffic:
    """GET / and GET /fail to `url`: `failures` of every `every` requests fail, `rate` a
    second, until stopped or `limit` seconds have passed."""

    url: str
    failures: int = 1
    every: int = 4
    rate: float = 40.0
    limit: float = 420.0
    sent: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0})
    log: list[tuple[float, bool]] = field(default_factory=list)  # (wall clock, failed)
    started: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            count = 0
            while not self._stop.is_set() and time.monotonic() - self.started < self.limit:
                fail = count % self.every < self.failures
                response = client.get(self.url + ("/fail" if fail else "/"))
                failed = response.status_code >= 500
                self.sent["failed" if failed else "ok"] += 1
                self.log.append((time.time(), failed))
                count += 1
                self._stop.wait(1.0 / self.rate)

    def window(self, seconds: float, end: float | None = None) -> tuple[float, float]:
        """Requests a second, and the share that failed, in the `seconds` before `end`."""
        until = end if end is not None else time.time()
        recent = [failed for at, failed in list(self.log) if until - seconds < at <= until]
        return len(recent) / seconds, (sum(recent) / len(recent) if recent else 0.0)

    def running_for(self) -> float:
        return time.monotonic() - self.started

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


# The project --------------------------------------------------------------------------------


def _cut(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def observe_project(
    base: Path,
    plane: ControlPlane,
    *,
    namespace: str,
    smtp_port: int,
    webhook_url: str,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> Project:
    """The example, cut to what runs here; its staging on the cluster, integrations live."""
    root = base / "project"
    specs = root / "specs"
    specs.mkdir(parents=True)
    (specs / "services").mkdir()
    (specs / "integrations").mkdir()
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "stacks").mkdir()
    project = yaml.safe_load((REPO / "specs" / "project.yaml").read_text())
    project.pop("git", None)
    for gone in ("stripe-webhook-secret", "turso-app-token", "gitea-token"):
        project["secrets"].pop(gone)
    project["secrets"]["smtp-password"] = {"description": "the smarthost's password"}
    project["environments"]["staging"]["kubernetes"] = {
        "context": plane.context,
        "kubeconfig": str(plane.kubeconfig),
        "namespace": namespace,
    }
    project["environments"]["staging"]["monitoring"] = {
        "pushgateway": "http://pushgateway.monitoring.svc:9091"
    }
    alertmanager = project["monitoring"]["alertmanager"]
    alertmanager["email"].update(smarthost=f"127.0.0.1:{smtp_port}", auth_secret="smtp-password")
    # Repeats every 10s, so that the test can see them stop once the alert is silenced.
    alertmanager.update(group_wait="1s", group_interval="5s", repeat_interval="10s")
    if edit is not None:
        edit(project)
    (specs / "project.yaml").write_text(yaml.safe_dump(project, sort_keys=False))

    api = yaml.safe_load((REPO / "specs" / "services" / "api.yaml").read_text())
    _cut(api, repo=None, databases=None, secrets=None, uses=["ci"], autoscale=None, replicas=2)
    api["image"] = {"ref": "registry.gmac.io/gmac/api:observe"}
    for alert in api["alerts"]:
        if alert["name"] == "ApiHighErrorRate":
            alert["for"] = "20s"  # the example waits 10m; the expression is the example's
    (specs / "services" / "api.yaml").write_text(yaml.safe_dump(api, sort_keys=False))
    worker = yaml.safe_load((REPO / "specs" / "services" / "billing-worker.yaml").read_text())
    _cut(worker, repo=None, databases=None, secrets=None, uses=None)
    worker["image"] = {"ref": "registry.gmac.io/gmac/billing-worker:observe"}
    path = specs / "services" / "billing-worker.yaml"
    path.write_text(yaml.safe_dump(worker, sort_keys=False))
    hook = yaml.safe_load((REPO / "specs" / "integrations" / "ci-webhook.yaml").read_text())
    hook.update(url=webhook_url, health={"every": "5m"})
    (specs / "integrations" / "ci-webhook.yaml").write_text(yaml.safe_dump(hook))

    env_vars = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GMAC_")},
        "GMAC_SECRET_SMTP_PASSWORD": SMTP_PASSWORD,
        "GMAC_SECRET_CI_WEBHOOK_SECRET": "ci-webhook-secret-for-the-observe-test",
        "GMAC_SECRET_NEXTAUTH_SECRET": "nextauth-observe-secret-value-0123456789abcdef",
        "GMAC_SECRET_STRIPE_SECRET_KEY": "sk_test_observe",
        "GMAC_SECRET_TURSO_PLATFORM_TOKEN": "turso-observe",
        "GMAC_ACTOR": ACTOR,
        "GMAC_PASSPHRASE": "observe-test-passphrase",
        "GMAC_EPHEMERAL_REGISTRY": "1",  # the registry of a test's project is its own file
        "PYTHONPATH": str(REPO),
    }
    return Project(root, {"staging": namespace}, env_vars)


def set_monitoring(project: Project, **urls: str) -> None:
    """Points the staging environment's observe sources at the servers started."""
    path = project.specs / "project.yaml"
    document = yaml.safe_load(path.read_text())
    document["environments"]["staging"]["monitoring"].update(urls)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
