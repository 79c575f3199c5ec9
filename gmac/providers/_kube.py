"""Just enough of a Kubernetes client for image builds: an `Api` from a kubeconfig context.

Reads the kubeconfig the way kubectl does (`kubeconfig` given, else $KUBECONFIG's first file,
else ~/.kube/config; the named context, else the current one) and supports bearer tokens,
client certificates, basic auth, a CA or `insecure-skip-tls-verify`; in a pod without a
kubeconfig it uses the service account. Exec and auth-provider plugins are not supported.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from pathlib import Path
from typing import Any

import yaml

from gmac.clients.http import Api
from gmac.errors import IntegrationError

_IN_CLUSTER = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def _error(message: str, hint: str = "") -> IntegrationError:
    return IntegrationError("kubernetes", message, hint=hint)


def _kubeconfig_path(kubeconfig: str) -> Path | None:
    if kubeconfig:
        return Path(kubeconfig).expanduser()
    from_env = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0]
    if from_env:
        return Path(from_env).expanduser()
    default = Path.home() / ".kube" / "config"
    return default if default.exists() else None


def _named(items: Any, name: str, what: str) -> dict[str, Any]:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            return dict(item.get(what) or {})
    raise _error(f"kubeconfig has no {what} named '{name}'")


def _load_file(path: Path, base: Path) -> bytes:
    full = path if path.is_absolute() else base / path
    return full.read_bytes()


def _tls(cluster: dict[str, Any], user: dict[str, Any], base: Path) -> ssl.SSLContext | bool:
    if cluster.get("insecure-skip-tls-verify"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif cluster.get("certificate-authority-data"):
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        context = ssl.create_default_context(cadata=ca)
    elif cluster.get("certificate-authority"):
        ca = _load_file(Path(cluster["certificate-authority"]), base).decode()
        context = ssl.create_default_context(cadata=ca)
    else:
        context = ssl.create_default_context()
    cert = _data_or_file(user, "client-certificate", base)
    key = _data_or_file(user, "client-key", base)
    if cert and key:
        _load_client_certificate(context, cert, key)
    return context


def _data_or_file(user: dict[str, Any], field: str, base: Path) -> bytes | None:
    if user.get(f"{field}-data"):
        return base64.b64decode(user[f"{field}-data"])
    if user.get(field):
        return _load_file(Path(user[field]), base)
    return None


def _load_client_certificate(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """`ssl` only loads certificates from files: private temporary ones, removed at once."""
    with tempfile.TemporaryDirectory(prefix="gmac-kube-") as directory:
        cert_file, key_file = Path(directory) / "cert.pem", Path(directory) / "key.pem"
        for path, data in ((cert_file, cert), (key_file, key)):
            path.touch(mode=0o600)
            path.write_bytes(data)
        context.load_cert_chain(cert_file, key_file)


def _authorization(user: dict[str, Any], base: Path) -> str | None:
    if user.get("exec") or user.get("auth-provider"):
        raise _error(
            "exec and auth-provider credentials in the kubeconfig are not supported yet",
            hint="use a context with a token or a client certificate",
        )
    if user.get("token"):
        return f"Bearer {user['token']}"
    if user.get("tokenFile"):
        return f"Bearer {_load_file(Path(user['tokenFile']), base).decode().strip()}"
    if user.get("username") and user.get("password"):
        pair = f"{user['username']}:{user['password']}".encode()
        return f"Basic {base64.b64encode(pair).decode()}"
    return None


def _in_cluster(timeout: float) -> Api:
    host = os.environ["KUBERNETES_SERVICE_HOST"]
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    token = (_IN_CLUSTER / "token").read_text().strip()
    context = ssl.create_default_context(cafile=str(_IN_CLUSTER / "ca.crt"))
    return Api(
        "kubernetes",
        f"https://{host}:{port}",
        authorization=f"Bearer {token}",
        timeout=timeout,
        verify=context,
    )


def cluster_api(kubeconfig: str = "", context: str = "", *, timeout: float = 30.0) -> Api:
    """The API server of a kubeconfig context, or of the cluster this process runs in."""
    path = _kubeconfig_path(kubeconfig)
    if path is None:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and (_IN_CLUSTER / "token").exists():
            return _in_cluster(timeout)
        raise _error("no kubeconfig found", hint="set KUBECONFIG or the environment's kubeconfig")
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise _error(f"cannot read kubeconfig {path}: {type(error).__name__}") from None
    name = context or str(config.get("current-context") or "")
    if not name:
        raise _error(f"kubeconfig {path} has no current context", hint="name one in the spec")
    selected = _named(config.get("contexts"), name, "context")
    cluster = _named(config.get("clusters"), str(selected.get("cluster")), "cluster")
    user = _named(config.get("users"), str(selected.get("user")), "user")
    server = str(cluster.get("server") or "")
    if not server:
        raise _error(f"cluster of context '{name}' has no server")
    base = path.parent
    return Api(
        "kubernetes",
        server,
        authorization=_authorization(user, base),
        timeout=timeout,
        verify=_tls(cluster, user, base) if server.startswith("https") else True,
    )
