"""New service: the `gmac new service` questions as a form. Each answer is checked as the
command checks it and a refusal is shown beside its field; a valid form opens a pull request
on the project's repository with the spec and the rendered code (gmac.app.panel.proposal),
and the panel links to it and shows its plan comment once CI has run.

    GET  /new?template=go-api      the template's questions, with their defaults
    POST /new                      check, then propose
    GET  /pulls/NUMBER             one pull request and the plans CI commented on it
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from gmac.app.panel.members import Member
from gmac.app.panel.proposal import Checked, propose_service, questions
from gmac.app.panel.pulls import plan_comments
from gmac.errors import GmacError, UsageError
from gmac.load.templates import catalogue
from gmac.web.auth import panel, require_form, require_member
from gmac.web.views import page

router = APIRouter()
Signed = Annotated[Member, Depends(require_member)]
DEFAULT_TEMPLATE = "go-api"


def _form(
    request: Request,
    template: str,
    name: str,
    given: dict[str, str],
    errors: dict[str, str],
    problem: str = "",
    status: int = 200,
) -> Response:
    templates = sorted(catalogue())
    if template not in templates:
        template = DEFAULT_TEMPLATE if DEFAULT_TEMPLATE in templates else templates[0]
    context_ = {
        "templates": templates,
        "template": template,
        "name": name,
        "questions": questions(template, name),
        "given": given,
        "errors": errors,
        "problem": problem,
        "repo": panel(request).options.repo,
    }
    return page(request, "new.html", context_, status=status)


@router.get("/new")
def new_form(request: Request, who: Signed, template: str = DEFAULT_TEMPLATE) -> Response:
    return _form(request, template, "", {}, {})


@router.post("/new")
async def new_submit(request: Request) -> Response:
    form = await request.form()
    fields = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    who = require_form(request, fields.pop("csrf", ""))
    template = fields.pop("template", DEFAULT_TEMPLATE)
    name = fields.pop("name", "").strip()
    given = {key.removeprefix("q."): value for key, value in fields.items() if key.startswith("q.")}
    repo = panel(request).options.repo
    if repo is None:
        problem = "no repository to open the pull request on: start gmac serve with --repo"
        return _form(request, template, name, given, {}, problem, 400)
    try:
        result = propose_service(
            panel(request).options.specs,
            repo,
            service=name,
            template_name=template,
            texts=given,
            actor=who.actor(),
        )
    except GmacError as error:
        return _form(request, template, name, given, {}, str(error), 400)
    if isinstance(result, Checked):
        return _form(request, template, name, given, result.errors, "", 400)
    request.session["flash"] = [
        "ok",
        f"opened pull request #{result.pull.number} with {len(result.files)} files",
    ]
    return RedirectResponse(f"/pulls/{result.pull.number}", status_code=303)


@router.get("/pulls/{number}")
def pull_page(request: Request, who: Signed, number: int) -> Response:
    repo = panel(request).options.repo
    if repo is None:
        raise UsageError("no repository configured: start gmac serve with --repo")
    try:
        plans = plan_comments(repo, number)
        problem = ""
    except GmacError as error:
        plans, problem = (), str(error)
    url = f"{repo.web_url}/pulls/{number}"
    context_ = {"number": number, "url": url, "plans": plans, "problem": problem}
    return page(request, "pull.html", context_)
