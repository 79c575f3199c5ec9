"""The one way gmac reaches a Kubernetes API server: the kubernetes client's own loader.

A target is what an environment's `kubernetes:` section names: a kubeconfig (a path, or the
file's content, as the Pulumi provider takes it; else $KUBECONFIG, else ~/.kube/config) and a
context (else the current one). The loader handles what kubectl does: client certificates,
tokens, exec credential plugins (EKS, GKE, OIDC), and, with no kubeconfig at all inside a
pod, the service account (in-cluster config).

The client package takes most of a second to import: it is imported only when a cluster is
really reached.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from gmac.errors import IntegrationError

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

SERVICE = "kubernetes"
_SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True)
class KubeTarget:
    """A kubeconfig (path, content or None for the default) and a context (None: current)."""

    kubeconfig: str | None = None
    context: str | None = None
    root: Path | None = None  # a relative kubeconfig path is relative to the project

    def _config_text(self) -> tuple[str | None, str]:
        """The kubeconfig's content and where it came from; (None, why) when there is none."""
        if self.kubeconfig:  # "" is none given, as None
            with contextlib.suppress(OSError):  # content is no file name (too long, ...)
                path = Path(self.kubeconfig).expanduser()
                if not path.is_absolute() and self.root is not None:
                    path = self.root / path
                if path.is_file():
                    return path.read_text(encoding="utf-8"), str(path)
            if "\n" in self.kubeconfig:
                return self.kubeconfig, "the kubeconfig given in the spec"
            return None, f"no kubeconfig file {self.kubeconfig}"
        variable = os.environ.get("KUBECONFIG", "")
        first = variable.split(os.pathsep)[0] if variable else ""
        path = Path(first).expanduser() if first else Path.home() / ".kube" / "config"
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError:
            return None, f"no kubeconfig at {path}"

    def config(self) -> dict[str, Any] | None:
        """The kubeconfig as data, None when there is none (or in a pod without one)."""
        text, where = self._config_text()
        if text is None:
            return None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            raise _error(f"{where} is not YAML") from None
        if not isinstance(data, dict):
            raise _error(f"{where} is not a kubeconfig")
        return data

    def _folder(self) -> str:
        """What relative paths in the kubeconfig (certificates, token files) are relative to:
        the kubeconfig file's folder, as for kubectl; the working directory for content."""
        text, where = self._config_text()
        path = Path(where)
        return str(path.parent) if text is not None and path.is_file() else ""

    def context_name(self) -> str | None:
        config = self.config()
        if config is None:
            return None
        return self.context or (str(config.get("current-context") or "") or None)

    def problem(self) -> str | None:
        """Why this target cannot be reached as configured (a missing file or context), or
        None when the kubeconfig names it; says nothing about whether the server answers."""
        try:
            config = self.config()
        except IntegrationError as error:
            return str(error).removeprefix(f"{SERVICE}: ")
        if config is None:
            if _in_cluster():
                return None
            return self._config_text()[1]
        name = self.context_name()
        contexts = [str(item.get("name")) for item in config.get("contexts") or []]
        if name is None:
            return "the kubeconfig has no current context; name one in the spec"
        if name not in contexts:
            known = ", ".join(contexts) or "none"
            return f"the kubeconfig has no context '{name}' (its contexts: {known})"
        return None

    def server(self) -> str | None:
        """The API server URL of the context, from the kubeconfig alone (None if unknown)."""
        try:
            config = self.config()
        except IntegrationError:
            return None
        if config is None:
            host = os.environ.get("KUBERNETES_SERVICE_HOST")
            port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
            return f"https://{host}:{port}" if host and _in_cluster() else None
        name = self.context_name()
        contexts = {c.get("name"): c.get("context") or {} for c in config.get("contexts") or []}
        clusters = {c.get("name"): c.get("cluster") or {} for c in config.get("clusters") or []}
        cluster = clusters.get(contexts.get(name, {}).get("cluster"), {})
        server = cluster.get("server") if isinstance(cluster, dict) else None
        return server if isinstance(server, str) and server else None

    def address(self) -> tuple[str, int] | None:
        """Host and port of the API server, for a connection check."""
        server = self.server()
        url = urlsplit(server) if server else None
        if url is None or url.hostname is None:
            return None
        return url.hostname, url.port or (443 if url.scheme == "https" else 80)

    def client(self) -> ApiClient:
        """An API client for the target, authenticated the way kubectl would be."""
        from kubernetes import client, config  # noqa: PLC0415 - slow to import, used rarely
        from kubernetes.config.kube_config import KubeConfigLoader  # noqa: PLC0415

        data = self.config()
        problem = self.problem()
        if data is not None and problem is not None:  # clearer than the loader's own words
            raise _error(problem)
        configuration = client.Configuration()
        try:
            if data is None:
                if not _in_cluster():
                    raise _error(self._config_text()[1], hint="set KUBECONFIG or kubeconfig:")
                config.load_incluster_config(client_configuration=configuration)
                return client.ApiClient(configuration)
            loader = KubeConfigLoader(
                config_dict=data,
                active_context=self.context or None,
                config_base_path=self._folder(),
            )
            loader.load_and_set(configuration)
            token = getattr(loader, "token", None)
            if isinstance(token, str) and token != token.strip():
                # A token file mostly ends in a newline, which kubectl trims and the loader
                # keeps (an invalid header); its refresh hook re-reads `loader.token`.
                loader.token = configuration.api_key["authorization"] = token.strip()
            return client.ApiClient(configuration)
        except (config.ConfigException, ValueError, OSError) as error:
            raise _error(f"cannot use the kubeconfig: {error}") from None


def _in_cluster() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and (_SERVICE_ACCOUNT / "token").exists()


def _error(message: str, hint: str = "") -> IntegrationError:
    return IntegrationError(SERVICE, message, hint=hint)
