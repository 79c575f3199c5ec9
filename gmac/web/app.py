"""The panel as one ASGI application (FastAPI): sessions, rate limits and headers around the
pages, the quick actions, the New service form and the JSON API; this is the one place a
`GmacError` becomes an answer (a page, or `{"error": ...}` under /api/), and anything else
an internal error without its traceback (`--debug` logs it)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from gmac import __version__
from gmac.errors import (
    AccessDeniedError,
    GmacError,
    IntegrationError,
    RegistryError,
    SecretsError,
    SpecError,
    ToolchainMissingError,
    UsageError,
)
from gmac.web import actions, api, auth, newservice, pages
from gmac.web.options import ServeOptions
from gmac.web.security import Limiter, guard
from gmac.web.state import PanelState
from gmac.web.views import HERE, page

log = logging.getLogger("gmac.web")
_STATUS: tuple[tuple[type[GmacError], int], ...] = (
    (AccessDeniedError, 403),
    (SpecError, 400),
    (UsageError, 400),
    (SecretsError, 400),
    (IntegrationError, 502),
    (RegistryError, 503),
    (ToolchainMissingError, 503),
)


def status_of(error: GmacError) -> int:
    return next((code for kind, code in _STATUS if isinstance(error, kind)), 502)


def _answer(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    return page(request, "error.html", {"status": status, "message": message}, status=status)


def create_app(options: ServeOptions, *, debug: bool = False) -> FastAPI:
    app = FastAPI(
        title="gmac panel",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI comes from a CDN: the panel works offline
        redoc_url=None,
    )
    limiter = Limiter(options.limits)
    app.state.panel = PanelState(options, limiter)
    app.middleware("http")(guard(limiter))
    app.add_middleware(
        SessionMiddleware,
        secret_key=options.session_key,
        session_cookie="gmac_panel",
        max_age=int(options.session_hours * 3600),
        same_site="lax",
        https_only=not options.loopback,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (auth, pages, actions, newservice):
        app.include_router(module.router, include_in_schema=False)  # pages, not the API
    app.include_router(api.router)

    @app.exception_handler(GmacError)
    def gmac_error(request: Request, error: GmacError) -> Response:
        return _answer(request, status_of(error), str(error))

    @app.exception_handler(HTTPException)
    def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code in (301, 302, 303, 307) and error.headers:
            return Response(status_code=error.status_code, headers=error.headers)
        return _answer(request, error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    def internal_error(request: Request, error: Exception) -> Response:
        if debug:
            log.exception("internal error on %s %s", request.method, request.url.path)
        else:
            log.error(
                "internal error on %s %s: %s",
                request.method,
                request.url.path,
                type(error).__name__,
            )
        return _answer(request, 500, f"internal error ({type(error).__name__}): a bug in gmac")

    return app
