"""The web panel, `gmac serve`: server-rendered pages over the same app functions as the
commands, sign-in with the business's Gitea (or a local password, or a one-time link on
127.0.0.1), quick actions authorized by the project's `access` rules, and a JSON API.

    create_app(ServeOptions) -> FastAPI     the ASGI application (gmac.web.app)

Layers: web sits above render and app, below cli; it never imports typer.
"""

from gmac.web.app import create_app
from gmac.web.options import GiteaSignIn, RateLimits, ServeOptions, is_loopback

__all__ = ["GiteaSignIn", "RateLimits", "ServeOptions", "create_app", "is_loopback"]
