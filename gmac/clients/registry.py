"""An OCI registry (the Distribution API v2): an image's manifest, its config and labels.

Authentication as `docker login` does it: the first 401 says how (`WWW-Authenticate`):
`Basic` (a registry with htpasswd) sends the user name and password; `Bearer` asks the
token service it names for a token with the user name and password (or anonymously) and
sends that. A registry on this machine (localhost, 127.x) speaks plain HTTP.

`has_manifest` answers None when it cannot tell (unreachable, or credentials wanted but not
given); the other reads raise `IntegrationError`s that never carry the credentials.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from gmac.clients.http import Api
from gmac.errors import IntegrationError

SERVICE = "registry"
TIMEOUT = 15.0
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
_INDEX_TYPES = ("index.v1+json", "manifest.list.v2+json")
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


def registry_parts(image: str) -> tuple[str, str]:
    """`registry.example.com/team/api` -> (`registry.example.com`, `team/api`); a name
    without a registry host is Docker Hub's."""
    host, _, path = image.partition("/")
    if not path or ("." not in host and ":" not in host and host != "localhost"):
        return "registry-1.docker.io", image if path else f"library/{image}"
    return host, path


def _is_local(host: str) -> bool:
    name = host.rsplit(":", 1)[0]
    return name == "localhost" or name.startswith("127.") or name == "[::1]"


@dataclass(frozen=True)
class Manifest:
    digest: str
    media_type: str
    body: dict[str, Any]

    @property
    def size(self) -> int:
        """Bytes to pull: the config and every layer, compressed."""
        parts = [self.body.get("config") or {}, *(self.body.get("layers") or [])]
        return sum(int(part.get("size", 0)) for part in parts)


@dataclass
class Registry:
    """One registry host; `username`/`password` when it wants them."""

    host: str
    username: str = ""
    password: str = field(default="", repr=False)
    credential: str = ""  # the secret's name, for messages
    _authorization: str | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"{'http' if _is_local(self.host) else 'https'}://{self.host}"

    def _api(self, authorization: str | None) -> Api:
        return Api(SERVICE, self.base_url, authorization, self.credential, timeout=TIMEOUT)

    def _basic(self) -> str | None:
        if not self.username and not self.password:
            return None
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"

    def _token(self, challenge: str) -> str | None:
        params = dict(_CHALLENGE.findall(challenge))
        realm = params.pop("realm", "")
        if not realm:
            return None
        token_api = Api(SERVICE, realm, self._basic(), self.credential, timeout=TIMEOUT)
        answer = token_api.send("GET", "", params=params)
        if answer.status_code in (401, 403):
            return None
        token_api.check("GET", realm, answer)
        body = answer.json()
        token = body.get("token") or body.get("access_token")
        return f"Bearer {token}" if token else None

    def send(self, method: str, path: str, accept: str = "") -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        answer = self._api(self._authorization).send(method, path, headers=headers)
        if answer.status_code != 401:
            return answer
        challenge = answer.headers.get("WWW-Authenticate", "")
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            self._authorization = self._basic()
        elif scheme == "bearer":
            self._authorization = self._token(challenge)
        if self._authorization is None:
            return answer
        return self._api(self._authorization).send(method, path, headers=headers)

    def check(self) -> None:
        """That the registry answers and takes the credentials (`GET /v2/`)."""
        answer = self.send("GET", "/v2/")
        if answer.status_code in (401, 403):
            raise self._refused(answer.status_code)
        self._api(None).check("GET", "/v2/", answer)

    def _refused(self, status: int) -> IntegrationError:
        if not self.password:
            hint = "set images.credentials in the project"
            return IntegrationError(
                SERVICE, f"{self.host} wants credentials", status=status, hint=hint
            )
        given = f"secret '{self.credential}'" if self.credential else "the user name"
        return IntegrationError(
            SERVICE, f"{self.host} refused the credentials of {given}", status=status
        )

    def manifest(self, path: str, reference: str) -> Manifest | None:
        """The manifest of `path` at a tag or digest; None when the registry has none. An
        index (several platforms) gives its linux/amd64 manifest."""
        answer = self.send("GET", f"/v2/{path}/manifests/{reference}", MANIFEST_TYPES)
        if answer.status_code == 404:
            return None
        if answer.status_code in (401, 403):
            raise self._refused(answer.status_code)
        self._api(None).check("GET", f"/v2/{path}/manifests/{reference}", answer)
        body = answer.json()
        media_type = str(body.get("mediaType") or answer.headers.get("Content-Type", ""))
        digest = answer.headers.get("Docker-Content-Digest") or (
            "sha256:" + hashlib.sha256(answer.content).hexdigest()
        )
        if media_type.endswith(_INDEX_TYPES):
            for entry in body.get("manifests") or []:
                platform = entry.get("platform") or {}
                if (platform.get("os"), platform.get("architecture")) == ("linux", "amd64"):
                    return self.manifest(path, str(entry["digest"]))
            return None
        return Manifest(digest, media_type, body)

    def config(self, path: str, manifest: Manifest) -> dict[str, Any]:
        """The image's config blob (its `config.Labels`, `config.User`, ...)."""
        digest = str((manifest.body.get("config") or {}).get("digest", ""))
        answer = self.send("GET", f"/v2/{path}/blobs/{digest}")
        if answer.status_code in (401, 403):
            raise self._refused(answer.status_code)
        self._api(None).check("GET", f"/v2/{path}/blobs/{digest}", answer)
        return dict(json.loads(answer.content))

    def labels(self, path: str, reference: str) -> dict[str, str] | None:
        """The labels of the image at `reference` and its digest; None when there is none."""
        manifest = self.manifest(path, reference)
        if manifest is None:
            return None
        labels = (self.config(path, manifest).get("config") or {}).get("Labels") or {}
        return {str(k): str(v) for k, v in labels.items()}


def has_manifest(image: str, digest: str, username: str = "", password: str = "") -> bool | None:
    """Whether the registry of `image` (`host/path`) has the manifest `digest`; None when it
    cannot tell (unreachable, or it wants credentials)."""
    host, path = registry_parts(image)
    registry = Registry(host, username, password)
    try:
        answer = registry.send("HEAD", f"/v2/{path}/manifests/{digest}", MANIFEST_TYPES)
    except IntegrationError:
        return None
    if answer.status_code == 404:
        return False
    return True if answer.is_success else None
