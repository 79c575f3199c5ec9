"""Scaffolding: new services from templates (`gmac new service`, `gmac templates`).

`answers` reads and checks one answer; `render` renders a template's jinja2 tree; `new`
writes a service's spec and code and validates the project with it.
"""

from gmac.app.scaffold.answers import (
    AnswerError,
    ProjectFacts,
    check_name,
    parse_answer,
    show_value,
)
from gmac.app.scaffold.new import (
    Created,
    NewService,
    ProjectState,
    create_service,
    default_answer,
    read_project,
)
from gmac.app.scaffold.render import render_tree, template_paths

__all__ = [
    "AnswerError",
    "Created",
    "NewService",
    "ProjectFacts",
    "ProjectState",
    "check_name",
    "create_service",
    "default_answer",
    "parse_answer",
    "read_project",
    "render_tree",
    "show_value",
    "template_paths",
]
