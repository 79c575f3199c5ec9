"""The panel's HTML: jinja2 templates (autoescaped) in gmac/web/templates, one per page, over
`base.html`; every page gets who is signed in, the CSRF token for its forms and the
environments shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from gmac.render.charts import health_strip, line_chart
from gmac.render.observe import number, sparkline
from gmac.web.security import csrf_token

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals.update(
    line_chart=line_chart, health_strip=health_strip, number=number, sparkline=sparkline
)
STATE_CLASS = {"healthy": "ok", "degraded": "warn", "down": "bad", "unknown": "unknown"}
templates.env.globals["state_class"] = STATE_CLASS


def when(stamp: str) -> str:
    return stamp[:19].replace("T", " ") if stamp else ""


templates.env.filters["when"] = when


def strip_of(results: Any) -> str:
    """A health history (newest first) as squares, oldest on the left."""
    return health_strip([(r.status, r.checked_at) for r in reversed(list(results))])


templates.env.globals["strip_of"] = strip_of


def page(request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
    from gmac.web.auth import current_member  # noqa: PLC0415 - auth renders pages too

    state = request.app.state.panel
    try:
        who = current_member(request)
        envs = state.environments()
    except Exception:  # the specs are broken: the page says so itself
        who, envs = None, []
    base = {
        "request": request,
        "user": who,
        "csrf": csrf_token(request.session),
        "environments": envs,
        "options": state.options,
        "once_used": state.once_used,
        "flash": request.session.pop("flash", None),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
