"""What `gmac serve` was started with: the project, where to listen, how people sign in."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from gmac.app.panel.credentials import PanelCredentials
from gmac.app.panel.pulls import ProjectRepo

DEFAULT_PORT = 8300
SESSION_HOURS = 12


@dataclass(frozen=True)
class GiteaSignIn:
    """The business's Gitea as OpenID Connect provider: an OAuth2 application's client."""

    url: str
    client_id: str
    client_secret: str = field(repr=False)

    @property
    def discovery(self) -> str:
        return self.url.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class RateLimits:
    """Per client address (the `limits` notation: 10/minute)."""

    signin: str = "10/minute"
    api: str = "300/minute"


@dataclass(frozen=True)
class ServeOptions:
    specs: Path
    envs: tuple[str, ...] = ()  # the environments shown; all when empty
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    gitea: GiteaSignIn | None = None
    credentials: PanelCredentials = field(default_factory=PanelCredentials)
    repo: ProjectRepo | None = None  # the project's own repository: pull requests
    limits: RateLimits = field(default_factory=RateLimits)
    session_hours: float = SESSION_HOURS
    refresh_seconds: int = 15
    # The one-time sign-in link's token, when nothing else is configured on loopback.
    once_token: str = field(default="", repr=False)
    session_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def signin_configured(self) -> bool:
        return self.gitea is not None or self.credentials.has_password


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
